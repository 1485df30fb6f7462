"""Keys as code at 1,000 keys: `plan` and `apply` against the tests' fake API on 127.0.0.1.

The `keys-as-code` part of `nox -s bench`; alone, `python -m bench.keys_as_code [--keys N] [--rounds R]`
(in a venv with `pip install --group bench -e .`).
Runs the command in process (`geekai_admin.cli.main`) over real sockets, its output discarded, and
prints the median and spread of each case beside `keys list` of the same account, measured in the
same run (the baseline: plan is one listing plus pure work). Every apply is checked: a plan
afterwards has nothing to do.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from geekai_admin.cli import main
from tests.support.fake_api import SYSTEM_KEY, FakeAPI

BASELINE = "keys list ({count} keys)"
"""The first case: the account listed, as the command prints it; the others are compared with it."""


def _run(*argv: str) -> int:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return main(list(argv))


def _keys_file(folder: Path, count: int, credit_limit: int) -> str:
    path = folder / "keys.toml"
    body = [f'[defaults]\ngroup = "balance"\ncredit_limit = {credit_limit}\n']
    body += [f'[[key]]\nname = "k{n:05}"\nsecret = "file:secrets/k{n:05}.key"\n' for n in range(count)]
    path.write_text("\n".join(body), encoding="utf-8")
    return str(path)


def _timed(prepare: Callable[[], None], action: Callable[[], int], expect: int, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        prepare()
        start = time.perf_counter()
        code = action()
        times.append(time.perf_counter() - start)
        if code != expect:
            sys.exit(f"bench failed: exit status {code}, expected {expect}")
    return times


def measure(count: int, rounds: int) -> dict[str, list[float]]:
    """Each case's wall seconds per round, the baseline (`keys list` of the same account) first."""
    fake = FakeAPI(log_requests=False)
    saved = {name: os.environ.get(name) for name in ("GEEKAI_SYSTEM_KEY", "GEEKAI_BASE_URL", "GEEKAI_REGION")}
    with fake.serve() as server, tempfile.TemporaryDirectory(prefix="geekai-bench-") as tmp:
        os.environ.update({"GEEKAI_SYSTEM_KEY": SYSTEM_KEY, "GEEKAI_BASE_URL": server.base_url})
        os.environ.pop("GEEKAI_REGION", None)
        try:
            return _cases(fake, Path(tmp), count, rounds)
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def _cases(fake: FakeAPI, folder: Path, count: int, rounds: int) -> dict[str, list[float]]:
    (folder / "secrets").mkdir()

    def seeded(limit: int) -> Callable[[], None]:
        def prepare() -> None:
            fake.reset()
            for n in range(count):
                fake.seed(name=f"k{n:05}", group="balance", credit_limit=limit, expired_at="")

        return prepare

    def emptied() -> None:
        fake.reset()
        for path in (folder / "secrets").iterdir():
            path.unlink()

    def matches() -> None:
        if _run("plan", "-f", same, "--check") != 0:
            sys.exit("bench failed: the account does not match after apply")

    same = _keys_file(folder, count, 100)
    cases = {BASELINE.format(count=count): _timed(seeded(100), lambda: _run("keys", "list"), 0, rounds)}
    cases["plan, nothing to do"] = _timed(seeded(100), lambda: _run("plan", "-f", same), 0, rounds)
    cases[f"plan, {count} updates"] = _timed(seeded(50), lambda: _run("plan", "-f", same), 0, rounds)
    cases[f"apply, {count} updates (8 at a time)"] = _timed(
        seeded(50), lambda: _run("apply", "-f", same, "--yes"), 0, rounds
    )
    matches()
    cases[f"apply, {count} creates (a 0600 file each)"] = _timed(
        emptied, lambda: _run("apply", "-f", same, "--yes"), 0, rounds
    )
    matches()
    return cases


def _line(name: str, times: list[float], baseline: float) -> str:
    median = statistics.median(times)
    ratio = f"  {median / baseline:5.1f}x keys list"
    return f"{name:<44} {median * 1000:8.0f} ms  ({min(times) * 1000:.0f}-{max(times) * 1000:.0f}){ratio}"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    measured = measure(options.keys, options.rounds)
    baseline = statistics.median(next(iter(measured.values())))
    load = os.getloadavg()
    print(f"keys as code against the fake API on 127.0.0.1, median of {options.rounds} (min-max); load {load[0]:.2f}")
    print("\n".join(_line(name, times, baseline) for name, times in measured.items()))
