"""The parser: help people can use (the commands listed when none is given, a full page for each), built from
the standard library only, with the client's choices."""

from __future__ import annotations

import ast
import subprocess
import sys
import typing

import pytest

from geekai_admin import REGIONS, Group, SortOrder
from geekai_admin.cli import parser as cli_parser
from geekai_admin.cli.errors import UsageError
from geekai_admin.cli.parser import build_parser
from tests.cli.running import Cli
from tests.support.fake_api import FakeAPI

COMMANDS = [
    ("balance",),
    ("keys", "list"),
    ("keys", "get"),
    ("keys", "create"),
    ("keys", "update"),
    ("keys", "delete"),
    ("keys", "rotate"),
    ("report",),
    ("check",),
    ("completion",),
]


def test_no_command_lists_the_commands_and_exits_2(cli: Cli, api: FakeAPI) -> None:
    result = cli()
    assert (result.code, result.out) == (2, "")
    for command in ("balance", "keys", "report", "check", "completion"):
        assert f"\n  {command} " in result.err
    assert "Run 'geekai-admin COMMAND --help'" in result.err
    assert api.log == []


def test_keys_alone_lists_its_actions(cli: Cli) -> None:
    result = cli("keys")
    assert result.code == 2
    for action in ("list", "get", "create", "update", "delete", "rotate"):
        assert f"\n  {action} " in result.err
    assert "Run 'geekai-admin keys ACTION --help'" in result.err


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_each_command_has_a_description_options_an_example_and_its_json(cli: Cli, command: tuple[str, ...]) -> None:
    result = cli(*command, "--help")
    assert result.code == 0
    usage, description = result.out.split("\n\n")[:2]
    assert usage.startswith(f"usage: geekai-admin {' '.join(command)}")
    assert description.endswith(".")
    assert "\n" not in description.strip()
    assert "global options:" in result.out
    assert "\n  $ geekai-admin " in result.out  # an example
    if command != ("completion",):
        assert "--json" in result.out.split("global options:")[1]
        assert "\n--json" in result.out  # the JSON shape


@pytest.mark.parametrize("order", typing.get_args(SortOrder))
def test_keys_list_sorts_by_every_order_the_library_knows(order: str) -> None:
    assert build_parser().parse_args(["keys", "list", "--sort", order]).sort == order


def test_keys_list_refuses_an_order_the_library_does_not_know() -> None:
    with pytest.raises(UsageError, match="invalid choice: 'size'"):
        build_parser().parse_args(["keys", "list", "--sort", "size"])


def test_building_the_parser_imports_no_third_party_code() -> None:
    script = "import sys, geekai_admin.cli.parser as c; c.build_parser(); print(sorted(sys.modules))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    imported = {name.split(".")[0] for name in ast.literal_eval(done.stdout)}
    assert "geekai_admin" in imported
    assert not imported & {"httpx", "geekai_admin_api", "attrs", "anyio", "httpcore"}


def test_the_commands_choices_are_the_clients() -> None:
    assert cli_parser.REGION_CHOICES == tuple(REGIONS) == ("cn", "global")
    assert tuple(Group) == cli_parser.GROUP_CHOICES
