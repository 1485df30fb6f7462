"""Schemathesis against the fake API: the fake is held to the patched spec, as the client is.

    python -m tests.support.fake_api.fuzz [schemathesis run options...]

Serves a fresh FakeAPI on 127.0.0.1 and runs `schemathesis run` on the patched spec against it:
every check, every phase, bounded (FUZZ_ARGUMENTS; options given on the command line come
after them, so they win). Its exit status is schemathesis's. The one finding accepted is
documented in codegen/SPEC_NOTES.md: the fake refuses an invalid body with INVALID_REQUEST, a
status the docs do not declare (see fuzz_hooks.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from tests.support.fake_api.api import FakeAPI
from tests.support.fake_api.records import PATCHED_SPEC, SYSTEM_KEY

__all__ = ["CONFIG", "FUZZ_ARGUMENTS", "HOOKS", "command", "main"]

CONFIG: Final = Path(__file__).with_name("schemathesis.toml")
"""No cache: each run depends on its seed alone (and writes nothing into the checkout)."""
HOOKS: Final = "tests.support.fake_api.fuzz_hooks"
"""The module schemathesis imports (SCHEMATHESIS_HOOKS) for the accepted-status check."""

FUZZ_ARGUMENTS: Final = (
    "--checks=all",
    "--exclude-checks=status_code_conformance",
    "--phases=examples,coverage,fuzzing,stateful",
    "--max-examples=40",
    "--max-time=40",
    "--seed=18",
    "--workers=1",
    "--request-timeout=5",
    "--no-color",
)
"""Every check (status_code_conformance replaced by the hook's, which accepts the fake's refusal),
every phase; at most 40 cases per operation and phase, and 40 s in all (about 45 s with start-up)."""


def command(base_url: str, extra: Sequence[str] = ()) -> list[str]:
    """The `schemathesis run` command line against the fake served at `base_url`."""
    executable = os.path.join(os.path.dirname(sys.executable), "schemathesis")
    return [
        executable,
        f"--config-file={CONFIG}",
        "run",
        str(PATCHED_SPEC),
        f"--url={base_url}",
        f"--header=Authorization: Bearer {SYSTEM_KEY}",
        *FUZZ_ARGUMENTS,
        *extra,
    ]


def main(argv: Sequence[str] | None = None) -> int:
    extra = list(sys.argv[1:] if argv is None else argv)
    fake = FakeAPI(log_requests=False)
    with fake.serve() as server:
        environment = {**os.environ, "SCHEMATHESIS_HOOKS": HOOKS}
        return subprocess.run(command(server.base_url, extra), env=environment, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
