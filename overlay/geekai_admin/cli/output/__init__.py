"""What the command prints, and in which format.

- `escape`: `printable()`, for any server text shown to a person (standard library only);
- `text`: tables, detail blocks and the JSON shapes of results;
- `formats`: `Produced` (what a command produced) and `render()` for table, json, jsonl and csv;
- `secret_file`: the hand-over of a new secret: --secret-to DEST, --secret-file PATH, or stdout;
- `log`: --verbose, the client's debug log on stderr.

The names of the formats are here, read by the parser on every start; the rendering modules load
only when a command runs.
"""

from __future__ import annotations

from typing import Final

__all__ = ["LIST_FORMATS", "OUTPUT_FORMATS"]

OUTPUT_FORMATS: Final = ("table", "json", "jsonl", "csv")
"""The command's `--format` choices; `table` is the default."""
LIST_FORMATS: Final = frozenset({"jsonl", "csv"})
"""The formats that print one row per key: only for outputs that are a list of keys."""
