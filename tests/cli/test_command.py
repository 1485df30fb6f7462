"""The installed `geekai-admin` command, run as a subprocess against a loopback server.

These check what only a real process shows: the console script, exit statuses, the two
streams, the consent rule with no terminal, and what `--help` imports.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from devtools.prism import ROOT
from tests.support.fake_api import EXAMPLE_UUID, SYSTEM_KEY, FakeAPI

pytestmark = pytest.mark.slow

COMMAND = Path(sys.executable).parent / "geekai-admin"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEEKAI_")}
    return {**env, "GEEKAI_SYSTEM_KEY": SYSTEM_KEY, **extra}


def geekai_admin(
    *args: str, env: dict[str, str], command: tuple[str, ...] = (str(COMMAND),)
) -> subprocess.CompletedProcess[str]:
    """Run the installed command (or `command`, e.g. python -m geekai_admin) with no terminal."""
    assert COMMAND.exists(), f"the console script is not installed next to {sys.executable}: pip install -e ."
    done = subprocess.run(
        [*command, *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert SYSTEM_KEY not in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return done


def test_the_main_job_end_to_end(fake: FakeAPI) -> None:
    with fake.serve() as server:
        base_url = server.base_url
        env = _env(GEEKAI_BASE_URL=base_url)

        balance = geekai_admin("--json", "balance", env=env)
        assert (balance.returncode, balance.stderr) == (0, "")
        assert json.loads(balance.stdout) == {"coins": "123456.78", "yuan": "1234.5678"}

        created = geekai_admin("keys", "create", "--name", "nightly", "--credit-limit", "500", env=env)
        assert (created.returncode, created.stderr) == (0, "")
        (secret,) = fake.issued_secrets
        assert created.stdout.splitlines()[-1] == secret
        assert "shown only once" in created.stdout

        listed = geekai_admin("keys", "list", "--json", env=env)
        keys = json.loads(listed.stdout)["keys"]
        assert sorted(key["name"] for key in keys) == ["ci-pipeline", "nightly"]
        new_uuid = next(key["uuid"] for key in keys if key["name"] == "nightly")
        table = geekai_admin("keys", "list", env=env)
        assert new_uuid in table.stdout
        assert table.stdout.splitlines()[-1] == "2 keys"

        shown = geekai_admin("keys", "get", new_uuid, env=env)
        assert shown.returncode == 0
        assert "500 coins (5 yuan)" in shown.stdout

        updated = geekai_admin("--json", "keys", "update", new_uuid, "--no-limit", "--expires", "2027-06-30", env=env)
        assert updated.returncode == 0
        assert json.loads(updated.stdout)["credit_limit"] is None
        assert fake.log[-1].json() == {
            "name": "nightly",
            "group": "balance",
            "credit_limit": 0,
            "expired_at": "2027-06-30",
        }

        deleted = geekai_admin("keys", "delete", new_uuid, "--yes", env=env)
        assert (deleted.returncode, deleted.stdout) == (0, f"Deleted key {new_uuid}\n")
        assert new_uuid not in fake.keys
        # The secret was shown by create, and by nothing else.
        for later in (listed, table, shown, updated, deleted):
            assert secret not in later.stdout + later.stderr
        assert all(r.headers["authorization"] == f"Bearer {SYSTEM_KEY}" for r in fake.log)


def test_delete_without_terminal_or_yes_sends_nothing(fake: FakeAPI) -> None:
    with fake.serve() as server:
        base_url = server.base_url
        done = geekai_admin("keys", "delete", EXAMPLE_UUID, env=_env(GEEKAI_BASE_URL=base_url))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert "pass --yes" in done.stderr
    assert fake.log == []


def test_wrong_key_is_exit_1_with_one_hint_line_and_no_key(tmp_path: Path, fake: FakeAPI) -> None:
    wrong = "sk-wrong-ordinary-key-12345"
    key_file = tmp_path / "system-key"
    key_file.write_text(wrong + "\n")
    with fake.serve() as server:
        base_url = server.base_url
        done = geekai_admin("keys", "list", "--system-key-file", str(key_file), env=_env(GEEKAI_BASE_URL=base_url))
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("geekai-admin: error: keys list: HTTP 401 [unauthorized]")
    assert "hint: GEEKAI_SYSTEM_KEY (or --system-key-file) must hold a system key" in done.stderr
    assert done.stderr.count("\n") == 1
    assert wrong not in done.stderr
    assert fake.log[0].headers["authorization"] == f"Bearer {wrong}"


def test_usage_error_is_exit_2() -> None:
    done = geekai_admin("keys", "rename", env=_env())
    assert done.returncode == 2
    assert done.stderr.startswith("geekai-admin: error: argument ACTION: invalid choice: 'rename'")


def test_unreachable_server_is_exit_1() -> None:
    # A port nothing listens on (the fake, closed); connection errors are retried with backoff.
    with FakeAPI().serve() as server:
        base_url = server.base_url
    done = geekai_admin("balance", "--base-url", base_url, "--timeout", "5", env=_env())
    assert done.returncode == 1
    assert "hint: could not reach the server" in done.stderr


def test_python_dash_m_is_the_same_command(fake: FakeAPI) -> None:
    with fake.serve() as server:
        base_url = server.base_url
        env = _env(GEEKAI_BASE_URL=base_url)
        done = geekai_admin(
            "--json", "-v", "keys", "get", EXAMPLE_UUID, env=env, command=(sys.executable, "-m", "geekai_admin")
        )
        assert (done.returncode, done.stdout) == (
            0,
            geekai_admin("--json", "keys", "get", EXAMPLE_UUID, env=env).stdout,
        )
    assert json.loads(done.stdout)["uuid"] == EXAMPLE_UUID
    assert done.stderr.startswith(f"geekai-admin: debug: keys.get: GET /api_keys/{EXAMPLE_UUID} -> 200 in ")


@pytest.mark.parametrize("command", [[str(COMMAND)], [sys.executable, "-m", "geekai_admin"]], ids=["script", "-m"])
def test_help_imports_neither_httpx_nor_the_generated_package(command: list[str]) -> None:
    done = subprocess.run(
        [*command, "--help"],
        env={**_env(), "PYTHONPROFILEIMPORTTIME": "1"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "geekai_admin.cli" in imported
    assert not {name for name in imported if name.split(".")[0] in ("httpx", "geekai_admin_api", "attrs", "anyio")}
    # Nor what only some commands need: the completion library, the output formats, exact decimals.
    assert not imported & {"shtab", "geekai_admin.cli.output.formats", "geekai_admin.cli.run", "csv", "decimal"}
    assert "usage: geekai-admin" in done.stdout


def test_the_demo_runs_against_prism() -> None:
    """`nox -s demo`'s script, with this interpreter's installed command (needs Node.js: no skip)."""
    done = subprocess.run(
        [sys.executable, "-m", "devtools.demo"],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for line in (
        "$ geekai-admin balance",
        "$ geekai-admin keys list",
        "Deleted key",
        "shown only once",
        "$ geekai-admin keys rotate 123e4567-e89b-12d3-a456-426614174000 --secret-file ci.key",
        "Secret written to ci.key",
        "$ geekai-admin report",
        "$ geekai-admin check --min-balance 1000000",
        "[exit status 3]",
    ):
        assert line in done.stdout
    assert "[exit status 2]" in done.stdout  # the consent rule, shown
