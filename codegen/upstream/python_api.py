"""The public Python surface of two generated packages, compared with griffe (as openai-python does).

griffe reads the source without importing it, so the package generated from the new document can
be compared before anyone installs it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import griffe

from codegen.generate import PACKAGE

__all__ = ["PythonApiDiff", "SurfaceError", "compare_packages"]


class SurfaceError(RuntimeError):
    """A generated package could not be read."""


@dataclass
class PythonApiDiff:
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # "path: what changed", one per breakage
    added: list[str] = field(default_factory=list)

    @property
    def breaking(self) -> bool:
        return bool(self.removed or self.changed)

    def as_dict(self) -> dict[str, list[str]]:
        return {"removed": self.removed, "changed": self.changed, "added": self.added}


def _load(generated: Path) -> griffe.Object:
    try:
        loaded = griffe.load(PACKAGE, search_paths=[generated], try_relative_path=False, allow_inspection=False)
    except ImportError:
        raise SurfaceError(f"no {PACKAGE} package in {generated}") from None
    where = loaded.filepath if isinstance(loaded, griffe.Module) else None
    if (
        not isinstance(loaded, griffe.Module)
        or not isinstance(where, Path)
        or generated.resolve() not in where.resolve().parents
    ):
        raise SurfaceError(f"griffe did not load {PACKAGE} from {generated}")
    return loaded


def _public(obj: griffe.Object) -> Iterator[str]:
    for member in obj.members.values():
        try:
            public = member.is_public
        except griffe.AliasResolutionError:
            public = not member.name.startswith("_")
        if not public:
            continue
        yield member.path
        if isinstance(member, griffe.Object) and (member.is_module or member.is_class):
            yield from _public(member)


def compare_packages(old_generated: Path, new_generated: Path) -> PythonApiDiff:
    """Names removed, changed in a way that breaks callers, or added, between the two `generated/` trees."""
    old, new = _load(old_generated), _load(new_generated)
    result = PythonApiDiff()
    for breakage in griffe.find_breaking_changes(old, new):
        if breakage.kind is griffe.BreakageKind.OBJECT_REMOVED:
            result.removed.append(breakage.obj.path)
        else:
            result.changed.append(f"{breakage.obj.path}: {breakage.kind.value}")
    result.added = sorted(set(_public(new)) - set(_public(old)))
    result.removed.sort()
    result.changed.sort()
    return result
