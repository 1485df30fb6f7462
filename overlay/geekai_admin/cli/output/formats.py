"""The command's output formats: what `--format table|json|jsonl|csv` turns a command's result into.

Every command produces a `Produced`: a JSON document, a text for people, and, when its output is
a list of keys, the rows that `jsonl` (one JSON object a line) and `csv` print. Only the format
asked for is rendered: a table's text may be a function, called for `--format table` alone.

CSV cells are safe to open and to print. A cell a spreadsheet would read as a formula is defused
(OWASP's "CSV injection" advice): one starting with = + - @, their full-width forms, or any
whitespace (TAB, CR, LF, a space: spreadsheets skip it) gets a leading '. Control characters
(C0 but the line feed, C1, bidi overrides: anything not printable) are escaped as \\xNN / \\uNNNN,
so a cell cannot drive the terminal it is printed on.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from geekai_admin import ApiKey
from geekai_admin.cli import exit_codes
from geekai_admin.cli.output.escape import printable
from geekai_admin.cli.output.text import dump_json

__all__ = ["KEY_COLUMNS", "Output", "Produced", "csv_cell", "render"]

KEY_COLUMNS = tuple(ApiKey(uuid="").to_dict())
"""KEY's fields in their documented order (ApiKey.to_dict()'s): the CSV header of a list of keys."""
Output = tuple[dict[str, Any], str]
"""What a simple command produced: its JSON document and its text for people."""
_FORMULA_STARTS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")
"""= + - @ and their full-width forms (U+FF1D ...); a cell starting with whitespace is defused too."""


@dataclasses.dataclass(frozen=True, slots=True)
class Produced:
    """What a command produced, in every form it can be printed in."""

    document: Mapping[str, Any]
    """`--format json`: the one JSON document."""
    text: str | Callable[[], str]
    """`--format table`: the text for people, or the function that makes it (called for table only)."""
    rows: Sequence[Mapping[str, Any]] | None = None
    """`jsonl` and `csv`: one mapping per key (KEY, maybe with more columns); None: not a list."""
    columns: Sequence[str] = KEY_COLUMNS
    """The CSV header: the keys of each row, in order."""
    status: int = exit_codes.OK
    """The exit status of a run that printed this (OK, or API_ERROR or PROBLEMS for partial failures and problems)."""
    complaint: str | None = None
    """One line for stderr when `status` is not 0: what went wrong, in short."""
    printed: bool = False
    """Already on stdout (a new secret's hand-over writes it before anything else happens): render nothing."""


def csv_cell(value: Any) -> str:
    """One CSV cell: null empty, booleans true/false, JSON values as JSON; formulas defused."""
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, separators=(",", ":"))
    if text.startswith(_FORMULA_STARTS) or text[:1].isspace():
        text = "'" + text
    return "\n".join(map(printable, text.split("\n")))


def _csv_line(cells: Sequence[str]) -> str:
    # Written with "\r\n" and cut off: Python before 3.13 quotes only the terminator's
    # characters, so with "\n" a cell holding a bare "\r" went out unquoted and split its row.
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(cells)
    return out.getvalue().removesuffix("\r\n")


def _csv(produced: Produced) -> str:
    lines = [_csv_line(produced.columns)]
    lines.extend(_csv_line([csv_cell(row.get(column)) for column in produced.columns]) for row in produced.rows or ())
    return "\n".join(lines)


def _jsonl(produced: Produced) -> str:
    return "\n".join(json.dumps(dict(row), separators=(",", ":")) for row in produced.rows or ())


_RENDERERS: dict[str, Callable[[Produced], str]] = {
    "table": lambda produced: produced.text if isinstance(produced.text, str) else produced.text(),
    "json": lambda produced: dump_json(produced.document),
    "jsonl": _jsonl,
    "csv": _csv,
}


def render(output_format: str, produced: Produced) -> str:
    """`produced` in `output_format`; the command has checked that a list format applies."""
    if produced.printed:
        return ""
    return _RENDERERS[output_format](produced)
