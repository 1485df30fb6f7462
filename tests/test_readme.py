"""Every Python example in the READMEs and in the guide (docs/) runs as written, against the fake API on loopback.

The README is the PyPI page: its examples are what a new user pastes first; the guide's pages own
the rest. Each block runs in a fresh namespace with the environment the Quick start assumes
(GEEKAI_SYSTEM_KEY, and GEEKAI_BASE_URL pointing at the fake), plus the few names a block uses
without defining them (`client`, `uuid`, ...). The only text replaced is the placeholders a reader
replaces too.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from geekai_admin import GeekAIAdmin
from tests.support.fake_api import SYSTEM_KEY, FakeAPI, LoopbackServer

ROOT = Path(__file__).parent.parent
README = ROOT / "README.md"
PAGES = [README, ROOT / "README.zh-CN.md", *sorted((ROOT / "docs").rglob("*.md"))]


def _examples(page: Path) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", page.read_text(encoding="utf-8"), re.MULTILINE | re.DOTALL)


# (page, block): every example, each page's in order.
EXAMPLES = [(page, block) for page in PAGES for block in _examples(page)]
# Placeholders a reader fills in: (text in the README, what it becomes here).
PLACEHOLDERS = {
    "base_url": '"https://geekai.co/api"',
    "token": 'token="..."',
    "uuid": '"123e4567-..."',
}


class _Vault:
    """The rotation example's secret store."""

    def __init__(self) -> None:
        self.stored: dict[str, str] = {}

    def put(self, name: str, secret: str) -> None:
        self.stored[name] = secret


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeAPI, LoopbackServer]]:
    fake = FakeAPI()
    fake.seed(name="ci-nightly", group="ha")  # the report example reads by_group["ha"]
    with fake.serve() as server:
        monkeypatch.setenv("GEEKAI_SYSTEM_KEY", SYSTEM_KEY)
        monkeypatch.setenv("GEEKAI_BASE_URL", server.base_url)
        monkeypatch.delenv("GEEKAI_REGION", raising=False)
        yield fake, server


def _filled(block: str, fake: FakeAPI, server: LoopbackServer) -> str:
    replacements = {
        PLACEHOLDERS["base_url"]: repr(server.base_url),
        PLACEHOLDERS["token"]: f"token={SYSTEM_KEY!r}",
        PLACEHOLDERS["uuid"]: repr(fake.seed(name="bulk").uuid),
    }
    for placeholder, value in replacements.items():
        block = block.replace(placeholder, value)
    return block


def test_the_readme_and_the_guide_have_their_examples() -> None:
    assert len(_examples(README)) >= 3  # the client, the async client, the key operations
    assert len(EXAMPLES) >= 12
    text = "".join(block for _, block in EXAMPLES)
    for placeholder in PLACEHOLDERS.values():
        assert placeholder in text, f"no example has {placeholder} any more: update PLACEHOLDERS"


@pytest.mark.parametrize("name", ["README.md", "README.zh-CN.md"])
def test_the_front_page_is_short_and_starts_with_the_two_commands(name: str) -> None:
    lines = (ROOT / name).read_text(encoding="utf-8").splitlines()
    commands = [n for n, line in enumerate(lines, 1) if line.startswith("python3 -m venv .venv && ")]
    assert [lines[n - 1].rsplit("&& ", 1)[1] for n in commands] == [".venv/bin/nox -s demo", ".venv/bin/nox"]
    assert max(commands) <= 60
    assert len("\n".join(lines)) <= 15_000


@pytest.mark.parametrize("name", ["README.md", "README.zh-CN.md"])
def test_the_front_pages_links_into_the_repository_resolve(name: str) -> None:
    text = (ROOT / name).read_text(encoding="utf-8")
    targets = re.findall(r"\]\(((?!https?:)[^)#\s]+)(?:#[^)]*)?\)", text)
    assert targets
    assert [target for target in targets if not (ROOT / target).exists()] == []


def _ids() -> list[str]:
    seen: dict[Path, int] = {}
    ids = []
    for page, _ in EXAMPLES:
        seen[page] = seen.get(page, -1) + 1
        ids.append(f"{page.relative_to(ROOT).as_posix()}:block{seen[page]}")
    return ids


@pytest.mark.parametrize(("page", "block"), EXAMPLES, ids=_ids())
def test_example_runs(page: Path, block: str, server: tuple[FakeAPI, LoopbackServer]) -> None:
    fake, loopback = server
    logger = logging.getLogger("geekai_admin")
    level, root_handlers = logger.level, list(logging.getLogger().handlers)
    with GeekAIAdmin() as client:
        namespace: dict[str, Any] = {
            "client": client,
            "uuid": fake.seed(name="ci").uuid,
            "vault": _Vault(),
            "keys": client.keys.list(),
            "key": client.keys.get(fake.seed(name="other").uuid),
        }
        code = compile(_filled(block, fake, loopback), str(page), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        try:
            result = eval(code, namespace)
            if inspect.iscoroutine(result):
                asyncio.run(result)
        finally:
            logger.setLevel(level)
            logging.getLogger().handlers[:] = root_handlers
