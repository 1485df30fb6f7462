"""The documentation site owns its text and covers the public surface: every name in __all__, every subcommand."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
import yaml

import geekai_admin
from devtools.command_help import command_parser, on_page_markdown
from devtools.release import ROOT

DOCS = ROOT / "docs"
COMMAND_PAGES = [DOCS / "command.md", DOCS / "command.zh.md"]


def _subcommands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list[str]:
    """Every command path, the top level ("") first, in --help order."""
    found = [" ".join(path)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found += _subcommands(child, (*path, name))
    return found


def _nav_pages(entries: list[object]) -> list[str]:
    pages: list[str] = []
    for entry in entries:
        for value in entry.values() if isinstance(entry, dict) else [entry]:
            pages += _nav_pages(value) if isinstance(value, list) else [str(value)]
    return pages


def test_the_docs_own_their_text() -> None:
    # No page includes text from outside docs/ (pymdownx.snippets' `--8<--`): the README is a front page.
    for page in [ROOT / "README.md", *DOCS.rglob("*.md")]:
        assert "--8<--" not in page.read_text(encoding="utf-8"), page.relative_to(ROOT)


def test_the_navigation_lists_every_english_page() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    english = {page.relative_to(DOCS).as_posix() for page in DOCS.rglob("*.md") if not page.name.endswith(".zh.md")}
    assert sorted(_nav_pages(config["nav"])) == sorted(english)


def test_the_reference_documents_every_public_name_once() -> None:
    text = "\n".join(page.read_text(encoding="utf-8") for page in sorted((DOCS / "reference").glob("*.md")))
    documented = re.findall(r"^::: geekai_admin\.(\S+)$", text, re.MULTILINE)
    assert sorted(documented) == sorted(geekai_admin.__all__)


@pytest.mark.parametrize("page", COMMAND_PAGES, ids=lambda page: page.name)
def test_each_command_page_has_a_section_showing_the_help_of_every_subcommand(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    leaves = [path for path in _subcommands(command_parser("")) if path != "keys"]
    headings = re.findall(r"^### `geekai-admin ?([a-z \-]*)`$", text, re.MULTILINE)
    helps = [path.strip() for path in re.findall(r"^<!-- geekai-admin --help:([a-z \-]*)-->$", text, re.MULTILINE)]
    assert headings == leaves
    assert helps == leaves


def test_the_help_marker_becomes_that_commands_help() -> None:
    rendered = on_page_markdown("before\n<!-- geekai-admin --help: keys delete -->\nafter")
    assert rendered.startswith("before\n```text\nusage: geekai-admin keys delete")
    assert "--yes" in rendered
    assert rendered.endswith("```\nafter")


def test_an_unknown_command_in_a_help_marker_fails_the_build() -> None:
    # A word that starts with a dash is an option to argparse, so no subcommand can ever be named so.
    with pytest.raises(ValueError, match="no '--no-such-command'"):
        on_page_markdown("<!-- geekai-admin --help: keys --no-such-command -->")
