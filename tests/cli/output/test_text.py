"""Tables for people: a long name is clipped in one pass, wide characters counted as two columns."""

from __future__ import annotations

import types
import unicodedata

import pytest

from geekai_admin import ApiKey
from geekai_admin.cli.output import text

UUID = "8b1f9e9c-4a8e-4d59-9a9c-2f4c2b3c1d0e"


@pytest.mark.parametrize("name", ["x" * 10_000, "名" * 10_000, "名x" * 5_000])
def test_a_long_name_is_clipped_reading_only_what_is_shown(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Linear, not quadratic: the width of at most a column's worth of characters is looked up (a
    10,000-character name took seconds when every shorter cut was measured again)."""
    looked_up = 0

    def east_asian_width(ch: str) -> str:
        nonlocal looked_up
        looked_up += 1
        return unicodedata.east_asian_width(ch)

    monkeypatch.setattr(text, "unicodedata", types.SimpleNamespace(east_asian_width=east_asian_width))
    table = text.keys_table([ApiKey(uuid=UUID, name=name)])
    assert looked_up < 20 * text.MAX_NAME_COLUMNS
    (shown,) = (line.split("  ")[1] for line in table.splitlines()[1:2])
    assert shown.endswith("...")
    assert text._columns(shown) <= text.MAX_NAME_COLUMNS


@pytest.mark.parametrize(
    ("name", "limit", "clipped"),
    [
        ("abcdef", 6, "abcdef"),
        ("abcdefg", 6, "abc..."),
        ("名名名名", 8, "名名名名"),
        ("名名名名x", 8, "名名..."),
        ("a名名名名", 8, "a名名..."),
        ("", 3, ""),
    ],
)
def test_clipping_counts_wide_characters_as_two_columns(name: str, limit: int, clipped: str) -> None:
    assert text._clip(name, limit) == clipped
