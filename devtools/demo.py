"""The main job in one command: `geekai-admin` against a local mock of the admin API.

`nox -s demo` runs this. It starts Stoplight Prism on 127.0.0.1 with the patched spec, then runs
the installed `geekai-admin` through balance, create, list (as a table, JSON and CSV), get, update,
rotate (the new secret to a file), a bulk dry run, the spend report, a threshold check and
delete, printing each command line and what a user would see. No account and no system key are needed: the mock
accepts any key, and answers with the spec's examples (so the key it "creates" is always the same
example key). Exits non-zero if a command does not behave as shown, so the demo is also a check.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

from devtools.prism import running_prism

DEMO_KEY = "demo-system-key-not-a-secret"


def _command() -> str:
    """The `geekai-admin` installed next to this interpreter (the nox session's), else on PATH."""
    beside = Path(sys.executable).parent / "geekai-admin"
    found = str(beside) if beside.exists() else shutil.which("geekai-admin")
    if found is None:
        sys.exit("geekai-admin is not installed: run `nox -s demo` (or `pip install -e .`) first")
    return found


def _show(text: str) -> None:
    """The demo's output: what a user would see, as it happens."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _step(
    command: str, env: dict[str, str], *args: str, expect: int = 0, note: str = "", cwd: str | None = None
) -> str:
    if note:
        _show(f"\n# {note}")
    _show(f"$ {shlex.join(['geekai-admin', *args])}")
    done = subprocess.run(
        [command, *args], env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False, cwd=cwd
    )
    sys.stdout.write(done.stdout + done.stderr)
    if done.returncode != 0:
        _show(f"[exit status {done.returncode}]")
    if done.returncode != expect:
        sys.exit(f"demo failed: expected exit status {expect}, got {done.returncode}")
    if DEMO_KEY in done.stdout + done.stderr:
        sys.exit("demo failed: the system key appeared in the output")
    return done.stdout


def _rotate(command: str, env: dict[str, str], uuid: str) -> None:
    """Rotate with --secret-file: the secret goes to a new 0600 file, and nowhere else."""
    with tempfile.TemporaryDirectory(prefix="geekai-demo-") as folder:
        out = _step(
            command,
            env,
            "keys",
            "rotate",
            uuid,
            "--secret-file",
            "ci.key",
            cwd=folder,
            note="Rotate a key: the new secret goes to ci.key (a new file, mode 0600), then the old key is deleted",
        )
        secret_file = Path(folder, "ci.key")
        mode = stat.S_IMODE(secret_file.stat().st_mode)
        secret = secret_file.read_text(encoding="utf-8").removesuffix("\n")
        _show(f"$ stat -c %a ci.key   # and the secret is in no output\n{mode:o}")
        if mode != 0o600 or not secret or secret in out:
            sys.exit("demo failed: the rotated key's secret file is not as promised")


def main() -> None:
    command = _command()
    _show("Starting the mock admin API (Stoplight Prism, from generated/adminapi.patched.yaml) ...")
    with running_prism() as base_url:
        env = {**os.environ, "GEEKAI_SYSTEM_KEY": DEMO_KEY, "GEEKAI_BASE_URL": base_url}
        env.pop("GEEKAI_REGION", None)
        _show(f"\n$ export GEEKAI_BASE_URL={base_url}   # the mock; leave unset for the live API")
        _show("$ export GEEKAI_SYSTEM_KEY=...                     # the mock accepts any key")

        _step(command, env, "balance", note="The credit balance (100 coins = 1 yuan)")
        _step(
            command,
            env,
            "keys",
            "create",
            "--name",
            "ci",
            "--credit-limit",
            "10000",
            "--expires",
            "2026-12-31",
            note="Create a key: its secret is printed once (the mock always answers with its example key)",
        )
        _step(command, env, "keys", "list", note="Every key, as a table")
        listed = _step(command, env, "--json", "keys", "list", note="The same for scripts: one JSON document")
        uuid = json.loads(listed)["keys"][0]["uuid"]
        _step(command, env, "keys", "get", uuid, note="One key")
        _step(
            command,
            env,
            "keys",
            "update",
            uuid,
            "--credit-limit",
            "20000",
            "--no-expiry",
            note="Change only the named fields (the others keep their values)",
        )
        _step(command, env, "keys", "list", "--format", "csv", note="A spreadsheet's view: CSV, formulas defused")
        _rotate(command, env, uuid)
        _step(
            command,
            env,
            "keys",
            "delete",
            "--match",
            "ci-*",
            "--dry-run",
            note="Bulk changes pick keys by selectors; --dry-run lists what would change and sends no write",
        )
        _step(command, env, "report", note="The spend report: per group, and the keys that need attention")
        _step(
            command,
            env,
            "check",
            "--min-balance",
            "1000000",
            expect=3,
            note="For cron and CI: one line per problem, exit status 3 when there is any",
        )
        _step(
            command,
            env,
            "keys",
            "delete",
            uuid,
            expect=2,
            note="Deleting asks first on a terminal; from a script without --yes it refuses and sends nothing",
        )
        _step(command, env, "keys", "delete", uuid, "--yes", note="Delete, confirmed")
    _show(
        "\nDone. Against the live API: unset GEEKAI_BASE_URL, set GEEKAI_SYSTEM_KEY to a system key from "
        "geekai.co/user/provision_keys (or use --system-key-file), and run the same commands."
    )


if __name__ == "__main__":
    main()
