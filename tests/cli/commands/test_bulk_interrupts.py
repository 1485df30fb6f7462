"""An interrupted bulk run reports every key: real SIGINT and SIGTERM to a real `geekai-admin` process.

The fake delays each DELETE, so that the run's 8 workers are all in flight when the signal comes:
those finish within the grace period, the keys not yet started are never sent.
"""

from __future__ import annotations

import json
import signal

import pytest

from tests.cli.running import finish, spawn, wait_for
from tests.support.fake_api import FakeAPI, Reply

KEYS = 12
IN_FLIGHT = 8  # the default concurrency


def _seed(api: FakeAPI, count: int = KEYS) -> list[str]:
    return [api.seed(name=f"batch-{n:02}").uuid for n in range(count)]


@pytest.mark.parametrize(
    ("signum", "status", "word"), [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")]
)
def test_an_interrupted_bulk_delete_reports_each_key_in_json(
    api: FakeAPI, signum: signal.Signals, status: int, word: str
) -> None:
    uuids = _seed(api)
    api.inject(Reply(delay=1.0), method="DELETE", times=None)
    with api.serve() as server:
        process = spawn("--json", "keys", "delete", *uuids, "--yes", base_url=server.base_url)
        wait_for(lambda: api.writes >= IN_FLIGHT)
        process.send_signal(signum)
        result = finish(process)
    assert result.code == status, result
    document = json.loads(result.out)
    assert document["interrupted"] is True
    assert document["dry_run"] is False
    outcomes = {r["uuid"]: r["outcome"] for r in document["results"]}
    assert [r["uuid"] for r in document["results"]] == uuids
    sent = {entry.uuid for entry in api.log if entry.method == "DELETE"}
    assert len(sent) == IN_FLIGHT
    assert {u for u, outcome in outcomes.items() if outcome == "done"} == sent  # in flight: waited for
    assert {u for u, outcome in outcomes.items() if outcome == "not started"} == set(uuids) - sent
    assert set(api.keys) == set(uuids) - sent
    assert result.err == f"geekai-admin: error: keys delete: {word}: 8 deleted, 0 failed, 4 not started\n"


def test_an_interrupted_bulk_update_in_a_table_says_each_keys_fate(api: FakeAPI) -> None:
    uuids = _seed(api)
    api.inject(Reply(delay=1.0), method="PUT", times=None)
    with api.serve() as server:
        process = spawn("keys", "update", *uuids, "--group", "ha", base_url=server.base_url)
        wait_for(lambda: api.writes >= IN_FLIGHT)
        process.send_signal(signal.SIGTERM)
        result = finish(process)
    assert result.code == 143, result
    lines = result.out.splitlines()
    assert len(lines) == KEYS + 1
    assert sum(line.endswith(": updated") for line in lines) == IN_FLIGHT
    assert sum(line.endswith(": not started (interrupted)") for line in lines) == KEYS - IN_FLIGHT
    assert lines[-1] == "8 updated, 0 failed, 4 not started"


def test_a_write_still_in_flight_after_the_grace_period_is_unknown(api: FakeAPI) -> None:
    uuids = _seed(api, 3)
    api.inject(Reply(delay=0.2), method="DELETE", uuid=uuids[0])
    api.inject(Reply("slow", delay=30), method="DELETE", uuid=uuids[1])  # answers long after the grace
    with api.serve() as server:
        process = spawn("--json", "keys", "delete", *uuids, "--yes", base_url=server.base_url)
        wait_for(lambda: api.writes >= 3)
        process.send_signal(signal.SIGINT)
        result = finish(process, timeout=20)  # the grace is 5 s: the process does not wait the 30
    assert result.code == 130, result
    outcomes = [r["outcome"] for r in json.loads(result.out)["results"]]
    assert outcomes == ["done", "unknown", "done"]
    assert "1 unknown" in result.err


def test_an_interrupt_before_any_write_is_the_plain_interrupt(api: FakeAPI) -> None:
    _seed(api, 2)
    api.inject(Reply(delay=30), method="GET", route="/api_keys")
    with api.serve() as server:
        process = spawn("keys", "delete", "--match", "batch-*", "--yes", base_url=server.base_url)
        wait_for(lambda: api.count("GET") >= 1)
        process.send_signal(signal.SIGTERM)
        result = finish(process, timeout=20)
    assert (result.code, result.out, result.err) == (143, "", "geekai-admin: terminated\n")
    assert api.writes == 0
