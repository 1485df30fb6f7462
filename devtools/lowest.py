"""Fail unless each requirement given is installed at its declared lower bound (`nox -s lowest`).

    python -m devtools.lowest "httpx>=0.27,<1" "attrs>=23.1"

uv's lowest-direct resolution picks these bounds, unless another requirement in the same install
lifts one: then the session would test a version the package does not claim as its lowest.
"""

from __future__ import annotations

import importlib.metadata
import sys
from collections.abc import Sequence

from packaging.requirements import Requirement
from packaging.version import Version

__all__ = ["lower_bound", "problems"]


def lower_bound(requirement: Requirement) -> Version:
    """The version after `>=` in the requirement (each runtime requirement must declare one)."""
    bounds = [Version(spec.version) for spec in requirement.specifier if spec.operator == ">="]
    if len(bounds) != 1:
        raise ValueError(f"{requirement} must declare exactly one lower bound (>=)")
    return bounds[0]


def problems(requirements: Sequence[str]) -> list[str]:
    """One sentence per requirement not installed at its lower bound."""
    found = []
    for text in requirements:
        requirement = Requirement(text)
        wanted = lower_bound(requirement)
        installed = Version(importlib.metadata.version(requirement.name))
        if installed != wanted:
            found.append(f"{requirement.name} is installed at {installed}, not its declared lowest {wanted}")
        else:
            print(f"lowest: {requirement.name}=={installed}")
    return found


def main(argv: Sequence[str] | None = None) -> int:
    found = problems(sys.argv[1:] if argv is None else argv)
    for problem in found:
        print(f"lowest: {problem}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
