"""The upstream document's lint count: the pinned Redocly CLI's errors and warnings, or None and why."""

from __future__ import annotations

import re
import stat
import subprocess
from pathlib import Path

import pytest

from codegen.generate import ROOT
from codegen.upstream import lint
from codegen.upstream.lint import count_findings
from devtools.prism import ensure_installed

CONFIG = ROOT / "redocly.yaml"
REDOCLY = ROOT / "node_modules" / ".bin" / "redocly"


def _small(summary: bool) -> bytes:
    """OpenAPI 3.1 with one operation; without its summary it breaks one recommended rule (operation-summary).

    It declares no license, a rule redocly.yaml switches off: finding none shows the file's rules applied.
    """
    operation = "      summary: List the things\n" if summary else ""
    return (
        "openapi: 3.1.0\n"
        "info: {title: Small, version: '1'}\n"
        "servers: [{url: 'https://api.geekai.test'}]\n"
        "security: [{bearer: []}]\n"
        "paths:\n"
        "  /things:\n"
        "    get:\n"
        "      operationId: listThings\n"
        f"{operation}"
        "      responses:\n"
        "        '200': {description: the things}\n"
        "        '401': {description: no key}\n"
        "components:\n"
        "  securitySchemes: {bearer: {type: http, scheme: bearer}}\n"
    ).encode()


@pytest.fixture(scope="module")
def redocly() -> Path:
    """The Redocly CLI of package-lock.json (`npm ci` first if needed; without Node.js: an error, never a skip)."""
    ensure_installed()  # one `npm ci` at a time, for every tool in package-lock.json
    return REDOCLY


@pytest.mark.slow
@pytest.mark.parametrize(("summary", "findings"), [(False, 1), (True, 0)])
def test_the_pinned_redocly_counts_the_findings_under_redocly_yaml(redocly: Path, summary: bool, findings: int) -> None:
    counted = count_findings(_small(summary), redocly, CONFIG)
    assert counted.findings == findings, counted.note
    assert counted.note.startswith("Redocly CLI 2.")
    assert "redocly.yaml" in counted.note


@pytest.mark.slow
def test_the_patched_document_counts_0_as_spec_lint_requires(redocly: Path) -> None:
    patched = (ROOT / "generated" / "adminapi.patched.yaml").read_bytes()
    assert count_findings(patched, redocly, CONFIG).findings == 0


def _script(tmp_path: Path, body: str) -> Path:
    """An executable standing in for Redocly CLI, for the ways a run can fail without Node.js."""
    script = tmp_path / "redocly"
    script.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("echo \"env: 'node': No such file or directory\" >&2\nexit 127\n", r"failed \(127\): env: 'node': No such"),
        ("echo 'Error: something broke' >&2\nexit 2\n", r"failed \(2\): Error: something broke$"),
        ("echo 'not json'\necho 'Deprecation warning' >&2\nexit 1\n", "not its JSON report: Deprecation warning$"),
        ('echo \'{"version": "2.77.0"}\'\nexit 0\n', "not its JSON report: no message$"),
    ],
)
def test_a_run_that_fails_counts_nothing_and_says_why(tmp_path: Path, body: str, reason: str) -> None:
    counted = count_findings(_small(False), _script(tmp_path, body), CONFIG)
    assert counted.findings is None
    assert counted.note.startswith("not measured: Redocly CLI")
    assert re.search(reason, counted.note), counted.note


def test_a_missing_redocly_counts_nothing_and_says_how_to_install_it(tmp_path: Path) -> None:
    counted = count_findings(_small(False), tmp_path / "node_modules" / ".bin" / "redocly", CONFIG)
    assert counted.findings is None
    assert "npm ci" in counted.note
    assert str(tmp_path) in counted.note


def test_a_missing_configuration_counts_nothing(tmp_path: Path) -> None:
    counted = count_findings(_small(False), _script(tmp_path, "exit 0\n"), tmp_path / "redocly.yaml")
    assert (counted.findings, counted.note) == (
        None,
        f"not measured: no Redocly configuration at {tmp_path}/redocly.yaml",
    )


def test_a_run_past_the_time_limit_counts_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lint, "TIMEOUT", 0.2)
    counted = count_findings(_small(False), _script(tmp_path, "exec sleep 5\n"), CONFIG)
    assert (counted.findings, counted.note) == (None, "not measured: Redocly CLI ran past 0.2 s")


def test_the_document_linted_is_the_content_given(tmp_path: Path) -> None:
    seen = tmp_path / "seen.yaml"
    script = _script(tmp_path, f'cp "$2" {seen}\necho \'{{"totals": {{"errors": 2, "warnings": 3}}}}\'\nexit 1\n')
    counted = count_findings(_small(False), script, CONFIG)
    assert seen.read_bytes() == _small(False)
    assert counted.findings == 5


def test_redocly_runs_in_a_folder_holding_only_the_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A relative reference that got past the check would find nothing beside the document."""
    seen: dict[str, object] = {}

    def run(command: list[str], cwd: str, **_: object) -> subprocess.CompletedProcess[bytes]:
        seen["folder"] = sorted(p.name for p in Path(cwd).iterdir())
        seen["document"] = Path(command[2]).parent == Path(cwd)
        return subprocess.CompletedProcess(command, 0, b'{"totals": {"errors": 0, "warnings": 0}}', b"")

    monkeypatch.setattr(subprocess, "run", run)
    fake = tmp_path / "redocly"
    fake.touch()
    assert count_findings(_small(True), fake, CONFIG).findings == 0
    assert seen == {"folder": ["upstream.yaml"], "document": True}
