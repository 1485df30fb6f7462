"""The upstream report: JSON for machines, Markdown for the pull request a change opens."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from codegen.upstream.coverage import Finding, SourceRead
from codegen.upstream.lint import NOT_ASKED, LintCount
from codegen.upstream.python_api import PythonApiDiff
from codegen.upstream.reference_gate import ExternalReferencesError
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
    sources: list[SourceRead] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    not_seen: list[str] = field(default_factory=list)  # "GET /path": compared as vendored, not as removed
    truncated: list[str] = field(default_factory=list)  # the indexes that may leave pages out
    lint: LintCount = NOT_ASKED  # the upstream document's lint findings, or why they were not counted
    compared: bool = True  # False: the documents were refused before any comparison (the findings say why)

    @classmethod
    def refused(cls, source: str, refusal: ExternalReferencesError) -> Report:
        """The report on documents that refer outside themselves: nothing compared, linted or validated."""
        lint = LintCount(None, "not measured: the document refers outside itself, so no tool was run on it")
        return cls(
            source, SpecDiff(), [], PythonApiDiff(), refusal.sources, refusal.findings, lint=lint, compared=False
        )

    @property
    def changed(self) -> bool:
        return bool(self.spec.changes)

    @property
    def complete(self) -> bool:
        """Nothing left for a maintainer to check: every operation seen, no finding."""
        return not self.not_seen and not self.findings

    def to_check(self) -> str:
        """What a maintainer checks when the report is not complete (one paragraph)."""
        said = []
        if self.not_seen:
            why = (
                f"the index{'es' if len(self.truncated) > 1 else ''} {', '.join(self.truncated)} may leave pages out"
                if self.truncated
                else "some blocks could not be read or attributed (findings below)"
            )
            said.append(
                f"{len(self.not_seen)} operation(s) not seen ({', '.join(self.not_seen)}): {why}. They are compared "
                "as adminapi.yaml has them, never reported removed; check each one's page on the site, or run "
                "again with --document and the spec file's URL"
            )
        if self.findings:
            said.append(
                f"{len(self.findings)} finding(s) to settle by hand: " + "; ".join(f.message for f in self.findings)
            )
        return ". ".join(said) + "."

    @property
    def breaking(self) -> bool:
        return self.spec.breaking or self.python_api.breaking

    def as_dict(self) -> dict[str, Any]:
        operations = {"added": self.spec.added, "removed": self.spec.removed, "changed": self.spec.changed}
        return {
            "source": self.source,
            "compared": self.compared,
            "changed": self.changed,
            "breaking": self.breaking,
            "complete": self.complete,
            "operations": operations | {"not_seen": self.not_seen},
            "changes": [change.as_dict() for change in self.spec.changes],
            "patch": [action.as_dict() for action in self.patch],
            "python_api": self.python_api.as_dict(),
            "findings": [finding.as_dict() for finding in self.findings],
            "sources": [source.as_dict() for source in self.sources],
            "upstream_lint_findings": self.lint.findings,
            "upstream_lint_note": self.lint.note,
        }

    def json(self) -> str:
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False) + "\n"

    def markdown(self) -> str:
        if not self.compared:
            verdict = (
                "**Not compared**: the published document refers outside itself, so it was not validated, "
                "linted or compared, and nothing it refers to was read or fetched (below, under **Incomplete**)."
            )
        elif not self.changed and not self.complete:
            verdict = "No change in what could be read; the rest is below, under **Incomplete**."
        elif not self.changed:
            verdict = "No change: the published document means what the vendored `adminapi.yaml` means."
        elif self.breaking:
            verdict = "**Breaking**: users of this package must change code or expectations (marked below)."
        else:
            verdict = "Changed, nothing breaking."
        lines = [f"## Upstream spec: {self.source}", "", verdict, ""]
        if not self.complete:
            lines += ["**Incomplete**: " + self.to_check(), ""]
        if self.changed:
            lines += self._operations() + self._changes() + self._python_api()
        lines += self._patch() + self._sources()
        lint = self.lint.note if self.lint.findings is None else f"{self.lint.findings} ({self.lint.note})"
        lines += ["", f"Lint findings in the upstream document: {lint}."]
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

    def _sources(self) -> list[str]:
        if not self.sources:
            return []
        lines = ["", "### Sources read", "", "| kind | url | operations | note |", "|---|---|---|---|"]
        for source in self.sources:
            named = ", ".join(f"`{op}`" for op in source.operations) or "none"
            if source.other:
                named += " (other specs or languages: " + ", ".join(f"`{block}`" for block in source.other) + ")"
            note = source.note.replace("|", "\\|")
            lines.append(f"| {source.kind} | {source.url} | {named} | {note} |")
        return lines

    def _patch(self) -> list[str]:
        lines = ["### adminapi.patch.yaml", "", "| # | action | matched | before | note |", "|---|---|---|---|---|"]
        for action in self.patch:
            target = action.target.replace("|", "\\|")
            counts = f"{action.matched} | {action.matched_before}"
            lines.append(f"| {action.index} | {action.kind} `{target}` | {counts} | {action.note} |")
        return lines
