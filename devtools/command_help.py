"""mkdocs hook: `<!-- geekai-admin --help: keys create -->` becomes that command's --help text.

The options of each subcommand are written once, in geekai_admin.cli.parser; the command pages
show what `geekai-admin keys create --help` prints, so they cannot drift from it.
"""

from __future__ import annotations

import argparse
import os
import re
from typing import Any

from geekai_admin.cli.parser import PROG, build_parser

_MARKER = re.compile(r"^<!-- geekai-admin --help:(?P<path>[a-z \-]*)-->$", re.MULTILINE)


def command_parser(path: str) -> argparse.ArgumentParser:
    """The parser of `geekai-admin PATH` (PATH empty: the top level)."""
    parser: argparse.ArgumentParser = build_parser()
    for word in path.split():
        choices = next(action.choices for action in parser._actions if isinstance(action, argparse._SubParsersAction))
        if word not in choices:
            raise ValueError(f"{PROG} has no command {path!r} (no {word!r})")
        parser = choices[word]
    return parser


def _help(match: re.Match[str]) -> str:
    parser = command_parser(match["path"].strip())
    os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal's width: keep the pages stable
    return f"```text\n{parser.format_help().rstrip()}\n```"


def on_page_markdown(markdown: str, **_: Any) -> str:
    """mkdocs calls this with each page's Markdown before rendering it."""
    return _MARKER.sub(_help, markdown)
