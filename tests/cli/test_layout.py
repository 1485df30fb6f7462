"""The shape of the command's package, read from its source: no import cycle, only public library
names (but in `private_names`), imports inside functions only for start-up time, and one registry
that runs every command the parser offers, without loading any of them to build the parser.
"""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import geekai_admin
import geekai_admin.cli
from geekai_admin.cli import commands
from geekai_admin.cli.parser import build_parser

PACKAGE = Path(geekai_admin.cli.__file__).parent
MODULES = {
    ".".join(["geekai_admin", *path.relative_to(PACKAGE.parent).with_suffix("").parts]).removesuffix(".__init__"): path
    for path in sorted(PACKAGE.rglob("*.py"))
}


def _imports(tree: ast.Module, *, inside_functions: bool) -> Iterator[ast.Import | ast.ImportFrom]:
    """The imports of a module: at module level (TYPE_CHECKING blocks included), or inside functions."""
    functions = [node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    local = {id(node) for function in functions for node in ast.walk(function) if node is not function}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)) and (id(node) in local) == inside_functions:
            yield node


def _targets(node: ast.Import | ast.ImportFrom) -> set[str]:
    """The modules an import statement loads (a name imported from a package may be its submodule)."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names}
    base = node.module or ""
    return {f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names}


def _tree(module: str) -> ast.Module:
    return ast.parse(MODULES[module].read_text(encoding="utf-8"))


def test_the_command_has_no_import_cycle() -> None:
    graph = {
        module: {
            target
            for node in _imports(_tree(module), inside_functions=False)
            for target in _targets(node)
            if target in MODULES and not module.startswith(target + ".")  # a module's own package is no edge
        }
        for module in MODULES
    }
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, " -> ".join([*path[path.index(module) :], module])
        if module in done:
            return
        for target in sorted(graph[module]):
            visit(target, (*path, module))
        done.add(module)

    for module in MODULES:
        visit(module, ())


@pytest.mark.parametrize("module", sorted(MODULES))
def test_the_command_uses_public_library_names_but_in_one_module(module: str) -> None:
    for node in _imports(_tree(module), inside_functions=False):
        for target in _targets(node):
            private = target.startswith("geekai_admin._")
            assert not private or module == "geekai_admin.cli.private_names", (module, target)
            if isinstance(node, ast.ImportFrom) and node.module == "geekai_admin":
                assert {alias.name for alias in node.names} <= set(geekai_admin.__all__), module


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_inside_functions_say_they_are_for_start_up_time(module: str) -> None:
    lines = MODULES[module].read_text(encoding="utf-8").splitlines()
    for node in _imports(_tree(module), inside_functions=True):
        said = " ".join(lines[node.lineno - 3 : node.end_lineno or node.lineno]).lower()
        assert "start-up" in said, f"{module}:{node.lineno}"


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
    assert {name for name in loaded if name.startswith("geekai_admin._")} <= {
        "geekai_admin._constants",
        "geekai_admin._version",
    }
    assert not loaded & {"geekai_admin.cli.run", "geekai_admin.cli.session", "geekai_admin.cli.private_names"}
