"""The live run end to end against the one fake API: each behaviour of the server -> its finding."""

from __future__ import annotations

import gzip
import json
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from devtools.live.budget import LIMIT
from devtools.live.cli import main
from devtools.live.run import INVALID_GROUP, PREFIX, LiveRun
from geekai_admin import ApiKey
from tests.support.fake_api import ABSENT, INVALID_REQUEST_STATUS, SYSTEM_KEY, FakeAPI, Reply, secrets_of, status

BASE_URL = "https://geekai.co/api"


@dataclass
class Result:
    code: int
    report: dict[str, Any]
    report_text: str
    stdout: str
    stderr: str

    @property
    def findings(self) -> dict[str, Any]:
        return self.report["findings"]  # type: ignore[no-any-return]

    def step(self, name: str) -> dict[str, Any]:
        (found,) = (step for step in self.report["steps"] if step["name"] == name)
        return found  # type: ignore[no-any-return]


Live = Callable[..., Result]


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Live:
    """Run `python -m devtools.live ARGS` in process against `fake` (on MockTransport)."""
    monkeypatch.setenv("GEEKAI_SYSTEM_KEY", SYSTEM_KEY)
    monkeypatch.delenv("GEEKAI_BASE_URL", raising=False)
    monkeypatch.delenv("GEEKAI_REGION", raising=False)

    def run(fake: FakeAPI, *args: str, transport: httpx.BaseTransport | None = None) -> Result:
        path = tmp_path / "live-report.json"
        code = main(
            ["--base-url", BASE_URL, "--report", str(path), *args], transport=transport or fake.mock_transport()
        )
        out, err = capsys.readouterr()
        text = path.read_text(encoding="utf-8")
        return Result(code, json.loads(text), text, out, err)

    return run


def throwaway_keys(fake: FakeAPI) -> list[str]:
    return [uuid for uuid, key in fake.keys.items() if str(key.get("name", "")).startswith(PREFIX)]


def assert_no_secret(fake: FakeAPI, result: Result) -> None:
    for secret in secrets_of(fake):
        for where, text in (("report", result.report_text), ("stdout", result.stdout), ("stderr", result.stderr)):
            assert secret not in text, f"a secret reached the {where}"
    for text in (result.report_text, result.stdout, result.stderr):
        assert "Bearer " not in text.replace("Bearer <hidden>", "")


# --- what is sent ---------------------------------------------------------------------------


def test_without_a_system_key_it_says_so_and_sends_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.delenv("GEEKAI_SYSTEM_KEY", raising=False)
    fake = FakeAPI()
    code = main(["--write", "--report", str(tmp_path / "r.json")], transport=fake.mock_transport())
    assert code == 2
    assert "GEEKAI_SYSTEM_KEY is not set" in capsys.readouterr().err
    assert fake.log == []
    assert not (tmp_path / "r.json").exists()


def test_read_only_sends_no_write_and_only_counts_leftover_keys(live: Live) -> None:
    fake = FakeAPI()
    fake.reset(seeded=25)
    leftover = fake.seed(name=PREFIX + "from-an-earlier-run")
    result = live(fake)
    assert result.code == 1  # a leftover key is left: worth a look
    assert fake.writes == 0
    assert fake.has_key(leftover.uuid)
    assert result.report["write"] is False
    assert result.report["leftover_keys"] == 1
    assert result.report["leftover"] == [{"uuid": leftover.uuid, "name": PREFIX + "from-an-earlier-run"}]
    assert result.report["swept"] == []
    assert result.findings["put_omitted_fields"] == "not_tested"
    # At most 20 gets of listed keys, one of an unknown uuid; one call with a wrong key.
    assert fake.count("GET", "/api_keys/{uuid}") == 21
    assert [entry.auth for entry in fake.log].count("wrong") == 1
    assert result.report["requests"] == len(fake.log) == 24
    assert_no_secret(fake, result)


def test_a_write_run_goes_through_the_lifecycle_and_leaves_nothing(live: Live) -> None:
    fake = FakeAPI()
    result = live(fake, "--write")
    assert result.code == 0, result.stdout
    assert [step["outcome"] for step in result.report["steps"]] == ["ok"] * len(result.report["steps"])
    assert fake.created == 1
    assert throwaway_keys(fake) == []
    (create,) = [entry for entry in fake.log if entry.method == "POST"]
    sent = create.json()
    assert sent["name"].startswith(PREFIX)
    assert sent["credit_limit"] == 1
    (raw_put, *_) = [entry.json() for entry in fake.log if entry.method == "PUT"][1:]
    assert sorted(raw_put) == ["group", "name"]
    assert result.report["leftover_keys"] == 0
    assert result.report["requests"] == len(fake.log)
    assert result.findings["update_applied"] is True
    assert result.findings["deleted_key_status"] == 404
    assert result.findings["delete_again_status"] == 404
    assert_no_secret(fake, result)


# --- each behaviour of the server -> its finding -------------------------------------------------


def test_one_invalid_body_records_how_the_api_refuses_it(live: Live) -> None:
    fake = FakeAPI()
    result = live(fake, "--write")
    (invalid,) = [
        entry.json() for entry in fake.log if entry.method == "PUT" and entry.status == INVALID_REQUEST_STATUS
    ]
    assert invalid["group"] == INVALID_GROUP
    assert result.findings["invalid_body_status"] == INVALID_REQUEST_STATUS
    answer = result.report["details"]["invalid_body_answer"]
    assert answer["code"] == "invalid_request"
    assert answer["message"].startswith(f"group: '{INVALID_GROUP}' is not one of")
    assert result.step("put an invalid body")["outcome"] == "ok"


@pytest.mark.parametrize(
    ("reply", "outcome", "answer"),
    [
        (Reply.json({"message": "success"}, 200), "unexpected", {"message": "success"}),
        (status(400, b"<html>bad request</html>"), "ok", "<html>bad request</html>"),
    ],
)
def test_an_invalid_body_accepted_is_a_finding_and_any_answer_is_kept(
    live: Live, reply: Reply, outcome: str, answer: Any
) -> None:
    fake = FakeAPI()
    fake.inject(reply, method="PUT", at=3)
    result = live(fake, "--write")
    assert result.step("put an invalid body")["outcome"] == outcome
    assert result.report["details"]["invalid_body_answer"] == answer
    assert throwaway_keys(fake) == []


@pytest.mark.parametrize(("shape", "verdict"), [("flat", "flat"), ("wrapped", "wrapped")])
def test_balance_shape(live: Live, shape: Any, verdict: str) -> None:
    assert live(FakeAPI(balance_shape=shape)).findings["balance_shape"] == verdict


def test_a_balance_of_neither_shape(live: Live) -> None:
    fake = FakeAPI()
    fake.inject(Reply.json({"credit": 5}), route="/credit/balance", times=None)
    result = live(fake)
    assert result.findings["balance_shape"] == "other"
    assert result.step("balance")["outcome"] == "failed"


@pytest.mark.parametrize(("put_omitted", "verdict"), [("keep", "kept"), ("reset", "reset")])
def test_put_omitted_fields(live: Live, put_omitted: Any, verdict: str) -> None:
    result = live(FakeAPI(put_omitted=put_omitted), "--write")
    assert result.findings["put_omitted_fields"] == verdict
    fates = result.report["details"]["put_omitted_fields"]["fields"]
    assert fates == {"credit_limit": verdict, "expired_at": verdict}
    assert result.code == 0


def test_a_put_refused_for_what_it_leaves_out(live: Live) -> None:
    fake = FakeAPI()
    fake.inject(Reply.json({"code": "invalid_request", "message": "credit_limit required"}, 422), method="PUT", at=2)
    result = live(fake, "--write")
    assert result.findings["put_omitted_fields"] == "rejected"
    assert result.step("put name and group only")["outcome"] == "unexpected"
    assert throwaway_keys(fake) == []


@pytest.mark.parametrize(("no_expiry", "verdict"), [("", "empty_string"), (None, "null"), (ABSENT, "absent")])
def test_empty_expiry(live: Live, no_expiry: Any, verdict: str) -> None:
    fake = FakeAPI(no_expiry=no_expiry)
    fake.seed(name="never-expires", expired_at="")
    fake.seed(name="expires", expired_at="2027-01-31")
    result = live(fake)
    assert result.findings["empty_expiry"] == verdict
    assert result.report["details"]["empty_expiry"] == {verdict: 2}  # in the list and in its get


@pytest.mark.parametrize(("never_used", "verdict"), [("", "empty_string"), (None, "null"), (ABSENT, "absent")])
def test_never_used_last_used_at(live: Live, never_used: Any, verdict: str) -> None:
    result = live(FakeAPI(never_used=never_used), "--write")  # the throwaway key is never used
    assert result.findings["never_used_last_used_at"] == verdict


def test_no_key_shows_an_empty_value_so_nothing_is_seen(live: Live) -> None:
    fake = FakeAPI()
    fake.seed(name="used", expired_at="2027-01-31", last_used_at="2026-11-20T08:30:00+08:00")
    result = live(fake)
    assert result.findings["empty_expiry"] == "not_seen"
    assert result.findings["never_used_last_used_at"] == "not_seen"


def test_two_styles_at_once_are_mixed(live: Live) -> None:
    fake = FakeAPI(never_used=None)
    key = fake.seed(name="odd", last_used_at="")
    fake.inject(Reply.json({"data": {**fake.key(key.uuid), "last_used_at": ""}}), method="GET", uuid=key.uuid)
    result = live(fake)
    assert result.findings["never_used_last_used_at"] == "mixed"
    assert result.report["details"]["never_used_last_used_at"] == {"empty_string": 1, "null": 1}


def test_statuses_and_shapes_of_errors(live: Live) -> None:
    fake = FakeAPI(
        not_found=(400, {"error": {"code": "bad_uuid", "message": "no such key"}}),
        unauthorized=(403, {"message": "forbidden"}),
    )
    result = live(fake)
    assert result.findings["unknown_key_status"] == 400
    assert result.findings["wrong_system_key_status"] == 403
    assert result.findings["error_shapes"] == ["error{code+message}", "message"]
    assert result.report["details"]["error_shapes"] == {"error{code+message}": [400], "message": [403]}
    assert result.step("get unknown key")["outcome"] == "unexpected"


def test_default_statuses_and_shape(live: Live) -> None:
    result = live(FakeAPI())
    assert result.findings["unknown_key_status"] == 404
    assert result.findings["wrong_system_key_status"] == 401
    assert result.findings["error_shapes"] == ["code+message"]
    assert result.code == 0


# --- violations ----------------------------------------------------------------------------------


def test_each_answer_is_validated_against_both_documents(live: Live) -> None:
    fake = FakeAPI(never_used=None)
    fake.seed(name="k", last_used_at="")
    result = live(fake)
    found = {(v["spec"], v["operation"], v["status"], v["where"]) for v in result.report["violations"]}
    # Upstream's date-time has no null; the patch admits it.
    assert ("upstream", "GET /api_keys", 200, "data/0/last_used_at") in found
    assert not any(spec == "patched" and where.endswith("last_used_at") for spec, _, _, where in found)
    # Upstream declares no 404; the patch does, with the body of the other errors.
    assert ("upstream", "GET /api_keys/{uuid}", 404, "(ResponseNotFound)") in found
    assert not any(spec == "patched" and status == 404 for spec, _, status, _ in found)
    assert "Violations: " in result.stdout


def test_a_404_whose_body_is_not_the_declared_error_is_a_violation_of_the_patch(live: Live) -> None:
    result = live(FakeAPI(not_found=(404, {"message": "gone"})))
    found = {(v["spec"], v["operation"], v["status"], v["message"]) for v in result.report["violations"]}
    assert ("patched", "GET /api_keys/{uuid}", 404, "'code' is a required property") in found


# --- failures, interruptions, the budget -------------------------------------------------------


def test_a_failure_mid_lifecycle_still_deletes_the_key(live: Live) -> None:
    fake = FakeAPI()
    fake.inject(status(500, b'{"code": "server_error", "message": "boom"}'), method="PUT", times=None)
    result = live(fake, "--write")
    assert result.code == 1
    assert result.step("update every field")["outcome"] == "failed"
    assert result.step("get updated")["outcome"] == "skipped"
    assert result.step("delete throwaway key (clean-up)")["outcome"] == "ok"
    assert fake.created == 1
    assert throwaway_keys(fake) == []
    assert result.report["leftover_keys"] == 0


def test_an_interruption_mid_lifecycle_leaves_no_key(live: Live) -> None:
    fake = FakeAPI()
    fake.inject(Reply.raising(KeyboardInterrupt()), method="PUT")
    result = live(fake, "--write")
    assert result.code == 130
    assert result.report["stopped"] == "interrupted"
    assert result.step("delete throwaway key (clean-up)")["outcome"] == "ok"
    assert fake.created == 1
    assert throwaway_keys(fake) == []
    assert result.report["leftover_keys"] == 0
    assert_no_secret(fake, result)


def test_a_create_whose_answer_cannot_be_read_is_swept_by_its_name(live: Live) -> None:
    fake = FakeAPI()
    fake.inject(Reply.json({"data": "not a key"}, process=True), method="POST")
    result = live(fake, "--write")
    assert result.step("create")["outcome"] == "failed"
    assert fake.created == 1
    assert throwaway_keys(fake) == []
    assert [swept["when"] for swept in result.report["swept"]] == ["end"]
    assert_no_secret(fake, result)


def test_a_leftover_key_is_swept_at_the_start_of_a_write_run(live: Live) -> None:
    fake = FakeAPI()
    other = fake.seed(name="production")
    leftover = fake.seed(name=PREFIX + "deadbeef")
    result = live(fake, "--write")
    assert not fake.has_key(leftover.uuid)
    assert fake.has_key(other.uuid)
    assert result.report["swept"] == [{"uuid": leftover.uuid, "name": PREFIX + "deadbeef", "when": "start"}]
    assert result.report["leftover_keys"] == 0
    assert f"sweep {leftover.uuid} (start)" in result.stdout


def test_a_key_that_cannot_be_deleted_is_named_as_left_over(live: Live) -> None:
    fake = FakeAPI()
    leftover = fake.seed(name=PREFIX + "stuck")
    fake.inject(
        Reply.json({"code": "forbidden", "message": "no"}, 403), method="DELETE", uuid=leftover.uuid, times=None
    )
    result = live(fake, "--write")
    assert result.code == 1
    assert result.report["leftover_keys"] == 1
    assert result.report["leftover"] == [{"uuid": leftover.uuid, "name": PREFIX + "stuck"}]


def test_at_most_60_requests_and_the_clean_up_still_runs(live: Live) -> None:
    fake = FakeAPI()
    fake.reset(seeded=25)
    fake.seed(name=PREFIX + "old")
    fake.inject(status(503, b"", Retry_After="0"), method="GET", route="/api_keys/{uuid}", times=None)
    result = live(fake, "--write")
    assert result.code == 1
    assert result.report["stopped"] == "budget"
    assert len(fake.log) == result.report["requests"] <= LIMIT
    assert result.step("list (final sweep)")["outcome"] == "ok"
    assert throwaway_keys(fake) == []


def test_a_429_within_the_bound_is_waited_for(live: Live) -> None:
    fake = FakeAPI()
    fake.inject(status(429, b'{"code": "rate_limited", "message": "slow down"}', Retry_After="0"), method="GET")
    result = live(fake)
    assert result.code == 0
    assert result.findings["rate_limited"] == [{"operation": "GET /credit/balance", "retry_after": 0.0}]
    assert result.step("balance")["outcome"] == "ok"


def test_a_429_beyond_the_bound_stops_the_run_with_the_finding(live: Live) -> None:
    fake = FakeAPI()
    fake.inject(status(429, b"", Retry_After="600"), method="GET", route="/api_keys", times=1)
    result = live(fake, "--write")
    assert result.code == 1
    assert result.report["stopped"] == "rate_limited"
    assert result.findings["rate_limited"] == [{"operation": "GET /api_keys", "retry_after": 600.0}]
    assert fake.created == 0
    assert result.step("list (final sweep)")["outcome"] == "ok"


def test_over_real_sockets(live: Live) -> None:
    fake = FakeAPI(balance_shape="wrapped", put_omitted="reset")
    with fake.serve() as server:
        result = live(fake, "--write", "--base-url", server.base_url, transport=httpx.HTTPTransport())
    assert result.code == 0, result.stdout
    assert result.report["base_url"] == server.base_url
    assert result.findings["balance_shape"] == "wrapped"
    assert result.findings["put_omitted_fields"] == "reset"
    assert throwaway_keys(fake) == []
    assert_no_secret(fake, result)


def test_secrets_the_server_echoes_are_masked_in_every_output(live: Live) -> None:
    fake = FakeAPI()
    planted = "sk-planted-Zq8xW2vN7mK4pL9rT3yU"
    created = {"uuid": "0f0e0d0c-0b0a-4908-8706-050403020100", "name": PREFIX + "x", "raw_value": planted}
    # The secret comes back where a number belongs: the client's error and both validators quote it.
    fake.inject(Reply.json({"data": {**created, "credit_used": planted}}, process=True), method="POST")
    fake.inject(Reply.json({"balance": SYSTEM_KEY}), route="/credit/balance")
    result = live(fake, "--write")
    for text in (result.report_text, result.stdout, result.stderr):
        assert planted not in text
        assert SYSTEM_KEY not in text
    assert "<hidden>" in result.report_text
    assert_no_secret(fake, result)


def test_one_omitted_field_kept_and_the_other_reset_is_mixed(live: Live) -> None:
    result = live(FakeAPI(put_omitted={"expired_at": "reset"}), "--write")
    assert result.findings["put_omitted_fields"] == "mixed"
    assert result.report["details"]["put_omitted_fields"]["fields"] == {"credit_limit": "kept", "expired_at": "reset"}


def test_a_connection_lost_on_the_generated_clients_put_is_a_failed_step(live: Live) -> None:
    fake = FakeAPI()
    fake.inject(Reply.raising(httpx.ConnectError("refused")), method="PUT", at=2)
    result = live(fake, "--write")
    assert result.code == 1
    step = result.step("put name and group only")
    assert (step["outcome"], step["status"]) == ("failed", None)
    assert "ConnectError" in step["detail"]
    assert result.findings["put_omitted_fields"] == "not_tested"
    assert result.step("delete")["outcome"] == "ok"
    assert throwaway_keys(fake) == []


def test_a_fault_of_the_tool_itself_still_cleans_up_and_writes_the_report(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: LiveRun, key: ApiKey, sent: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(LiveRun, "_partial_put", broken)
    fake = FakeAPI()
    result = live(fake, "--write")
    assert result.code == 1
    assert result.report["stopped"] == "error"
    assert result.step("internal error")["detail"] == "RuntimeError: a bug"
    assert throwaway_keys(fake) == []
    assert "Traceback" not in result.stderr


class _SignalOnFirstPut(httpx.BaseTransport):
    """The fake's transport, with a SIGTERM (or Ctrl-C) to this process as the first PUT arrives."""

    def __init__(self, fake: FakeAPI, signum: int) -> None:
        self._inner = fake.mock_transport()
        self._signum = signum
        self.sent = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PUT" and not self.sent:
            self.sent = True
            os.kill(os.getpid(), self._signum)
        return self._inner.handle_request(request)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_mid_lifecycle_leaves_no_key(live: Live, signum: int) -> None:
    fake = FakeAPI()
    transport = _SignalOnFirstPut(fake, signum)
    result = live(fake, "--write", transport=transport)
    assert transport.sent
    assert result.code == 130
    assert result.report["stopped"] == "interrupted"
    assert fake.count("PUT") == 0  # interrupted before the PUT went out
    assert result.step("delete throwaway key (clean-up)")["outcome"] == "ok"
    assert throwaway_keys(fake) == []
    assert "interrupted; the clean-up ran" in result.stderr


def test_a_429_on_the_generated_clients_put_stops_the_run(live: Live) -> None:
    fake = FakeAPI()
    fake.inject(status(429, b"", Retry_After="0"), method="PUT", at=2)
    result = live(fake, "--write")
    assert result.code == 1
    assert result.report["stopped"] == "rate_limited"
    assert result.findings["rate_limited"] == [{"operation": "PUT /api_keys/{uuid}", "retry_after": 0.0}]
    assert result.step("delete throwaway key (clean-up)")["outcome"] == "ok"
    assert throwaway_keys(fake) == []
    assert "stopped early (rate_limited)" in result.stderr


def test_a_report_that_cannot_be_written_is_an_error_after_the_summary(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("GEEKAI_SYSTEM_KEY", SYSTEM_KEY)
    (tmp_path / "report.json").mkdir()  # a directory where the file should go
    fake = FakeAPI()
    code = main(["--base-url", BASE_URL, "--report", str(tmp_path / "report.json")], transport=fake.mock_transport())
    out, err = capsys.readouterr()
    assert code == 1
    assert "# GeekAI admin API: live conformance" in out
    assert "the report could not be written" in err


def test_a_compressed_answer_is_validated_as_sent_and_read_by_the_client(live: Live) -> None:
    fake = FakeAPI()
    body = gzip.compress(json.dumps({"data": {"balance": 5}}).encode())
    fake.inject(Reply.raw(body, headers=(("Content-Encoding", "gzip"),)), route="/credit/balance")
    result = live(fake)
    assert result.findings["balance_shape"] == "wrapped"
    assert result.step("balance")["outcome"] == "ok"
    assert not [v for v in result.report["violations"] if v["operation"] == "GET /credit/balance"]


def test_a_compressed_answer_too_large_once_inflated_is_refused_not_inflated(live: Live) -> None:
    fake = FakeAPI()
    bomb = gzip.compress(b'{"balance": 1' + b" " * (9 * 1024 * 1024) + b"}")
    fake.inject(Reply.raw(bomb, headers=(("Content-Encoding", "gzip"),)), route="/credit/balance")
    result = live(fake)
    step = result.step("balance")
    assert step["outcome"] == "failed"
    assert "larger than" in step["detail"]
    assert result.findings["balance_shape"] == "other"
