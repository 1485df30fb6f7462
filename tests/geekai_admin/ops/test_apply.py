"""ops.apply against the one fake API, sync and async: order, the hand-over rule, failures, interrupts,
and (Hypothesis) that applying makes the managed keys match the file and leaves every other key alone."""

from __future__ import annotations

import asyncio
import datetime
import json
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geekai_admin import AsyncGeekAIAdmin, CreatedKey, GeekAIAdmin, HandOverError, InvalidInputError, ops
from geekai_admin.ops import _bounded as bounded
from tests.geekai_admin.conftest import Against
from tests.geekai_admin.fakes import NO_WAIT, Driver
from tests.support.fake_api import SYSTEM_KEY, FakeAPI, Reply
from tests.support.keys_files import OLD, declared, keys_file_text
from tests.support.waiting_command import WAITER, alive

NOW = datetime.datetime.now(datetime.UTC)
DENIED = Reply.json({"code": "forbidden", "message": "no"}, 403)

KEYS_FILE = keys_file_text(
    declared("team-new", group="ha", secret="file:new.key"),
    declared("team-web", secret="file:web.key"),
    declared("team-old", secret="file:old.key"),
)


def seed_account(fake: FakeAPI) -> dict[str, str]:
    """team-web (to update), team-old (due for rotation), team-gone (to prune), other (never touched)."""
    recent = NOW.isoformat(timespec="seconds")
    return {
        "team-web": fake.seed(name="team-web", group="balance", credit_limit=500, created_at=recent).uuid,
        "team-old": fake.seed(name="team-old", group="balance", credit_limit=10000, created_at=OLD).uuid,
        "team-gone": fake.seed(name="team-gone", group="balance", credit_limit=1, created_at=OLD).uuid,
        "other": fake.seed(name="other", group="ha", credit_limit=1, created_at=OLD).uuid,
    }


class Delivered:
    """A deliver callback that records each secret by key name, or raises for the names in `refuse`."""

    def __init__(self, *refuse: str) -> None:
        self.secrets: dict[str, str] = {}
        self.refuse = set(refuse)

    def __call__(self, change: ops.Change, new: CreatedKey) -> None:
        if change.name in self.refuse:
            raise ops.DeliveryError(f"file:{change.name}.key", "the disk is full")
        self.secrets[change.name] = new.secret


def planned_and_applied(keys_file: ops.KeysFile, deliver: Any, *, prune: bool = True, concurrency: int = 8) -> Any:
    """The operation: list, plan, apply, on either client; returns (plan, result)."""

    def operation(client: GeekAIAdmin | AsyncGeekAIAdmin) -> Any:
        if isinstance(client, AsyncGeekAIAdmin):

            async def go() -> Any:
                plan = ops.plan(keys_file, await client.keys.list(), now=NOW, prune=prune)
                return plan, await ops.apply(client, plan, deliver=deliver, concurrency=concurrency)

            return go()
        plan = ops.plan(keys_file, client.keys.list(), now=NOW, prune=prune)
        return plan, ops.apply(client, plan, deliver=deliver, concurrency=concurrency)

    return operation


def replan(fake: FakeAPI, keys_file: ops.KeysFile, *, prune: bool = True) -> ops.Plan:
    with GeekAIAdmin(SYSTEM_KEY, transport=fake.mock_transport(), retry_policy=NO_WAIT) as client:
        return ops.plan(keys_file, client.keys.list(), now=NOW, prune=prune)


def test_apply_carries_out_each_kind_of_change_in_order(against: Against, fake_api: FakeAPI) -> None:
    uuids = seed_account(fake_api)
    keys_file = ops.parse_keys_file(KEYS_FILE, path="keys.toml")
    deliver = Delivered()
    plan, result = against(planned_and_applied(keys_file, deliver))
    assert [c.action for c in plan.changes] == ["create", "update", "rotate", "delete"]
    assert [r.outcome for r in result.results] == ["done"] * 4
    assert result.ok
    assert not result.interrupted
    # every new secret went to deliver, and to no result
    assert set(deliver.secrets) == {"team-new", "team-old"}
    assert set(deliver.secrets.values()) <= set(fake_api.issued_secrets)
    assert all(s not in json.dumps(result.to_dict()) + repr(result) for s in deliver.secrets.values())
    # the rotated key's old key is gone, the pruned one too; "other" is untouched
    assert not fake_api.has_key(uuids["team-old"])
    assert not fake_api.has_key(uuids["team-gone"])
    assert fake_api.key(uuids["other"])["credit_limit"] == 1
    assert fake_api.key(uuids["team-web"])["credit_limit"] == 10000
    new = {r.change.name: r.key for r in result.results if r.key is not None}
    assert new["team-new"] is not None
    assert fake_api.key(new["team-new"].uuid)["group"]["name"] == "ha"
    # phases: creates and updates, then the rotation (create, then delete of the old), then the prune
    writes = [(entry.method, entry.uuid) for entry in fake_api.log if entry.method != "GET"]
    assert writes[-2:] == [("DELETE", uuids["team-old"]), ("DELETE", uuids["team-gone"])]
    assert sorted(method for method, _ in writes[:2]) == ["POST", "PUT"]  # the create and the update
    assert result.to_dict()["results"][0] == {
        "action": "create",
        "name": "team-new",
        "uuid": None,
        "ok": True,
        "outcome": "done",
        "error": None,
        "new_uuid": new["team-new"].uuid,
    }
    assert not replan(fake_api, keys_file).pending  # a second apply plans nothing


def test_a_failed_delivery_deletes_the_new_key_keeps_the_old_and_goes_on(against: Against, fake_api: FakeAPI) -> None:
    uuids = seed_account(fake_api)
    keys_file = ops.parse_keys_file(KEYS_FILE, path="keys.toml")
    _, result = against(planned_and_applied(keys_file, Delivered("team-new", "team-old")))
    by_name = {r.change.name: r for r in result.results}
    assert by_name["team-new"].outcome == by_name["team-old"].outcome == "failed"
    assert by_name["team-web"].ok
    assert by_name["team-gone"].ok
    failed = by_name["team-old"].error
    assert isinstance(failed, HandOverError)
    assert failed.new_deleted
    assert "the disk is full" in str(failed)
    assert f"old key {uuids['team-old']} is untouched" in str(failed)
    # each message names the change it comes from, a rotation's as a create's
    assert str(failed).startswith("apply: rotate 'team-old': delivering the new secret failed (")
    assert str(by_name["team-new"].error).startswith("apply: create 'team-new': delivering the new secret failed (")
    assert fake_api.has_key(uuids["team-old"])  # the old key stays
    assert sorted(k["name"] for k in fake_api.keys.values()) == ["other", "team-old", "team-web"]
    assert not result.ok
    # a rerun with a working delivery converges
    _, again = against(planned_and_applied(keys_file, Delivered()))
    assert [r.change.action for r in again.results] == ["create", "rotate"]
    assert again.ok
    assert not replan(fake_api, keys_file).pending


def test_an_unreadable_create_answer_is_reachable_on_the_outcome(against: Against, fake_api: FakeAPI) -> None:
    keys_file = ops.parse_keys_file('[[key]]\nname = "team-new"\nsecret = "file:new.key"\n')
    fake_api.inject(Reply("drop_field", body=b"uuid"), method="POST")  # made, but the answer does not fit
    _, result = against(planned_and_applied(keys_file, Delivered(), prune=False))
    (applied,) = result.results
    (secret,) = fake_api.issued_secrets
    assert applied.outcome == "failed"
    assert isinstance(applied.error, HandOverError)
    assert applied.error.raw_answer is not None
    assert secret in applied.error.raw_answer
    assert secret not in json.dumps(result.to_dict())


def test_a_failed_update_does_not_stop_the_others(against: Against, fake_api: FakeAPI) -> None:
    uuids = seed_account(fake_api)
    fake_api.inject(DENIED, method="PUT", uuid=uuids["team-web"])
    keys_file = ops.parse_keys_file(KEYS_FILE, path="keys.toml")
    _, result = against(planned_and_applied(keys_file, Delivered(), concurrency=1))
    assert [r.outcome for r in result.results] == ["done", "failed", "done", "done"]
    assert result.to_dict()["results"][1]["error"] == "HTTP 403 [forbidden] no"
    assert result.summary() == "4 changes: 3 done, 1 failed, 0 not started, 0 unknown"


def test_an_interrupt_starts_nothing_more_and_reports_each_outcome(fake_api: FakeAPI) -> None:
    uuids = seed_account(fake_api)
    fake_api.inject(Reply.raising(KeyboardInterrupt()), method="PUT", uuid=uuids["team-web"])
    keys_file = ops.parse_keys_file(KEYS_FILE, path="keys.toml")
    with GeekAIAdmin(SYSTEM_KEY, transport=fake_api.mock_transport(), retry_policy=NO_WAIT) as client:
        plan = ops.plan(keys_file, client.keys.list(), now=NOW, prune=True)
        with pytest.raises(ops.ApplyInterrupted) as raised:
            ops.apply(client, plan, deliver=Delivered(), concurrency=1)
    result = raised.value.result
    assert isinstance(raised.value, KeyboardInterrupt)
    assert result.interrupted
    assert [r.outcome for r in result.results] == ["done", "unknown", "not started", "not started"]
    assert fake_api.has_key(uuids["team-old"])
    assert fake_api.has_key(uuids["team-gone"])
    assert result.to_dict()["interrupted"] is True
    unknown = result.results[1]  # in flight: the library says what may have happened, as for a failure
    assert isinstance(unknown.error, ops.OutcomeUnknown)
    assert unknown.to_dict()["error"] == (
        f"interrupted in flight: the key {uuids['team-web']} may or may not have been updated"
    )
    assert [r.to_dict()["error"] for r in result.results[2:]] == [None, None]  # not started: nothing to say


@pytest.mark.parametrize("stop", ["cancel", "timeout"])
def test_an_async_cancellation_is_reraised_with_the_counts_and_the_result(fake_api: FakeAPI, stop: str) -> None:
    uuids = seed_account(fake_api)
    keys_file = ops.parse_keys_file(KEYS_FILE, path="keys.toml")

    async def go() -> BaseException:
        delivering = asyncio.Event()

        async def deliver(change: ops.Change, new: CreatedKey) -> None:
            delivering.set()
            await asyncio.sleep(0.05)  # in flight when the cancellation comes: it gets the grace

        async with AsyncGeekAIAdmin(SYSTEM_KEY, transport=fake_api.mock_transport(), retry_policy=NO_WAIT) as client:
            plan = ops.plan(keys_file, await client.keys.list(), now=NOW, prune=True)
            applying = ops.apply(client, plan, deliver=deliver, concurrency=1)
            if stop == "timeout":

                async def timed_out() -> None:
                    async with asyncio.timeout(None) as deadline:
                        task = asyncio.ensure_future(applying)
                        await delivering.wait()
                        deadline.reschedule(asyncio.get_running_loop().time())  # the deadline passes now
                        await task

                with pytest.raises(TimeoutError) as timeout:
                    await timed_out()
                return timeout.value
            task = asyncio.ensure_future(applying)
            await delivering.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError) as raised:
                await task
            return raised.value

    stopped = asyncio.run(go())
    cancelled = stopped.__cause__ if stop == "timeout" else stopped
    assert isinstance(cancelled, asyncio.CancelledError)  # the cancellation itself, which asyncio.timeout knows
    assert cancelled.__notes__ == ["apply was cancelled: 4 changes: 1 done, 0 failed, 3 not started, 0 unknown"]
    result = ops.apply_result_of(stopped)
    assert result is not None
    assert result.interrupted
    assert [r.outcome for r in result.results] == ["done", "not started", "not started", "not started"]
    assert fake_api.has_key(uuids["team-gone"])  # the deletions never started
    assert ops.apply_result_of(RuntimeError()) is None


def test_apply_result_of_reads_the_sync_interrupt_too(fake_api: FakeAPI) -> None:
    fake_api.inject(Reply.raising(KeyboardInterrupt()), method="POST")
    keys_file = ops.parse_keys_file('[[key]]\nname = "team-a"\nsecret = "file:a.key"\n')
    with GeekAIAdmin(SYSTEM_KEY, transport=fake_api.mock_transport(), retry_policy=NO_WAIT) as client:
        plan = ops.plan(keys_file, [], now=NOW, prune=False)
        with pytest.raises(ops.ApplyInterrupted) as raised:
            ops.apply(client, plan, deliver=Delivered())
    assert ops.apply_result_of(raised.value) is raised.value.result


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"plan": "nope"}, "plan"),
        ({"concurrency": 0}, "concurrency"),
        ({"deliver": "nope"}, "deliver"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_sent(
    drive: Driver, fake_api: FakeAPI, arguments: dict[str, Any], field: str
) -> None:
    plan = ops.plan(ops.parse_keys_file(KEYS_FILE, path="k"), [], now=NOW)
    given: dict[str, Any] = {"plan": plan, "deliver": Delivered(), "concurrency": 2} | arguments
    with pytest.raises(InvalidInputError) as raised:
        drive(fake_api, lambda c: ops.apply(c, given.pop("plan"), **given))
    assert raised.value.field == field
    assert fake_api.log == []


# --- the properties --------------------------------------------------------------------------------

NAMES = st.sampled_from(["team-a", "team-b", "team-c", "team-d", "solo", "app"])
GROUPS = st.sampled_from(["balance", "ha", "lowcost"])
LIMITS = st.sampled_from([None, 5, 10000])
CREATED = st.sampled_from([OLD, NOW.isoformat(timespec="seconds")])


@st.composite
def accounts(draw: st.DrawFn) -> list[dict[str, Any]]:
    names = draw(st.lists(NAMES, unique=True, max_size=5))
    return [
        {"name": n, "group": draw(GROUPS), "credit_limit": draw(LIMITS), "created_at": draw(CREATED)} for n in names
    ]


@st.composite
def keys_files(draw: st.DrawFn) -> str:
    lines = ['[scope]\nprune_prefix = "team-"\n']
    for name in draw(st.lists(NAMES, unique=True, max_size=4)):
        lines.append(f'[[key]]\nname = "{name}"\nsecret = "file:{name}.key"\n')
        if draw(st.booleans()):
            lines.append(f'group = "{draw(GROUPS)}"\n')
        limit = draw(LIMITS)
        if draw(st.booleans()):
            shown = '"none"' if limit is None else str(limit)
            lines.append(f"credit_limit = {shown}\n")
        if draw(st.booleans()):
            lines.append(f'rotate_every = "{draw(st.sampled_from(["30d", "never"]))}"\n')
        if draw(st.booleans()):
            lines.append(f'expires_after = "{draw(st.sampled_from(["10d", "400d"]))}"\n')
    return "".join(lines)


def _untouched(before: dict[str, dict[str, Any]], fake: FakeAPI, keys_file: ops.KeysFile, prune: bool) -> None:
    for uuid, record in before.items():
        name = record["name"]
        managed = keys_file.managed(name) is not None or (prune and name.startswith("team-"))
        if not managed:
            assert fake.keys.get(uuid) == record, f"{name} was touched"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(account=accounts(), text=keys_files(), prune=st.booleans(), mode=st.sampled_from(["sync", "async"]))
def test_applying_makes_the_managed_keys_match_and_leaves_the_rest(
    account: list[dict[str, Any]], text: str, prune: bool, mode: str
) -> None:
    fake = FakeAPI()
    for fields in account:
        fake.seed(**fields, expired_at="")
    before = json.loads(json.dumps(fake.keys, default=str))
    keys_file = ops.parse_keys_file(text, path="keys.toml")
    deliver = Delivered()
    plan, result = Driver(mode)(fake, planned_and_applied(keys_file, deliver, prune=prune))
    assert result.ok, result
    assert set(deliver.secrets) == {c.name for c in plan.changes if c.action in ("create", "rotate")}
    # the managed keys match the file: planning again finds nothing to do
    assert not replan(fake, keys_file, prune=prune).pending
    names = [record["name"] for record in fake.keys.values()]
    assert all(key.name in names for key in keys_file.keys)
    if prune:
        assert all(n in {k.name for k in keys_file.keys} for n in names if n.startswith("team-"))
    _untouched({u: r for u, r in before.items() if u in fake.keys or r["name"]}, fake, keys_file, prune)
    # applying twice changes nothing: the second plan is empty and sends no write
    writes = fake.writes
    again, second = Driver(mode)(fake, planned_and_applied(keys_file, Delivered(), prune=prune))
    assert not again.changes
    assert second.results == ()
    assert fake.writes == writes


def test_an_unlisted_key_with_the_prefix_stays_without_prune(against: Against, fake_api: FakeAPI) -> None:
    uuids = seed_account(fake_api)
    keys_file = ops.parse_keys_file(KEYS_FILE, path="keys.toml")
    plan, result = against(planned_and_applied(keys_file, Delivered(), prune=False))
    assert "delete" not in [c.action for c in plan.changes]
    assert result.ok
    assert fake_api.has_key(uuids["team-gone"])
    assert fake_api.has_key(uuids["other"])
    assert fake_api.key(uuids["team-gone"])["credit_limit"] == Decimal(1)


def _given_up(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Set once a run has given up (its `overdue` hook, which stops its delivery commands, has run)."""
    given_up = threading.Event()
    run_sync = bounded.run_sync

    def spied(*args: Any, overdue: Callable[[], object], **kwargs: Any) -> Any:
        def giving_up() -> None:
            overdue()
            given_up.set()

        return run_sync(*args, overdue=giving_up, **kwargs)

    monkeypatch.setattr(bounded, "run_sync", spied)
    return given_up


class _HeldCreate(httpx.BaseTransport):
    """The fake's transport, with the create of `name` answered only once `release` is set (`arrived`: it was sent)."""

    def __init__(self, inner: httpx.BaseTransport, name: str, release: threading.Event) -> None:
        self.inner, self.name, self.release = inner, name, release
        self.arrived = threading.Event()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and self.name.encode() in request.read():
            self.arrived.set()
            self.release.wait(5)
        return self.inner.handle_request(request)


def test_once_the_grace_is_over_in_flight_deliveries_are_stopped_and_none_starts(
    fake_api: FakeAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bounded, "INTERRUPT_GRACE_SECONDS", 0.2)
    given_up = _given_up(monkeypatch)
    keys_file = ops.parse_keys_file(
        '[[key]]\nname = "team-a"\nsecret = "file:a.key"\n[[key]]\nname = "team-b"\nsecret = "file:b.key"\n',
        path="keys.toml",
    )
    delivered: list[str] = []
    transport = _HeldCreate(fake_api.mock_transport(), "team-b", given_up)

    def deliver(change: ops.Change, new: CreatedKey) -> None:
        if change.name == "team-a":
            transport.arrived.wait(5)
            raise KeyboardInterrupt  # Ctrl-C during team-a's hand-over, team-b's create in flight
        delivered.append(change.name)

    with GeekAIAdmin(SYSTEM_KEY, transport=transport, retry_policy=NO_WAIT) as client:
        plan = ops.plan(keys_file, [], now=NOW, prune=False)
        with pytest.raises(ops.ApplyInterrupted) as raised:
            ops.apply(client, plan, deliver=deliver, concurrency=2)
    a, b = raised.value.result.results
    (kept,) = [uuid for uuid, key in fake_api.keys.items() if key["name"] == "team-a"]
    assert (a.outcome, a.to_dict()["new_uuid"]) == ("unknown", kept)  # in its hand-over: kept and named
    assert isinstance(a.error, ops.OutcomeUnknown)
    assert a.to_dict()["error"] == (
        f"interrupted in flight: the new key {kept} ('team-a') was kept: its secret may or may not have reached "
        "file:a.key"
    )
    assert b.outcome == "failed"  # created after the run gave up: not handed over, so deleted
    assert "apply was interrupted before this secret was handed over" in str(b.error)
    assert delivered == []
    assert [key["name"] for key in fake_api.keys.values()] == ["team-a"]


def test_an_async_cancellation_names_a_change_still_in_flight_and_what_it_may_have_done(
    fake_api: FakeAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sync and async alike: a change still running when the grace ends is unknown, with the words."""
    monkeypatch.setattr(bounded, "INTERRUPT_GRACE_SECONDS", 0.1)
    old = fake_api.seed(name="team-old", group="balance", created_at=OLD).uuid

    async def go() -> BaseException:
        delivering = asyncio.Event()

        async def deliver(change: ops.Change, new: CreatedKey) -> None:
            delivering.set()
            await asyncio.sleep(30)  # still delivering when the grace ends

        async with AsyncGeekAIAdmin(SYSTEM_KEY, transport=fake_api.mock_transport(), retry_policy=NO_WAIT) as client:
            keys_file = ops.parse_keys_file(keys_file_text(declared("team-old", secret="file:old.key")))
            plan = ops.plan(keys_file, await client.keys.list(), now=NOW)
            task = asyncio.ensure_future(ops.apply(client, plan, deliver=deliver))
            await delivering.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError) as raised:
                await task
            return raised.value

    result = ops.apply_result_of(asyncio.run(go()))
    assert result is not None
    (applied,) = result.results
    (new,) = set(fake_api.keys) - {old}
    assert (applied.outcome, applied.to_dict()["new_uuid"]) == ("unknown", new)
    assert isinstance(applied.error, ops.OutcomeUnknown)
    assert applied.to_dict()["error"] == (
        f"interrupted in flight: the new key {new} ('team-old') was kept (the old key {old} was not touched): "
        "its secret may or may not have reached file:old.key"
    )
    assert fake_api.has_key(old)
    for secret in fake_api.issued_secrets:
        assert secret not in json.dumps(result.to_dict()) + repr(result)


# --- exec: deliveries and the run that gives up --------------------------------------------------

_WRITE_STDIN = "import pathlib, sys; pathlib.Path(sys.argv[1]).write_text(sys.stdin.read())"
TWO_KEYS = '[[key]]\nname = "team-a"\nsecret = "exec:a"\n[[key]]\nname = "team-b"\nsecret = "exec:b"\n'


def _waiter(folder: Path, timeout: float = 20.0) -> ops.ExecDestination:
    folder.mkdir(exist_ok=True)
    return ops.ExecDestination([sys.executable, "-c", WAITER, str(folder)], folder=folder, timeout=timeout)


def _started(folder: Path) -> bool:
    deadline = time.monotonic() + 20
    while not (folder / "pid").exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_a_delivery_past_the_check_as_the_run_gives_up_starts_no_command(
    fake_api: FakeAPI, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(bounded, "INTERRUPT_GRACE_SECONDS", 0.05)
    given_up = _given_up(monkeypatch)
    writer = ops.ExecDestination([sys.executable, "-c", _WRITE_STDIN, str(tmp_path / "got")], folder=tmp_path)
    b_past_the_check = threading.Event()
    raised: list[BaseException] = []

    def deliver(change: ops.Change, new: CreatedKey) -> None:
        if change.name == "team-a":
            b_past_the_check.wait(5)
            raise KeyboardInterrupt  # Ctrl-C, just as team-b's hand-over has begun
        b_past_the_check.set()
        given_up.wait(5)  # the instant before its command starts, the run gives up
        try:
            writer.deliver(new.secret)
        except BaseException as error:
            raised.append(error)
            raise

    with GeekAIAdmin(SYSTEM_KEY, transport=fake_api.mock_transport(), retry_policy=NO_WAIT) as client:
        plan = ops.plan(ops.parse_keys_file(TWO_KEYS), [], now=NOW, prune=False)
        with pytest.raises(ops.ApplyInterrupted) as interrupted:
            ops.apply(client, plan, deliver=deliver, concurrency=2)
    assert not (tmp_path / "got").exists()  # the command never ran
    (refused,) = raised
    assert isinstance(refused, ops.DeliveryError)
    assert "not run: the run was interrupted before this command could start" in str(refused)
    a, b = interrupted.value.result.results
    assert (a.outcome, b.outcome) == ("unknown", "failed")  # team-b surely not delivered: its new key deleted
    assert [key["name"] for key in fake_api.keys.values()] == ["team-a"]


def test_a_run_that_gives_up_stops_only_its_own_commands_and_the_next_run_delivers(
    fake_api: FakeAPI, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Two runs in one process: B's interrupt stops B's command, never A's; a later run starts commands again."""
    monkeypatch.setattr(bounded, "INTERRUPT_GRACE_SECONDS", 0.1)
    a_command, b_command = _waiter(tmp_path / "a"), _waiter(tmp_path / "b")
    outcomes: list[ops.ApplyResult] = []

    def run_a() -> None:
        with GeekAIAdmin(SYSTEM_KEY, transport=fake_api.mock_transport(), retry_policy=NO_WAIT) as client:
            plan = ops.plan(ops.parse_keys_file('[[key]]\nname = "run-a"\nsecret = "exec:a"\n'), [], now=NOW)
            outcomes.append(ops.apply(client, plan, deliver=lambda _, new: a_command.deliver(new.secret)))

    def deliver_b(change: ops.Change, new: CreatedKey) -> None:
        if change.name == "team-a":
            b_command.deliver(new.secret)
        elif _started(tmp_path / "a") and _started(tmp_path / "b"):
            raise KeyboardInterrupt  # both commands run: run B is interrupted

    a = threading.Thread(target=run_a)
    a.start()
    try:
        with GeekAIAdmin(SYSTEM_KEY, transport=fake_api.mock_transport(), retry_policy=NO_WAIT) as client:
            plan = ops.plan(ops.parse_keys_file(TWO_KEYS), [], now=NOW, prune=False)
            with pytest.raises(ops.ApplyInterrupted) as interrupted:
                ops.apply(client, plan, deliver=deliver_b, concurrency=2)
        assert not alive(tmp_path / "b")  # B's own command: stopped
        assert alive(tmp_path / "a")  # A's: left alone
    finally:
        (tmp_path / "a" / "release").write_text("0")
        a.join(20)
    assert interrupted.value.result.results[0].outcome == "unknown"
    ((done,),) = [result.results for result in outcomes]
    assert done.outcome == "done"
    writer = ops.ExecDestination([sys.executable, "-c", _WRITE_STDIN, str(tmp_path / "got")], folder=tmp_path)
    with GeekAIAdmin(SYSTEM_KEY, transport=fake_api.mock_transport(), retry_policy=NO_WAIT) as client:
        plan = ops.plan(ops.parse_keys_file('[[key]]\nname = "next"\nsecret = "exec:w"\n'), [], now=NOW)
        assert ops.apply(client, plan, deliver=lambda _, new: writer.deliver(new.secret)).ok
    assert (tmp_path / "got").read_text() == fake_api.issued_secrets[-1]


def test_the_async_apply_delivers_off_the_event_loop(fake_api: FakeAPI) -> None:
    delivering, released = threading.Event(), threading.Event()
    stored: list[str] = []

    def deliver(change: ops.Change, new: CreatedKey) -> object:
        if change.name == "team-b":  # an async deliver is awaited on the loop

            async def store() -> None:
                await asyncio.sleep(0)
                stored.append(change.name)

            return store()
        delivering.set()
        if not released.wait(5):  # only the event loop sets it
            raise RuntimeError("the delivery held the event loop up")
        stored.append(change.name)
        return None

    async def go() -> ops.ApplyResult:
        async with AsyncGeekAIAdmin(SYSTEM_KEY, transport=fake_api.mock_transport(), retry_policy=NO_WAIT) as client:
            plan = ops.plan(ops.parse_keys_file(TWO_KEYS), [], now=NOW, prune=False)
            task = asyncio.ensure_future(ops.apply(client, plan, deliver=deliver))
            while not delivering.is_set():
                await asyncio.sleep(0.01)
            released.set()
            return await task

    result = asyncio.run(go())
    assert [r.outcome for r in result.results] == ["done", "done"]
    assert sorted(stored) == ["team-a", "team-b"]


def test_the_async_apply_delivers_in_threads_of_its_own_as_many_as_run_at_once(fake_api: FakeAPI) -> None:
    """Eight deliveries wait for each other: each needs a thread of its own at once. The loop's
    default executor has one thread here (on 2 CPUs it has 6), and the program's own work on it
    goes on while they wait."""
    names = [f"team-{n}" for n in range(8)]
    all_started = threading.Barrier(len(names), timeout=10)
    threads: set[str] = set()

    def deliver(change: ops.Change, new: CreatedKey) -> None:
        threads.add(threading.current_thread().name)
        all_started.wait()

    async def go() -> tuple[ops.ApplyResult, str]:
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=1))
        async with AsyncGeekAIAdmin(SYSTEM_KEY, transport=fake_api.mock_transport(), retry_policy=NO_WAIT) as client:
            keys_file = ops.parse_keys_file(
                keys_file_text(*(declared(name, secret=f"file:{name}.key") for name in names))
            )
            plan = ops.plan(keys_file, [], now=NOW, prune=False)
            applying = asyncio.ensure_future(ops.apply(client, plan, deliver=deliver, concurrency=len(names)))
            own = await asyncio.to_thread(lambda: "the program's own")  # not queued behind the deliveries
            return await applying, own

    result, own = asyncio.run(go())
    assert [r.outcome for r in result.results] == ["done"] * len(names)
    assert own == "the program's own"
    assert len(threads) == len(names)
    assert all(name.startswith("geekai-admin-delivery") for name in threads)


def test_an_async_cancellation_during_an_exec_delivery_gives_it_the_grace_then_stops_it(
    fake_api: FakeAPI, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(bounded, "INTERRUPT_GRACE_SECONDS", 0.1)
    command = _waiter(tmp_path, timeout=5)  # before the fix, it held the loop: at most 5 s

    async def go() -> BaseException:
        async with AsyncGeekAIAdmin(SYSTEM_KEY, transport=fake_api.mock_transport(), retry_policy=NO_WAIT) as client:
            plan = ops.plan(ops.parse_keys_file('[[key]]\nname = "team-a"\nsecret = "exec:a"\n'), [], now=NOW)
            task = asyncio.ensure_future(ops.apply(client, plan, deliver=lambda _, new: command.deliver(new.secret)))
            while not (tmp_path / "pid").exists():
                await asyncio.sleep(0.01)
            task.cancel()
            with pytest.raises(asyncio.CancelledError) as raised:
                await task
            return raised.value

    cancelled = asyncio.run(go())
    assert not alive(tmp_path)  # stopped once the grace was over, not left behind
    result = ops.apply_result_of(cancelled)
    assert result is not None
    (applied,) = result.results
    (kept,) = fake_api.keys
    assert (applied.outcome, applied.to_dict()["new_uuid"]) == ("unknown", kept)  # kept, and named
    assert "the hand-over did not finish" in str(applied.error)
    assert str(applied.error).count("may or may not") == 1
    (secret,) = fake_api.issued_secrets
    assert secret not in json.dumps(result.to_dict()) + repr(result) + str(applied.error) + repr(cancelled.__notes__)
