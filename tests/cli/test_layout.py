"""The command's registry, read from the parser: it runs every command the parser offers, and
building the parser loads none of them (the layers, cycles, public names and lazy imports of the
whole package are tests/geekai_admin/test_layers.py's)."""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
from collections.abc import Iterator

from geekai_admin.cli import commands
from geekai_admin.cli.parser import build_parser


def _commands(parser: argparse.ArgumentParser) -> Iterator[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                command = child.get_default("command")
                if command is not None:
                    yield command
                yield from _commands(child)


def test_the_registry_runs_every_command_the_parser_offers() -> None:
    offered = list(_commands(build_parser()))
    assert sorted(offered) == sorted(commands.COMMANDS)
    for command in offered:
        assert callable(commands.handler(command)), command


def test_building_the_parser_loads_no_command_and_no_library_module() -> None:
    script = "import sys, geekai_admin.cli.app as a; a.build_parser(); print(sorted(sys.modules))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    loaded = {name for name in ast.literal_eval(done.stdout) if name.startswith("geekai_admin")}
    assert not {name for name in loaded if name.startswith("geekai_admin.cli.commands")}
    # Standard library only: the constants, the version, the lazy loader and the key operations' defaults.
    assert {name for name in loaded if not name.startswith("geekai_admin.cli")} <= {
        "geekai_admin",
        "geekai_admin._constants",
        "geekai_admin._lazy",
        "geekai_admin._version",
        "geekai_admin.ops",
        "geekai_admin.ops._defaults",
    }
    assert not loaded & {"geekai_admin.cli.run", "geekai_admin.cli.session"}
