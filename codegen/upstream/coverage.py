"""What the tracker read and what it could not settle: the sources, and the findings a maintainer checks.

Every index, page and spec file read is a `SourceRead` with the operations it gave. A `Finding`
is something the tracker refuses to settle on its own (a block it cannot read or attribute, a
spec file that disagrees with a page); any finding, or any operation not seen, makes the run
end non-zero with the report written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Finding", "SourceKind", "SourceRead"]

SourceKind = Literal["index", "page", "spec"]


@dataclass
class SourceRead:
    url: str
    kind: SourceKind
    operations: list[str] = field(default_factory=list)  # of the compared spec, "GET /path"
    other: list[str] = field(default_factory=list)  # blocks of other specs or languages, "file METHOD /path"
    note: str = ""  # an index: "truncated: ..."; a page or spec: why it gave nothing

    def as_dict(self) -> dict[str, Any]:
        record: dict[str, Any] = {"url": self.url, "kind": self.kind, "operations": self.operations}
        if self.other:
            record["other"] = self.other
        if self.note:
            record["note"] = self.note
        return record


@dataclass(frozen=True)
class Finding:
    kind: Literal["unknown block", "unattributed block", "disagreement", "external reference"]
    message: str  # names every source involved
    sources: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message, "sources": list(self.sources)}
