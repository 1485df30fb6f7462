"""`completion bash|zsh`: a shell completion script, generated from the command's own parser.

shtab writes a static script once, so completing costs the shell nothing at start-up and
`geekai-admin` itself never loads a completion library unless asked for a script (argcomplete
would run, and import itself into, every start). shtab has no fish support.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from geekai_admin._cli_help import page

if TYPE_CHECKING:
    from geekai_admin._cli_output import Produced
    from geekai_admin.cli import _Session

__all__ = ["SHELLS", "add_completion"]

SHELLS = ("bash", "zsh")
_FILE_OPTIONS = ("system_key_file", "secret_file")


def add_completion(commands: Any, common: Sequence[argparse.ArgumentParser]) -> None:
    completion = commands.add_parser(
        "completion", parents=common, help="print a shell completion script (bash, zsh)", **page("completion")
    )
    completion.add_argument("shell", choices=SHELLS, help="the shell to complete for")
    completion.set_defaults(handler=_completion, command="completion", takes_format=False)


def _mark_file_options(parser: argparse.ArgumentParser, file: Any) -> None:
    """Options that take a path complete file names (shtab reads an action's `complete`)."""
    for action in parser._actions:
        if action.dest in _FILE_OPTIONS:
            action.complete = file  # type: ignore[attr-defined]
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _mark_file_options(child, file)


def _completion(session: _Session) -> Produced:
    import shtab  # noqa: PLC0415 (only this command pays for it)

    from geekai_admin._cli_output import Produced  # noqa: PLC0415
    from geekai_admin.cli import build_parser  # noqa: PLC0415

    parser = build_parser()
    _mark_file_options(parser, shtab.FILE)
    script = shtab.complete(parser, shell=session.args.shell).rstrip("\n")
    return Produced({}, script)
