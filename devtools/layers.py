"""The overlay's layers: which layer each module belongs to, and how many lines each layer holds.

`python -m devtools.layers` prints the line counts by layer, the table CONTRIBUTING.md shows
("Line counts by layer"); tests/devtools/test_layers_count.py checks that table is current, and
tests/geekai_admin/test_layers.py enforces the direction of the imports between the layers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

ROOT = Path(__file__).resolve().parent.parent
OVERLAY = ROOT / "overlay" / "geekai_admin"
GENERATED_PACKAGE = ROOT / "generated" / "geekai_admin_api"

LAYERS: Final = ("generated", "foundation", "transport", "clients", "ops", "surface", "command")
"""Lowest first: a module may import from its own layer and the ones before it, never after."""
BY_TOP_MODULE: Final = {
    **dict.fromkeys(
        ("_version", "_constants", "_lazy", "_config", "_exceptions", "_models", "_types", "_inputs", "_flow"),
        "foundation",
    ),
    "_responses": "foundation",
    "_transport": "transport",
    "_client": "clients",
    "_calls": "clients",
    "_key_listing": "clients",
    "ops": "ops",
    "cli": "command",
    "__main__": "command",
}
"""The layer of each module (or subpackage) right under geekai_admin."""


def layer(module: str) -> str:
    """The layer of a dotted module name; ValueError for a module of ours no layer names yet."""
    parts = module.split(".")
    if parts[0] == "geekai_admin_api":
        return "generated"
    if parts[0] != "geekai_admin":
        raise ValueError(f"{module} is not ours")
    if len(parts) == 1:
        return "surface"
    if parts[1] not in BY_TOP_MODULE:
        raise ValueError(f"{module} has no layer: add it to devtools/layers.py and overlay/README.md")
    return BY_TOP_MODULE[parts[1]]


def module_name(path: Path, package: Path) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(package: Path = OVERLAY) -> dict[str, Path]:
    """Every module of a package, by dotted name."""
    return {module_name(path, package): path for path in sorted(package.rglob("*.py"))}


TOTALS: Final = {
    "the wrapper (foundation, transport, clients, surface)": ("foundation", "transport", "clients", "surface"),
    "handwritten in all": ("foundation", "transport", "clients", "ops", "surface", "command"),
}
"""The sums the table adds: the wrapper of the six operations, set against the generated code."""


def line_counts() -> dict[str, tuple[int, int]]:
    """(modules, lines) per layer, generated included; lines as `wc -l` counts them."""
    counts = dict.fromkeys(LAYERS, (0, 0))
    for package in (OVERLAY, GENERATED_PACKAGE):
        for module, path in modules(package).items():
            files, lines = counts[layer(module)]
            counts[layer(module)] = (files + 1, lines + len(path.read_bytes().splitlines()))
    return counts


def table() -> str:
    """The Markdown table CONTRIBUTING.md shows."""
    counts = line_counts()
    rows = ["| layer | modules | lines |", "|---|---:|---:|"]
    rows += [f"| {name} | {files} | {lines:,} |" for name, (files, lines) in counts.items()]
    for title, names in TOTALS.items():
        files, lines = (sum(counts[name][i] for name in names) for i in (0, 1))
        rows.append(f"| {title} | {files} | {lines:,} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(table())
