"""What the command says on stderr is best effort: a stderr that is gone stops no step after it."""

from __future__ import annotations

import errno
import io
import sys
from pathlib import Path

import pytest

from geekai_admin.cli import exit_codes, main
from geekai_admin.cli.console import confirmed, say
from tests.support.fake_api import FakeAPI, Reply


class _HungUpTerminal(io.TextIOBase):
    """A stderr whose terminal was closed: every write fails as a hung-up tty's does (EIO)."""

    def write(self, text: str) -> int:
        raise OSError(errno.EIO, "Input/output error")


class _NoAnswer:
    def readline(self) -> str:
        raise AssertionError("a question no one could see was answered")


@pytest.mark.parametrize("stderr", [_HungUpTerminal(), None], ids=["hung-up", "closed-at-start"])
def test_a_line_on_a_stderr_that_is_gone_is_dropped_and_a_question_is_a_no(
    monkeypatch: pytest.MonkeyPatch, stderr: io.TextIOBase | None
) -> None:
    monkeypatch.setattr(sys, "stderr", stderr)
    monkeypatch.setattr(sys, "stdin", _NoAnswer())
    say("geekai-admin: error: something")
    assert confirmed("Delete 3 keys?") is False


def test_an_interrupted_create_removes_its_reserved_file_though_stderr_is_gone(
    api: FakeAPI, cli_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The notes said before the reserved secret file is removed used to raise on a closed terminal,
    which left the empty file behind to block the retry."""
    path = tmp_path / "svc.key"
    api.inject(Reply.raising(KeyboardInterrupt()), method="POST")
    monkeypatch.setattr(sys, "stderr", _HungUpTerminal())
    code = main(["keys", "create", "--name", "svc", "--secret-to", f"file:{path}"], transport=api.mock_transport())
    assert code == exit_codes.INTERRUPTED
    assert not path.exists()
