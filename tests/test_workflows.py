"""The CI workflow runs the README's test command, on every Python the package supports."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
CI_RUN = ROOT / ".ci" / "run"


def _ci_job() -> dict[str, Any]:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))
    (job,) = workflow["jobs"].values()
    return dict(job)


def _supported_pythons() -> set[str]:
    classifiers = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["classifiers"]
    return {m.group(1) for c in classifiers if (m := re.fullmatch(r"Programming Language :: Python :: (3\.\d+)", c))}


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (command,) = re.findall(r"^```sh\n(python3 -m venv .*\.venv/bin/nox)\n```", readme, re.MULTILINE)
    script_lines = [line for line in CI_RUN.read_text(encoding="utf-8").splitlines() if line.startswith("python3 ")]
    assert script_lines == [command]
    assert [step["run"] for step in _ci_job()["steps"] if "run" in step][-1] == "bash .ci/run"


def test_ci_installs_every_supported_python_and_bootstraps_on_the_oldest() -> None:
    (setup,) = [step for step in _ci_job()["steps"] if step.get("uses", "").startswith("actions/setup-python@")]
    versions = setup["with"]["python-version"].split()
    assert set(versions) == _supported_pythons()
    # setup-python makes the last one listed `python3`: it runs nox and the sessions that name no Python.
    assert versions[-1] == min(versions, key=lambda v: tuple(map(int, v.split("."))))


def test_every_action_is_pinned_by_commit() -> None:
    for workflow in (ROOT / ".github" / "workflows").glob("*.yml"):
        for uses in re.findall(r"uses:\s*(\S+)", workflow.read_text(encoding="utf-8")):
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", uses), f"{workflow.name}: {uses}"


def test_the_upstream_report_is_kept_whatever_the_exit_status() -> None:
    """Exit status 3 (something to check) fails the job before the pull request: the report must outlive it."""
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "upstream.yml").read_text(encoding="utf-8"))
    (job,) = workflow["jobs"].values()
    steps = job["steps"]
    (run,) = [index for index, step in enumerate(steps) if "nox -s upstream" in step.get("run", "")]
    (keep,) = [index for index, step in enumerate(steps) if step.get("uses", "").startswith("actions/upload-artifact@")]
    assert run < keep
    assert steps[keep]["if"] == "always()"
    assert "upstream-report.json" in steps[keep]["with"]["path"]
    report = re.search(r'--report "([^"]+)"', steps[run]["run"])
    assert report is not None
    assert report.group(1).replace("$REPORT_DIR", steps[run]["env"]["REPORT_DIR"]) in steps[keep]["with"]["path"]
    # Node.js before the run, for the pinned Redocly CLI that counts the upstream document's lint findings.
    assert any(step.get("uses", "").startswith("actions/setup-node@") for step in steps[:run])
