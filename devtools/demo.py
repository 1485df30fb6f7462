"""The main job in one command: `geekai-admin` against a local mock of the admin API.

`nox -s demo` runs this. It starts Stoplight Prism on 127.0.0.1 with the patched spec, then runs
the installed `geekai-admin` through balance, create, list (as a table, JSON and CSV), get, update,
rotate (the new secret to a file), a bulk dry run, the spend report, a threshold check and
delete, printing each command line and what a user would see. No account and no system key are needed: the mock
accepts any key, and answers with the spec's examples (so the key it "creates" is always the same
example key). Exits non-zero if a command does not behave as shown, so the demo is also a check.

Then keys as code: plan -> apply -> plan (nothing to do) -> an edit -> plan -> apply, each new
secret to an env file. Prism keeps no state (a key it "creates" is never listed), so a plan could
never converge there: this part runs against the tests' fake API (tests/support/fake_api, a key
store with the API's rules) served on 127.0.0.1, and says so.
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
from tests.support.fake_api import SYSTEM_KEY, FakeAPI

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


KEYS_FILE = """\
[defaults]
group = "balance"
credit_limit = 10000            # coins; "none" for no limit

[scope]
prune_prefix = "demo-"

[[key]]
name = "demo-web"
secret = "env-file:app.env#GEEKAI_API_KEY"

[[key]]
name = "demo-batch"
credit_limit = 5000
"""

EDIT = """
[[key]]
name = "demo-ci"
group = "ha"
secret = "env-file:app.env#GEEKAI_CI_KEY"
"""


def _keys_as_code(command: str) -> None:
    """plan -> apply -> plan -> edit -> plan -> apply against the fake API on loopback (stateful)."""
    _show(
        "\n# Keys as code. Prism keeps no state, so a plan could never converge against it: this part runs "
        "against the tests' fake API (tests/support/fake_api), a stateful key store, on 127.0.0.1"
    )
    fake = FakeAPI()
    fake.seed(name="demo-batch", group="balance", credit_limit=500, expired_at="")
    with fake.serve() as server, tempfile.TemporaryDirectory(prefix="geekai-demo-") as folder:
        env = {**os.environ, "GEEKAI_SYSTEM_KEY": SYSTEM_KEY, "GEEKAI_BASE_URL": server.base_url}
        env.pop("GEEKAI_REGION", None)
        keys_file = Path(folder, "keys.toml")
        keys_file.write_text(KEYS_FILE, encoding="utf-8")
        Path(folder, "app.env").write_text("DEBUG=0\n", encoding="utf-8")
        Path(folder, "app.env").chmod(0o600)  # an env file holds secrets: only its owner reads it (and keeps so)
        _show(f"$ cat keys.toml\n{KEYS_FILE.rstrip()}")
        said = [
            _step(command, env, "plan", "-f", "keys.toml", cwd=folder, note="What would change"),
            _step(command, env, "apply", "-f", "keys.toml", "--yes", cwd=folder, note="Apply it"),
            _step(command, env, "plan", "-f", "keys.toml", "--check", cwd=folder, note="Again: nothing to do"),
        ]
        with keys_file.open("a", encoding="utf-8") as file:
            file.write(EDIT)
        _show(f"\n# An edit: a new key\n$ cat >> keys.toml\n{EDIT.strip()}")
        said += [
            _step(command, env, "plan", "-f", "keys.toml", "--check", expect=3, cwd=folder, note="Drift: exit 3"),
            _step(command, env, "apply", "-f", "keys.toml", "--yes", cwd=folder, note="Apply the edit"),
            _step(command, env, "plan", "-f", "keys.toml", "--check", cwd=folder, note="The account matches"),
        ]
        _check_env_file(Path(folder, "app.env"), fake, said)


def _check_env_file(env_file: Path, fake: FakeAPI, said: list[str]) -> None:
    """The env file holds each new secret, is 0600, and no output showed a secret or the system key."""
    mode = stat.S_IMODE(env_file.stat().st_mode)
    lines = env_file.read_text(encoding="utf-8").splitlines()
    shown = "\n".join(line.split("=", 1)[0] + "=<secret>" if "KEY" in line else line for line in lines)
    _show(f"\n$ stat -c %a app.env; cat app.env   # secrets hidden here, in no output above\n{mode:o}\n{shown}")
    output = "".join(said)
    if mode != 0o600 or any(secret in output for secret in fake.issued_secrets) or SYSTEM_KEY in output:
        sys.exit("demo failed: the env file or the output is not as promised")
    values = dict(line.split("=", 1) for line in lines if "=" in line)
    if sorted(values) != ["DEBUG", "GEEKAI_API_KEY", "GEEKAI_CI_KEY"] or len(fake.issued_secrets) != 2:
        sys.exit(f"demo failed: the env file holds {sorted(values)}")
    if {value.strip("'") for key, value in values.items() if key != "DEBUG"} != set(fake.issued_secrets):
        sys.exit("demo failed: the env file does not hold the new secrets")


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
    _keys_as_code(command)
    _show(
        "\nDone. Against the live API: unset GEEKAI_BASE_URL, set GEEKAI_SYSTEM_KEY to a system key from "
        "geekai.co/user/provision_keys (or use --system-key-file), and run the same commands."
    )


if __name__ == "__main__":
    main()
