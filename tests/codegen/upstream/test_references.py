"""A fetched document that refers outside itself is refused before any tool resolves it.

Each run is in-process against the stand-in docs site. A sentinel file (outside any folder the
tracker makes) and a listening socket (for https, which the stand-in does not speak) are the
targets: an audit hook records any open of the sentinel or any urllib request, the stand-in
records every path asked of it, and the socket any connection.
"""

from __future__ import annotations

import copy
import json
import socket
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from codegen.generate import ROOT, load_yaml
from codegen.upstream.__main__ import INCOMPLETE, main
from codegen.upstream.reference_gate import shown
from tests.support.docs_site import DocsSite, dump, excerpt, serve

VENDORED: dict[str, Any] = load_yaml(ROOT / "adminapi.yaml")
SENTINEL_NAME = "sentinel-never-read.yaml"
SENTINEL_TEXT = "SENTINEL-3f9c2e-must-not-appear"
_SEEN: list[str] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if (event == "open" and SENTINEL_NAME in str(args[0])) or event == "urllib.Request":
        _SEEN.append(f"{event} {args[0]}")


sys.addaudithook(_audit)  # once per process; it only looks at two events

# What each form refers to, given the stand-in's base URL, the sentinel's path and the trap's port.
FORMS: dict[str, Callable[[str, Path, int], Any]] = {
    "file URL": lambda base, sentinel, trap: f"file://{sentinel}#/components/schemas/X",
    "relative path": lambda base, sentinel, trap: f"../../{SENTINEL_NAME}#/components/schemas/X",
    "absolute path": lambda base, sentinel, trap: str(sentinel),
    "http (the stand-in)": lambda base, sentinel, trap: f"{base}/latest/meta-data/",
    "https": lambda base, sentinel, trap: f"https://127.0.0.1:{trap}/x.yaml#/components/schemas/X",
    "percent-encoded dots": lambda base, sentinel, trap: f"%2e%2e/%2e%2e/{SENTINEL_NAME}",
    "not a string (a mapping)": lambda base, sentinel, trap: {"$ref": str(sentinel)},
    "not a string (a number)": lambda base, sentinel, trap: 7,
}


def _in_a_response(document: dict[str, Any], value: Any) -> str:
    document["paths"]["/credit/balance"]["get"]["responses"]["200"] = {"$ref": value}
    return "/paths/~1credit~1balance/get/responses/200/$ref"


def _deep_in_a_schema(document: dict[str, Any], value: Any) -> str:
    items = {"allOf": [{"type": "object"}, {"$ref": value}]}
    document["components"]["schemas"]["ApiKey"]["properties"]["extra"] = {"type": "array", "items": items}
    return "/components/schemas/ApiKey/properties/extra/items/allOf/1/$ref"


def _deep_in_an_operation(document: dict[str, Any], value: Any) -> str:
    media = document["paths"]["/credit/balance"]["get"]["responses"]["200"]["content"]["application/json"]
    media["schema"] = {"allOf": [{"$ref": value}]}
    return "/paths/~1credit~1balance/get/responses/200/content/application~1json/schema/allOf/0/$ref"


def _an_example(document: dict[str, Any], value: Any) -> str:
    media = document["paths"]["/credit/balance"]["get"]["responses"]["200"]["content"]["application/json"]
    media["examples"] = {"remote": {"externalValue": value}}
    return "/paths/~1credit~1balance/get/responses/200/content/application~1json/examples/remote/externalValue"


@pytest.fixture
def sentinel(tmp_path: Path) -> Path:
    path = tmp_path / SENTINEL_NAME
    path.write_text(f"components:\n  schemas:\n    X:\n      description: {SENTINEL_TEXT}\n", encoding="utf-8")
    return path


@pytest.fixture
def trap() -> Iterator[socket.socket]:
    """A listening socket nothing should connect to: a pending connection shows that one did."""
    with socket.create_server(("127.0.0.1", 0)) as listening:
        listening.setblocking(False)
        yield listening


@pytest.fixture
def redocly(tmp_path: Path) -> Path:
    """A stand-in Redocly CLI that leaves a mark when started: refusing must not start it."""
    script = tmp_path / "redocly"
    script.write_text(f"#!/bin/sh\ntouch '{tmp_path / 'redocly-ran'}'\nexit 2\n", encoding="utf-8")
    script.chmod(0o755)
    return script


@dataclass
class Targets:
    """What a hostile reference may aim at, and the run that must leave each of them alone."""

    tmp_path: Path
    capsys: pytest.CaptureFixture[str]
    sentinel: Path
    trap: socket.socket
    redocly: Path

    def value(self, form: str, base: str) -> Any:
        return FORMS[form](base, self.sentinel, self.trap.getsockname()[1])

    def refused(self, site: DocsSite, plant: Callable[[str], str]) -> tuple[dict[str, Any], str, str]:
        """Run the tracker on `site` after `plant(base)` put the reference in; check nothing was read or fetched."""
        _SEEN.clear()
        report = self.tmp_path / "report.json"
        with serve(site) as base:
            pointer = plant(base)
            status = main(["--docs", base, "--report", str(report), "--redocly", str(self.redocly)])
        out = self.capsys.readouterr()
        text = report.read_text(encoding="utf-8")
        assert status == INCOMPLETE, out.err
        assert _SEEN == []
        assert not any(SENTINEL_NAME in path or "meta-data" in path for path in site.requests), site.requests
        with pytest.raises(BlockingIOError):
            self.trap.accept()
        assert not (self.tmp_path / "redocly-ran").exists()
        for said in (text, out.out, out.err):
            assert SENTINEL_TEXT not in said
        assert "Not compared" in out.out
        return json.loads(text), pointer, out.err


@pytest.fixture
def targets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sentinel: Path, trap: socket.socket, redocly: Path
) -> Targets:
    return Targets(tmp_path, capsys, sentinel, trap, redocly)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("place", [_in_a_response, _deep_in_a_schema])
def test_a_spec_file_referring_outside_itself_is_refused_unread(
    targets: Targets, form: str, place: Callable[[dict[str, Any], Any], str]
) -> None:
    site = DocsSite.from_document(VENDORED)
    value: list[Any] = []

    def plant(base: str) -> str:
        document = copy.deepcopy(VENDORED)
        value.append(targets.value(form, base))
        pointer = place(document, value[0])
        site.files["/adminapi.yaml"] = dump(document).encode("utf-8")
        return pointer

    report, pointer, err = targets.refused(site, plant)
    assert (report["compared"], report["changed"], report["complete"]) == (False, False, False)
    assert report["upstream_lint_findings"] is None
    assert report["upstream_lint_note"].startswith("not measured: the document refers outside itself")
    [finding] = report["findings"]
    assert finding["kind"] == "external reference"
    assert f"`{shown(pointer)}`" in finding["message"]
    expected = shown(value[0]) if isinstance(value[0], str) else shown(repr(value[0]))
    assert f"`{expected}`" in finding["message"]
    assert finding["message"] in err


@pytest.mark.parametrize("form", ["file URL", "http (the stand-in)", "percent-encoded dots"])
def test_a_page_excerpt_referring_outside_itself_is_refused_unread(targets: Targets, form: str) -> None:
    site = DocsSite.from_document(VENDORED, spec_link=False)

    def plant(base: str) -> str:
        cut = excerpt(VENDORED, "get", "/credit/balance")
        pointer = _deep_in_an_operation(cut, targets.value(form, base))
        site.put("get", "/credit/balance", cut)
        return pointer

    report, pointer, _ = targets.refused(site, plant)
    [finding] = report["findings"]
    assert finding["message"].startswith(f"{finding['sources'][0]}: `{shown(pointer)}` refers outside")
    assert finding["sources"][0].endswith(".md")


def test_an_example_s_external_value_is_refused_unread(targets: Targets) -> None:
    site = DocsSite.from_document(VENDORED)

    def plant(base: str) -> str:
        document = copy.deepcopy(VENDORED)
        pointer = _an_example(document, f"file://{targets.sentinel}")
        site.files["/adminapi.yaml"] = dump(document).encode("utf-8")
        return pointer

    report, pointer, _ = targets.refused(site, plant)
    assert [f"`{shown(pointer)}` points outside" in f["message"] for f in report["findings"]] == [True]


def test_a_whole_local_document_referring_to_its_neighbour_is_refused_unread(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sentinel: Path
) -> None:
    document = copy.deepcopy(VENDORED)
    _in_a_response(document, f"./{SENTINEL_NAME}#/components/schemas/X")  # beside the document
    path = tmp_path / "upstream.yaml"
    path.write_text(dump(document), encoding="utf-8")
    _SEEN.clear()
    status = main(["--document", str(path), "--report", str(tmp_path / "report.json")])
    assert (status, _SEEN) == (INCOMPLETE, [])
    assert SENTINEL_TEXT not in (tmp_path / "report.json").read_text(encoding="utf-8")
