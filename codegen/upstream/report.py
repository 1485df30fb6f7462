"""The upstream report: JSON for machines, Markdown for the pull request a change opens."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from codegen.upstream.python_api import PythonApiDiff
from codegen.upstream.spec_diff import SpecDiff

__all__ = ["PatchAction", "Report"]


@dataclass(frozen=True)
class PatchAction:
    """One action of adminapi.patch.yaml and how much of each document it selects."""

    index: int
    target: str
    kind: str
    matched: int  # in the new document
    matched_before: int  # in the vendored one

    @property
    def note(self) -> str:
        if self.matched:
            return ""
        if self.matched_before:
            return "now selects nothing: upstream fixed (or dropped) what it corrects; a harmless no-op, it can go"
        return "selects nothing, as before"

    def as_dict(self) -> dict[str, Any]:
        record = {"action": self.index, "target": self.target, "kind": self.kind, "matched": self.matched}
        return record | {"matched_before": self.matched_before, "note": self.note}


@dataclass(frozen=True)
class Report:
    source: str
    spec: SpecDiff
    patch: list[PatchAction]
    python_api: PythonApiDiff

    @property
    def changed(self) -> bool:
        return bool(self.spec.changes)

    @property
    def breaking(self) -> bool:
        return self.spec.breaking or self.python_api.breaking

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "changed": self.changed,
            "breaking": self.breaking,
            "operations": {"added": self.spec.added, "removed": self.spec.removed, "changed": self.spec.changed},
            "changes": [change.as_dict() for change in self.spec.changes],
            "patch": [action.as_dict() for action in self.patch],
            "python_api": self.python_api.as_dict(),
        }

    def json(self) -> str:
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False) + "\n"

    def markdown(self) -> str:
        if not self.changed:
            verdict = "No change: the published document means what the vendored `adminapi.yaml` means."
        elif self.breaking:
            verdict = "**Breaking**: users of this package must change code or expectations (marked below)."
        else:
            verdict = "Changed, nothing breaking."
        lines = [f"## Upstream spec: {self.source}", "", verdict, ""]
        if self.changed:
            lines += self._operations() + self._changes() + self._python_api()
        lines += self._patch()
        return "\n".join(lines) + "\n"

    def _operations(self) -> list[str]:
        lines = ["### Operations", ""]
        for label, names in (
            ("added", self.spec.added),
            ("removed", self.spec.removed),
            ("changed", self.spec.changed),
        ):
            lines.append(f"- {label}: " + (", ".join(f"`{n}`" for n in names) if names else "none"))
        return [*lines, ""]

    def _changes(self) -> list[str]:
        lines = ["### Changes", "", "| where | change | class | rule |", "|---|---|---|---|"]
        for change in self.spec.changes:
            severity: str = "**breaking**" if change.breaking else change.severity
            if change.absorbed:
                severity += " (the patch already does this)"
            lines.append(f"| `{change.where}` | {change.kind} | {severity} | {change.rule} |")
        return [*lines, ""]

    def _python_api(self) -> list[str]:
        api = self.python_api
        lines = ["### Python API of `geekai_admin_api`", ""]
        for label, names in (("removed", api.removed), ("changed", api.changed), ("added", api.added)):
            lines.append(f"- {label}: " + (", ".join(f"`{n}`" for n in names) if names else "none"))
        return [*lines, ""]

    def _patch(self) -> list[str]:
        lines = ["### adminapi.patch.yaml", "", "| # | action | matched | before | note |", "|---|---|---|---|---|"]
        for action in self.patch:
            target = action.target.replace("|", "\\|")
            counts = f"{action.matched} | {action.matched_before}"
            lines.append(f"| {action.index} | {action.kind} `{target}` | {counts} | {action.note} |")
        return lines
