"""`completion bash|zsh`: a shell completion script, generated from the command's own parser.

shtab writes a static script once, so completing costs the shell nothing at start-up and
`geekai-admin` itself never loads a completion library unless asked for a script (argcomplete
would run, and import itself into, every start). This module, and so shtab, loads only for this
command.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

import shtab

from geekai_admin.cli.output.formats import Produced
from geekai_admin.cli.parser import build_parser

if TYPE_CHECKING:
    from geekai_admin.cli.session import Session

__all__ = ["completion"]

_FILE_OPTIONS = ("system_key_file", "secret_file")


def _mark_file_options(parser: argparse.ArgumentParser, file: Any) -> None:
    """Options that take a path complete file names (shtab reads an action's `complete`)."""
    for action in parser._actions:
        if action.dest in _FILE_OPTIONS:
            action.complete = file  # type: ignore[attr-defined]
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _mark_file_options(child, file)


def completion(session: Session) -> Produced:
    parser = build_parser()
    _mark_file_options(parser, shtab.FILE)
    script = shtab.complete(parser, shell=session.args.shell).rstrip("\n")
    return Produced({}, script)
