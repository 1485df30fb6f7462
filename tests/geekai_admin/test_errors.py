"""Error statuses become typed exceptions, whatever the body looks like."""

from __future__ import annotations

import multiprocessing
import pickle
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import httpx
import pytest

from geekai_admin import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    GeekAIAdmin,
    GeekAIError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RotationError,
    ops,
)
from tests.geekai_admin.fakes import BASE_URL, SYSTEM_KEY, UUID, Driver, scripted
from tests.support.fake_api import FakeAPI, Reply, secrets_of

NO_RETRY: dict[str, Any] = {"retry_policy": None, "max_retries": 0}


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (413, BadRequestError),
        (418, APIStatusError),
        (422, BadRequestError),
        (429, RateLimitError),
        (500, InternalServerError),
        (502, InternalServerError),
        (503, InternalServerError),
        (520, InternalServerError),
        (599, InternalServerError),
        (302, APIStatusError),
    ],
)
def test_each_status_maps_to_its_exception(drive: Driver, status: int, cls: type[APIStatusError]) -> None:
    server = scripted(httpx.Response(status, json={"code": "c", "message": "m"}))
    with pytest.raises(cls) as caught:
        drive(server, lambda c: c.keys.get(UUID), **NO_RETRY)
    error = caught.value
    assert type(error) is cls
    assert isinstance(error, GeekAIError)
    assert error.status_code == status
    assert error.response.status_code == status
    assert (error.code, error.message) == ("c", "m")
    assert str(error) == f"HTTP {status} [c] m"


@pytest.mark.parametrize(
    ("answer", "code", "message"),
    [
        (
            httpx.Response(401, json={"code": "unauthorized", "message": "Invalid API key"}),
            "unauthorized",
            "Invalid API key",
        ),
        (httpx.Response(401, json={}), None, "Unauthorized"),
        (httpx.Response(500, json={"code": 5001, "message": "db down"}), "5001", "db down"),
        (httpx.Response(400, json={"error": {"code": "bad", "message": "name taken"}}), "bad", "name taken"),
        (httpx.Response(400, json={"error": "name taken"}), None, "name taken"),
        (httpx.Response(400, json=["x"]), None, '["x"]'),
        (
            httpx.Response(
                502,
                text="<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
                headers={"content-type": "text/html"},
            ),
            None,
            "502 Bad Gateway",
        ),
        (httpx.Response(502, text="<html><body>oops</body></html>"), None, "Bad Gateway (HTML body)"),
        (
            httpx.Response(503, text="upstream   connect error\nor disconnect"),
            None,
            "upstream connect error or disconnect",
        ),
        (httpx.Response(504, text=""), None, "Gateway Timeout"),
        (httpx.Response(520, text=""), None, "error"),
        # Cut, saying how much was left out.
        (httpx.Response(500, text="x" * 5000), None, "x" * 200 + "... (4800 more characters not shown)"),
        (
            httpx.Response(500, text="[" * 100_000 + "]" * 100_000),
            None,
            "[" * 200 + "... (199800 more characters not shown)",
        ),
        (
            httpx.Response(500, json={"message": "m" * 7 * 1024 * 1024}),
            None,
            "m" * 200 + f"... ({7 * 1024 * 1024 - 200} more characters not shown)",
        ),
        (
            httpx.Response(400, json={"code": "c" * 100, "message": "m"}),
            "c" * 60 + "... (40 more characters not shown)",
            "m",
        ),
        # An error message nested past what repr() can follow is described, not printed.
        (
            httpx.Response(500, text='{"message": ' + "[" * 900 + "]" * 900 + "}"),
            None,
            "(a JSON list nested more than 32 levels deep)",
        ),
    ],
)
def test_error_bodies_of_every_shape_give_a_clear_message(
    drive: Driver, answer: httpx.Response, code: str | None, message: str
) -> None:
    with pytest.raises(APIStatusError) as caught:
        drive(scripted(answer), lambda c: c.balance(), **NO_RETRY)
    assert caught.value.code == code
    assert caught.value.message == message


def test_the_request_id_is_exposed(drive: Driver) -> None:
    server = scripted(httpx.Response(404, json={"message": "no such key"}, headers={"X-Request-Id": "req-42"}))
    with pytest.raises(NotFoundError) as caught:
        drive(server, lambda c: c.keys.get(UUID))
    assert caught.value.request_id == "req-42"
    assert str(caught.value) == "HTTP 404 no such key (request id req-42)"


def test_rate_limit_carries_the_servers_hint(drive: Driver) -> None:
    server = scripted(httpx.Response(429, json={"message": "slow down"}, headers={"Retry-After": "7"}))
    with pytest.raises(RateLimitError) as caught:
        drive(server, lambda c: c.keys.list(), **NO_RETRY)
    assert caught.value.retry_after == 7.0


def test_a_server_that_echoes_the_key_never_gets_it_into_the_exception(drive: Driver) -> None:
    echo = {"code": f"bad key {SYSTEM_KEY}", "message": f"Authorization: Bearer {SYSTEM_KEY} rejected"}
    with pytest.raises(AuthenticationError) as caught:
        drive(scripted(httpx.Response(401, json=echo)), lambda c: c.balance())
    assert SYSTEM_KEY not in str(caught.value)
    assert SYSTEM_KEY not in repr(caught.value)
    assert caught.value.message == "Authorization: Bearer <system key> rejected"
    assert caught.value.code == "bad key <system key>"


def test_json_nested_past_the_parsers_depth_is_not_json(drive: Driver) -> None:
    deep = httpx.Response(200, text='{"balance": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(APIResponseValidationError, match="response is not JSON"):
        drive(scripted(deep), lambda c: c.balance(), **NO_RETRY)


# --- pickling: an error crosses a process boundary without its secrets -----------------------


def _raise_not_found_in_a_worker() -> None:
    """Runs in a ProcessPoolExecutor's worker: a call through the one fake API that fails with a 404."""
    with GeekAIAdmin(SYSTEM_KEY, base_url=BASE_URL, transport=FakeAPI().mock_transport()) as client:
        client.keys.get(UUID)


def test_an_error_raised_in_a_worker_process_reaches_the_parent_whole() -> None:
    # Before: the error carried the request (Authorization: Bearer <key>) and could not be rebuilt
    # from its args, so the pool broke (BrokenProcessPool) instead of raising it.
    with pytest.raises(NotFoundError) as here:
        _raise_not_found_in_a_worker()
    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter: the error really crosses over
    with ProcessPoolExecutor(1, mp_context=spawn) as pool, pytest.raises(NotFoundError) as there:
        pool.submit(_raise_not_found_in_a_worker).result()
    assert str(there.value) == str(here.value)
    assert (there.value.status_code, there.value.code, there.value.message) == (404, "not_found", "API key not found")


def _created_but_unreadable(client: Any) -> Any:
    return client.keys.create(name="ci")


PICKLED_FAILURES: list[tuple[str, Reply, Callable[[Any], Any]]] = [
    ("status", Reply.json({"code": "nope", "message": "no"}, 403), lambda c: c.balance()),
    ("connection", Reply.raising(httpx.ConnectError("refused")), lambda c: c.balance()),
    ("timeout", Reply("slow"), lambda c: c.keys.list()),
    # A create whose answer lacks a field: the body (and so the error's response) holds the secret.
    ("validation", Reply("drop_field", body=b"uuid"), _created_but_unreadable),
]


@pytest.mark.parametrize(
    ("reply", "operation"), [c[1:] for c in PICKLED_FAILURES], ids=[c[0] for c in PICKLED_FAILURES]
)
def test_a_pickled_error_holds_no_secret_and_unpickles_to_the_same_error(
    drive: Driver, reply: Reply, operation: Callable[[Any], Any]
) -> None:
    fake = FakeAPI()
    fake.inject(reply, times=None)
    with pytest.raises((APIStatusError, APIConnectionError, APIResponseValidationError)) as caught:
        drive(fake, operation, **NO_RETRY)
    error = caught.value
    assert isinstance(error, APIStatusError | APIConnectionError | APIResponseValidationError)
    pickled = pickle.dumps(error)
    for secret in secrets_of(fake):
        assert secret.encode() not in pickled
    again = pickle.loads(pickled)
    assert type(again) is type(error)
    assert (str(again), again.args) == (str(error), error.args)
    assert again.message == error.message
    if isinstance(again, APIConnectionError):
        assert again.request is None  # its headers hold the system key
    else:
        assert not isinstance(error, APIConnectionError)
        assert again.response.status_code == error.response.status_code
        assert again.response.content == b""  # the body stays behind: a create's holds the secret


def test_a_pickled_rotation_error_keeps_the_new_key_but_not_its_secret(drive: Driver) -> None:
    fake = FakeAPI()
    old = fake.seed(name="ci", group="ha")
    fake.inject(Reply.json({"code": "boom", "message": "down"}, 500), method="DELETE", times=None)
    with pytest.raises(RotationError) as caught:
        drive(fake, lambda c: ops.rotate(c, old.uuid, on_created=lambda new: None), **NO_RETRY)
    assert caught.value.new is not None
    again = pickle.loads(pickle.dumps(caught.value))
    assert (type(again), str(again), again.step) == (RotationError, str(caught.value), "delete")
    assert again.new == caught.value.new.key()
    assert not hasattr(again.new, "secret")
