"""Our templates against the pinned generator's own: what each changes, and nothing more.

model.py.jinja and types.py.jinja include the generator's template whole and add after it; the
client template is a copy (its fields are written inside macros, with no block to override)
whose difference from the original is pinned here line by line. After a generator upgrade the
client test prints the full difference, so what moved upstream shows beside what we change.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from importlib.metadata import version
from pathlib import Path

import pytest

from codegen.generate import UPSTREAM_TEMPLATES, Inputs, generator_templates, stage_templates

OURS = Inputs().templates
PINNED_GENERATOR = "0.29.1"
INCLUDED = ["model.py.jinja", "types.py.jinja"]
UPSTREAM_SHA256 = {
    "model.py.jinja": "fd1c79680d51c06cfbb89809ad123750ba9add98b688036c04cabbf1f8ba40a0",
    "types.py.jinja": "93df9d75883a4eafac77dd21bc6907f3ef612e3f7841e08656618dcf6c4ce494",
    "client.py.jinja": "4eac65762f21014a7fbf59e730f1be6d28c9c85ddc1c40b458b6ff5f67a64c9e",
}
"""The generator's templates our additions were written against (openapi-python-client 0.29.1)."""

CLIENT_CHANGES = [
    "+",
    "+DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)",
    '-    "token": namespace(type="str", default="", docstring="The token to use for authentication"),',
    '+    "token": namespace(type="str", default="field(repr=False)", docstring="The token to use for authentication"),',  # noqa: E501
    '-    _cookies: dict[str, str] = field(factory=dict, kw_only=True, alias="cookies")',
    '-    _headers: dict[str, str] = field(factory=dict, kw_only=True, alias="headers")',
    '-    _timeout: httpx.Timeout | None = field(default=None, kw_only=True, alias="timeout")',
    '+    _cookies: dict[str, str] = field(factory=dict, kw_only=True, alias="cookies", repr=False)',
    '+    _headers: dict[str, str] = field(factory=dict, kw_only=True, alias="headers", repr=False)',
    '+    _timeout: httpx.Timeout | None = field(default=DEFAULT_TIMEOUT, kw_only=True, alias="timeout")',
    '-    _httpx_args: dict[str, Any] = field(factory=dict, kw_only=True, alias="httpx_args")',
    "-    _client: httpx.Client | None = field(default=None, init=False)",
    "-    _async_client: httpx.AsyncClient | None = field(default=None, init=False)",
    '+    _httpx_args: dict[str, Any] = field(factory=dict, kw_only=True, alias="httpx_args", repr=False)',
    "+    _client: httpx.Client | None = field(default=None, init=False, repr=False)",
    "+    _async_client: httpx.AsyncClient | None = field(default=None, init=False, repr=False)",
]
"""Each line the client template adds (+) to, or removes (-) from, the generator's."""

_LEADING_COMMENT = re.compile(r"\A\{#.*?#\}\n", re.DOTALL)


def _ours(name: str) -> str:
    return (OURS / name).read_text(encoding="utf-8")


def _upstream(name: str) -> str:
    return (generator_templates() / name).read_text(encoding="utf-8")


def test_the_generator_is_the_pinned_one() -> None:
    assert version("openapi-python-client") == PINNED_GENERATOR


@pytest.mark.parametrize("name", sorted(UPSTREAM_SHA256))
def test_the_generators_template_is_the_one_ours_was_written_against(name: str) -> None:
    digest = hashlib.sha256((generator_templates() / name).read_bytes()).hexdigest()
    assert digest == UPSTREAM_SHA256[name], (
        f"openapi-python-client's {name} changed: check that what codegen/templates/{name} adds or "
        "changes still holds (nox -s generate shows the effect on generated/), then record the new sha256"
    )


def test_every_custom_template_is_compared_here() -> None:
    replacing = {p.name for p in OURS.glob("*.jinja") if (generator_templates() / p.name).exists()}
    assert replacing == set(UPSTREAM_SHA256)


@pytest.mark.parametrize("name", INCLUDED)
def test_an_including_template_takes_the_generators_whole_and_copies_none_of_it(name: str) -> None:
    ours = _ours(name)
    assert ours.count(f'{{% include "{UPSTREAM_TEMPLATES}/{name}" %}}') == 1
    upstream_lines = {line.strip() for line in _upstream(name).splitlines() if len(line.strip()) > 12}
    copied = [line for line in ours.splitlines() if line.strip() in upstream_lines]
    assert copied == []


def test_the_client_template_differs_from_the_generators_only_where_it_must() -> None:
    ours = _LEADING_COMMENT.sub("", _ours("client.py.jinja"), count=1).splitlines()
    upstream = _upstream("client.py.jinja").splitlines()
    diff = list(difflib.unified_diff(upstream, ours, "generator", "ours", lineterm="", n=1))
    changes = [line for line in diff[2:] if line[:1] in "+-"]
    assert changes == CLIENT_CHANGES, "\n".join(diff)


def test_the_staged_templates_put_the_generators_own_under_upstream(tmp_path: Path) -> None:
    staged = stage_templates(Inputs(), tmp_path / "templates")
    for name in UPSTREAM_SHA256:
        assert (staged / UPSTREAM_TEMPLATES / name).read_text(encoding="utf-8") == _upstream(name)
        assert (staged / name).read_text(encoding="utf-8") == _ours(name)
