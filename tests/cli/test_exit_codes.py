"""The one table of exit statuses, and the --help text that documents it."""

from __future__ import annotations

import re

from geekai_admin.cli import exit_codes
from geekai_admin.cli.parser import EPILOG


def test_the_help_documents_every_exit_status_and_no_other() -> None:
    paragraph = EPILOG.split("Exit status: ", 1)[1].split(". An error is", 1)[0]
    documented = [int(number) for number in re.findall(r"(?:^|; )(\d+) ", paragraph)]
    table = [getattr(exit_codes, name) for name in exit_codes.__all__]
    assert sorted(documented) == sorted(table)
    assert len(set(table)) == len(table)
