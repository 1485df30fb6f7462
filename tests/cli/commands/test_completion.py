"""`completion bash|zsh`: scripts generated from the parser, that the shells accept."""

from __future__ import annotations

import subprocess

import pytest

from tests.cli.running import Cli
from tests.support.fake_api import FakeAPI


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_a_script_for_each_shell_knows_every_command_and_option(cli: Cli, api: FakeAPI, shell: str) -> None:
    result = cli("completion", shell)
    assert (result.code, result.err) == (0, "")
    for word in ("balance", "keys", "rotate", "report", "check", "--secret-file", "--format", "--expiring-within"):
        assert word in result.out
    assert "geekai-admin" in result.out
    assert api.log == []  # no system key or network needed


def test_the_bash_script_is_valid_bash_and_completes_paths(cli: Cli) -> None:
    script = cli("completion", "bash").out
    assert "_shtab_compgen_files" in script  # --secret-file and --system-key-file complete file names
    done = subprocess.run(["bash", "-n"], input=script, text=True, capture_output=True, check=False)
    assert (done.returncode, done.stderr) == (0, "")


def test_the_zsh_script_is_a_compdef_for_the_command(cli: Cli) -> None:
    script = cli("completion", "zsh").out
    assert script.startswith("#compdef geekai-admin")
    assert "_files" in script  # file names for --secret-file and --system-key-file


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["completion", "fish"], "argument shell: invalid choice: 'fish'"),
        (["completion"], "the following arguments are required: shell"),
        (["--json", "completion", "bash"], "completion: prints a shell script: --format json does not apply"),
    ],
)
def test_completion_usage_errors(cli: Cli, argv: list[str], message: str) -> None:
    result = cli(*argv)
    assert result.code == 2
    assert message in result.err
