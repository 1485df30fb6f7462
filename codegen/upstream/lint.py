"""The upstream document's lint findings, counted by Redocly CLI for the report (information only).

The rules are the repository's `redocly.yaml`, the ones `nox -s spec-lint` holds the patched
document to with 0 problems: the count is how far the published document is from that, and equals
what spec-lint prints for the vendored `adminapi.yaml`. When the count cannot be measured (no
Redocly CLI, no Node.js, a failed run), it is None with the reason; never a made-up number.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["NOT_ASKED", "LintCount", "count_findings"]

TIMEOUT = 120.0  # seconds; a few for the admin document


@dataclass(frozen=True)
class LintCount:
    """The number of findings (errors and warnings), or None when not measured; `note` says how, or why not."""

    findings: int | None
    note: str


NOT_ASKED = LintCount(
    None, "not measured: no Redocly CLI given (--redocly PATH; `nox -s upstream` passes the pinned one)"
)


def _not_measured(why: str) -> LintCount:
    return LintCount(None, f"not measured: {why}")


def count_findings(content: bytes, redocly: Path, config: Path) -> LintCount:
    """Redocly CLI (`redocly`) run on `content` with the rules of `config`: its errors plus warnings."""
    redocly, config = redocly.absolute(), config.absolute()  # it runs in a folder of its own
    if not redocly.is_file():
        return _not_measured(f"no Redocly CLI at {redocly} (`npm ci` installs the pinned one; it needs Node.js)")
    if not config.is_file():
        return _not_measured(f"no Redocly configuration at {config}")
    # An empty working folder: Redocly reads no stray configuration or ignore file from where it runs.
    with tempfile.TemporaryDirectory(prefix="geekai-upstream-lint-") as tmp:
        document = Path(tmp) / "upstream.yaml"
        document.write_bytes(content)
        command = [str(redocly), "lint", str(document), f"--config={config}", "--format=json"]
        quiet = {"REDOCLY_SUPPRESS_UPDATE_NOTICE": "true", "REDOCLY_TELEMETRY": "off"}
        try:
            done = subprocess.run(
                command, cwd=tmp, capture_output=True, timeout=TIMEOUT, check=False, env={**os.environ, **quiet}
            )
        except subprocess.TimeoutExpired:
            return _not_measured(f"Redocly CLI ran past {TIMEOUT:g} s")
        except OSError as exc:
            return _not_measured(f"Redocly CLI could not start: {exc}")
    return _counted(done, config.name)


def _counted(done: subprocess.CompletedProcess[bytes], rules: str) -> LintCount:
    # Exit status 1 means "problems found"; the JSON report is on stdout either way.
    said = done.stderr.decode(errors="replace").strip().splitlines()
    if done.returncode not in (0, 1):
        return _not_measured(f"Redocly CLI failed ({done.returncode}): {said[-1] if said else 'no message'}")
    try:
        result = json.loads(done.stdout)
        totals = result["totals"]
        findings = int(totals["errors"]) + int(totals["warnings"])
    except (ValueError, TypeError, KeyError):
        return _not_measured("Redocly CLI's output is not its JSON report: " + (said[-1] if said else "no message"))
    version = result.get("version", "(version not given)")
    return LintCount(findings, f"Redocly CLI {version} with the rules of {rules}: errors and warnings")
