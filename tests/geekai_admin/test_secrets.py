"""The system key and a created secret never reach a repr, an exception, or a log record."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from geekai_admin import GeekAIError
from geekai_admin._config import SystemKey
from geekai_admin._transport._http import Endpoint
from geekai_admin._transport._retry import RetryPolicy
from tests.geekai_admin.fakes import SECRET, SYSTEM_KEY, UUID, Driver, ok, scripted, texts
from tests.support.fake_api import key_record

SCENARIOS: dict[str, tuple[Any, list[Any]]] = {
    "create ok": (lambda c: c.keys.create(name="ci"), [ok({"data": key_record(raw_value=SECRET)})]),
    "create bad body": (lambda c: c.keys.create(name="ci"), [ok({"data": key_record(raw_value=SECRET, status=3)})]),
    "create 500": (lambda c: c.keys.create(name="ci"), [httpx.Response(500, text=f"echo {SYSTEM_KEY}")]),
    "create lost": (lambda c: c.keys.create(name="ci"), [httpx.ReadError(f"reset {SYSTEM_KEY}")]),
    "list 401": (lambda c: c.keys.list(), [httpx.Response(401, json={"message": f"bad {SYSTEM_KEY}"})]),
    "get retried": (lambda c: c.keys.get(UUID), [httpx.Response(503), ok({"data": key_record()})]),
    "balance timeout": (lambda c: c.balance(), [httpx.ReadTimeout("slow")]),
    "update": (lambda c: c.keys.update(UUID, name="n"), [ok({"data": key_record()}), ok({})]),
    "delete": (lambda c: c.keys.delete(UUID), [ok({})]),
    "request id echo": (
        lambda c: c.keys.get(UUID),
        [httpx.Response(500, json={"message": "boom"}, headers={"X-Request-Id": SYSTEM_KEY})],
    ),
    "key across the text cut": (lambda c: c.balance(), [httpx.Response(400, text="y" * 190 + SYSTEM_KEY)]),
    "key across the title cut": (
        lambda c: c.balance(),
        [httpx.Response(502, text=f"<html><title>{'t' * 190}{SYSTEM_KEY}</title></html>")],
    ),
    "key as a field value": (lambda c: c.balance(), [ok({"balance": SYSTEM_KEY})]),
    "key in a long field value": (lambda c: c.balance(), [ok({"balance": "v" * 40 + SYSTEM_KEY})]),
    "key in a created key's field": (
        lambda c: c.keys.create(name="ci"),
        [ok({"data": key_record(raw_value=SECRET, credit_used=f"used {SYSTEM_KEY}")})],
    ),
}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_no_secret_in_results_errors_or_logs(drive: Driver, scenario: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, httpx's included
    operation, answers = SCENARIOS[scenario]
    seen: list[object] = []

    def record(client: Any) -> Any:
        seen.append(client)
        return operation(client)

    try:
        seen.append(drive(scripted(*answers), record))
    except GeekAIError as error:
        seen.extend([error, error.__cause__, error.__context__])
    shown = texts(seen) + "\n" + "\n".join(f"{r.getMessage()} {r.args}" for r in caplog.records)
    assert SYSTEM_KEY not in shown
    assert SECRET not in shown


def test_the_system_key_wrapper_never_shows_its_value() -> None:
    key = SystemKey(SYSTEM_KEY)
    assert SYSTEM_KEY not in f"{key} {key!r} {key!s} {key:>10}"
    assert key.reveal() == SYSTEM_KEY
    with pytest.raises(TypeError, match="cannot be pickled"):
        key.__reduce__()


def test_the_endpoint_repr_hides_the_key() -> None:
    endpoint = Endpoint("https://geekai.co/api", SystemKey(SYSTEM_KEY), RetryPolicy(), {})
    assert SYSTEM_KEY not in repr(endpoint)
