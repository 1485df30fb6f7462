"""CONTRIBUTING.md's line counts by layer are what `python -m devtools.layers` prints, give or take."""

from __future__ import annotations

import re

from devtools.layers import LAYERS, ROOT, TOTALS, line_counts, table

ROW = re.compile(r"^\| (?P<name>[^|]+?) \| (?P<files>\d+) \| (?P<lines>[\d,]+) \|$", re.MULTILINE)


def _documented() -> dict[str, tuple[int, int]]:
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = text.split("## Line counts by layer", 1)[1].split("\n## ", 1)[0]
    return {m["name"]: (int(m["files"]), int(m["lines"].replace(",", ""))) for m in ROW.finditer(section)}


def test_contributing_shows_every_layer_and_total() -> None:
    assert list(_documented()) == [*LAYERS, *TOTALS]


def test_the_documented_counts_are_current() -> None:
    documented, counted = _documented(), line_counts()
    for name in LAYERS:
        files, lines = documented[name]
        assert files == counted[name][0], f"{name}: a module was added or removed: run python -m devtools.layers"
        assert abs(lines - counted[name][1]) <= counted[name][1] / 10, f"{name}: run python -m devtools.layers"


def test_the_table_adds_up() -> None:
    rows = {m["name"]: int(m["lines"].replace(",", "")) for m in ROW.finditer(table())}
    assert rows["handwritten in all"] == sum(rows[name] for name in LAYERS if name != "generated")
    assert rows["generated"] > 0
