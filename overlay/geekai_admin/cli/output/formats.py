"""The command's output formats: what `--format table|json|jsonl|csv` turns a command's result into.

Every command produces a `Produced`: a JSON document, a text for people, and, when its output is
a list of keys, the rows that `jsonl` (one JSON object a line) and `csv` print. CSV cells that a
spreadsheet would read as a formula are defused (OWASP's "CSV injection" advice): a cell starting
with = + - @ TAB or CR gets a leading '.
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
from geekai_admin.cli.output.text import dump_json

__all__ = ["KEY_COLUMNS", "Output", "Produced", "csv_cell", "render"]

KEY_COLUMNS = tuple(ApiKey(uuid="").to_dict())
"""KEY's fields in their documented order (ApiKey.to_dict()'s): the CSV header of a list of keys."""
Output = tuple[dict[str, Any], str]
"""What a simple command produced: its JSON document and its text for people."""
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclasses.dataclass(frozen=True, slots=True)
class Produced:
    """What a command produced, in every form it can be printed in."""

    document: Mapping[str, Any]
    """`--format json`: the one JSON document."""
    text: str
    """`--format table`: the text for people."""
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
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


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
    "table": lambda produced: produced.text,
    "json": lambda produced: dump_json(produced.document),
    "jsonl": _jsonl,
    "csv": _csv,
}


def render(output_format: str, produced: Produced) -> str:
    """`produced` in `output_format`; the command has checked that a list format applies."""
    if produced.printed:
        return ""
    return _RENDERERS[output_format](produced)
