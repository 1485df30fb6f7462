"""Each fault x each operation, sync and async, over real sockets.

Every case ends as documented: recovered within the retry budget, or one specific typed error.
A create that reached the server is never sent again, whatever the answer (429 and 503
included): exactly one POST, at most one key. Only a refused connection (nothing sent) is
retried. Across the whole matrix no log record, error text or returned object's repr shows a
secret.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import httpx
import pytest

from geekai_admin import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    AsyncGeekAIAdmin,
    CreatedKey,
    GeekAIAdmin,
    GeekAIError,
    InternalServerError,
    RateLimitError,
    RetryPolicy,
)
from tests.reliability.figures import FIGURES, LogCapture, exception_texts, find_leaks
from tests.support import fake_api
from tests.support.fake_api import (
    EXAMPLE_BALANCE,
    SYSTEM_KEY,
    FakeAPI,
    LoopbackServer,
    Reply,
    refused_port,
)

POLICY = RetryPolicy(max_retries=2, initial_delay=0.01, max_delay=0.05, max_retry_after=5.0)
"""Three attempts at most; waits of milliseconds; a Retry-After above 5 s is raised, not waited."""
TIMEOUT = httpx.Timeout(0.75, connect=1.0)
"""Below the fault server's 1.5 s slow answer, far above a loopback round trip."""
RENAMED = "renamed-under-fault"
SEEDED_KEYS = 2


class _Recovered:
    def __repr__(self) -> str:
        return "RECOVERED"


RECOVERED = _Recovered()
Expect = _Recovered | type[GeekAIError]


@dataclass(frozen=True)
class Fault:
    """A scripted misbehaviour of the route an operation writes to (or reads from).

    `attempts`: requests an idempotent operation sends to that route; `create_posts` and
    `create_keys`: POSTs that reach the server during a create, and keys it ends up making.
    """

    name: str
    """A fault of the fake API's vocabulary (tests.support.fake_api.FAULTS): the replies it injects."""
    idempotent: Expect
    create: Expect
    attempts: int
    create_posts: int
    create_keys: int
    overrides: Mapping[str, Expect] = field(default_factory=dict)
    refused: bool = False
    retry_after: float | None = None
    """The hint a RateLimitError must carry."""

    @property
    def replies(self) -> tuple[Reply, ...]:
        return fake_api.FAULTS[self.name]


FAULTS = [
    Fault("429_retry_after", RECOVERED, RateLimitError, 2, 1, 0, retry_after=0),
    Fault(
        "429_retry_after_ms",
        RECOVERED,
        RateLimitError,
        3,
        1,
        0,
        retry_after=0.005,
    ),
    Fault(
        "429_retry_after_too_long",
        RateLimitError,
        RateLimitError,
        1,
        1,
        0,
        retry_after=3600,
    ),
    Fault("503_burst", RECOVERED, InternalServerError, 3, 1, 0),
    Fault("503_over_budget", InternalServerError, InternalServerError, 3, 1, 0),
    Fault("500_502_burst", RECOVERED, InternalServerError, 3, 1, 0),
    Fault("504_503_500_over_budget", InternalServerError, InternalServerError, 3, 1, 0),
    Fault("html_502_page", RECOVERED, InternalServerError, 2, 1, 0),
    Fault("html_502_page_persistent", InternalServerError, InternalServerError, 3, 1, 0),
    Fault("reset_before_response", RECOVERED, APIConnectionError, 2, 1, 0),
    Fault("reset_after_processing", RECOVERED, APIConnectionError, 2, 1, 1),
    Fault("truncated_json_content_length", RECOVERED, APIConnectionError, 2, 1, 1),
    Fault(
        "truncated_json_at_close",
        APIResponseValidationError,
        APIResponseValidationError,
        1,
        1,
        1,
    ),
    Fault("slower_than_timeout", RECOVERED, APITimeoutError, 2, 1, 1),
    Fault(
        "200_not_json",
        APIResponseValidationError,
        APIResponseValidationError,
        1,
        1,
        1,
    ),
    Fault(
        "200_json_array",
        APIResponseValidationError,
        APIResponseValidationError,
        1,
        1,
        1,
    ),
    Fault(
        "200_wrong_shape_object",
        APIResponseValidationError,
        APIResponseValidationError,
        1,
        1,
        1,
        # An acknowledgement only has to be a JSON object: its content is not used.
        overrides={"update": RECOVERED, "delete": RECOVERED},
    ),
    Fault(
        "large_body_content_length",
        APIResponseValidationError,
        APIResponseValidationError,
        1,
        1,
        1,
    ),
    Fault(
        "large_body_chunked",
        APIResponseValidationError,
        APIResponseValidationError,
        1,
        1,
        1,
    ),
    Fault("connection_refused", APIConnectionError, APIConnectionError, 0, 0, 0, refused=True),
]


def test_the_matrix_covers_every_fault_of_the_fake_api() -> None:
    assert [fault.name for fault in FAULTS] == list(fake_api.FAULTS)


OPERATIONS = {
    # name: (method, route the fault is injected into, idempotent)
    "balance": ("GET", "/credit/balance"),
    "list": ("GET", "/api_keys"),
    "get": ("GET", "/api_keys/{uuid}"),
    "create": ("POST", "/api_keys"),
    "update": ("PUT", "/api_keys/{uuid}"),
    "delete": ("DELETE", "/api_keys/{uuid}"),
}


def _run_sync(operation: str, base_url: str, key: str) -> object:
    with GeekAIAdmin(SYSTEM_KEY, base_url=base_url, timeout=TIMEOUT, retry_policy=POLICY) as client:
        if operation == "balance":
            return client.balance()
        if operation == "list":
            return client.keys.list()
        if operation == "get":
            return client.keys.get(key)
        if operation == "create":
            return client.keys.create(name="made-under-fault", group="ha", credit_limit=250, expires="2030-01-31")
        if operation == "update":
            return client.keys.update(key, name=RENAMED)
        client.keys.delete(key)
        return None


async def _run_async(operation: str, base_url: str, key: str) -> object:
    async with AsyncGeekAIAdmin(SYSTEM_KEY, base_url=base_url, timeout=TIMEOUT, retry_policy=POLICY) as client:
        if operation == "balance":
            return await client.balance()
        if operation == "list":
            return await client.keys.list()
        if operation == "get":
            return await client.keys.get(key)
        if operation == "create":
            return await client.keys.create(name="made-under-fault", group="ha", credit_limit=250, expires="2030-01-31")
        if operation == "update":
            return await client.keys.update(key, name=RENAMED)
        await client.keys.delete(key)
        return None


def _run(mode: str, operation: str, base_url: str, key: str) -> object:
    if mode == "sync":
        return _run_sync(operation, base_url, key)
    return asyncio.run(_run_async(operation, base_url, key))


def _check_recovered(operation: str, fake: FakeAPI, key: str, result: object) -> None:
    """The result is right and the store shows the operation done, once."""
    if operation == "balance":
        assert getattr(result, "coins", None) == Decimal(str(EXAMPLE_BALANCE))
    elif operation == "list":
        assert isinstance(result, list)
        assert len(result) == SEEDED_KEYS
    elif operation == "get":
        assert getattr(result, "uuid", None) == key
    elif operation == "create":
        assert isinstance(result, CreatedKey)
        assert fake.has_key(result.uuid)
        assert result.secret == fake.secret_of(result.uuid)
        assert (result.name, result.group, result.credit_limit) == ("made-under-fault", "ha", Decimal(250))
    elif operation == "update":
        assert getattr(result, "name", None) == RENAMED
        assert fake.key(key)["name"] == RENAMED
    else:
        assert result is None
        assert not fake.has_key(key), "a delete that succeeded left the key in place"


def _check_error(fault: Fault, operation: str, fake: FakeAPI, key: str, error: GeekAIError) -> None:
    """Checks specific to the typed error a fault ends in."""
    if isinstance(error, RateLimitError):
        assert error.retry_after == fault.retry_after
    if isinstance(error, InternalServerError) and fault.name.startswith("html_502"):
        assert "502 Bad Gateway" in str(error)
        assert "<" not in str(error), "the HTML page leaked into the message"
    if isinstance(error, APIResponseValidationError):
        assert isinstance(error.body, str), "the raw body must stay readable on the error"
    if operation == "delete" and fault.create_keys:
        assert not fake.has_key(key), "the server processed the delete"


def _scan(captured: LogCapture, fake: FakeAPI, outcome: object, base_url: str) -> int:
    texts = list(captured.texts)
    assert texts, "no log record captured: the scan would prove nothing"
    if isinstance(outcome, BaseException):
        texts += exception_texts(outcome)
    else:
        texts += [repr(outcome), str(outcome)]
        items = outcome if isinstance(outcome, list) else [outcome]
        texts += [json.dumps(item.to_dict()) for item in items if hasattr(item, "to_dict")]
    with GeekAIAdmin(SYSTEM_KEY, base_url=base_url) as client:
        texts += [repr(client), str(client), repr(client._settings.endpoint)]
    FIGURES.texts_scanned += len(texts)
    leaks = find_leaks(texts, [SYSTEM_KEY, *fake.issued_secrets])
    FIGURES.secret_leaks += len(leaks)
    return len(leaks)


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("operation", list(OPERATIONS))
@pytest.mark.parametrize("fault", FAULTS, ids=lambda fault: fault.name)
def test_fault(
    fault: Fault, operation: str, mode: str, fault_server: LoopbackServer, captured_logs: LogCapture
) -> None:
    case = f"{fault.name}-{operation}-{mode}"
    FIGURES.faults.add(fault.name)
    FIGURES.cases[case] = False
    fake = fault_server.fake
    key = fake.reset(seeded=SEEDED_KEYS)[0]
    method, route = OPERATIONS[operation]
    if fault.replies:
        fake.inject(*fault.replies, method=method, route=route)
    expected = fault.overrides.get(operation, fault.create if operation == "create" else fault.idempotent)

    with refused_port() as dead_port:
        base_url = f"http://127.0.0.1:{dead_port}/api" if fault.refused else fault_server.base_url
        outcome: object
        try:
            outcome = _run(mode, operation, base_url, key)
        except GeekAIError as error:
            outcome = error

    created = fake.created
    if operation == "create":
        FIGURES.creates += 1
        FIGURES.duplicate_creates += max(0, created - 1)
    leaks = _scan(captured_logs, fake, outcome, fault_server.base_url)

    if expected is RECOVERED:
        assert not isinstance(outcome, BaseException), f"expected recovery, got {outcome!r}"
        _check_recovered(operation, fake, key, outcome)
    else:
        assert type(outcome) is expected, f"expected {expected}, got {outcome!r}"
        assert isinstance(outcome, GeekAIError)
        _check_error(fault, operation, fake, key, outcome)
    if operation == "create":
        assert fake.count("POST", "/api_keys") == fault.create_posts
        assert created == fault.create_keys, f"{created} keys created"
    else:
        assert fake.count(method, route) == fault.attempts
        assert created == 0
    if operation == "update":
        assert fake.count("GET", "/api_keys/{uuid}") == (0 if fault.refused else 1)
    assert leaks == 0
    FIGURES.cases[case] = True
    if expected is RECOVERED:
        FIGURES.recovered += 1
    else:
        FIGURES.typed_errors += 1


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_create_keeps_the_secret_when_the_answer_does_not_fit(
    mode: str, fault_server: LoopbackServer, captured_logs: LogCapture
) -> None:
    """A created key whose answer lacks its uuid: a typed error whose raw body holds the secret."""
    fake = fault_server.fake
    fake.inject(Reply("drop_field", body=b"uuid"), method="POST", route="/api_keys")
    with pytest.raises(APIResponseValidationError) as caught:
        _run(mode, "create", fault_server.base_url, "")
    secret = fake.issued_secrets[-1]
    assert secret in caught.value.body
    assert fake.count("POST", "/api_keys") == 1
    assert _scan(captured_logs, fake, caught.value, fault_server.base_url) == 0


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_create_is_retried_when_nothing_was_sent(mode: str, captured_logs: LogCapture) -> None:
    """Refused, then listening: the one retry-safe case for a create. Exactly one key is made."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    fake = FakeAPI()
    fake.reset(seeded=SEEDED_KEYS)
    server = LoopbackServer(fake)

    class ListenOnFirstRetry(logging.Handler):
        """Starts the server on the refused port when the client announces its first retry."""

        def emit(self, record: logging.LogRecord) -> None:
            if not server.port and "ConnectError" in record.getMessage():
                server.start(sock=sock)

    trigger = ListenOnFirstRetry(level=logging.DEBUG)
    logging.getLogger("geekai_admin").addHandler(trigger)
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}/api"
    try:
        result = _run(mode, "create", base_url, "")
    finally:
        logging.getLogger("geekai_admin").removeHandler(trigger)
        if server.port:
            server.stop()
        else:
            sock.close()
    assert isinstance(result, CreatedKey)
    assert fake.count("POST", "/api_keys") == 1
    assert fake.created == 1
    assert result.secret == fake.issued_secrets[-1]
    FIGURES.creates += 1
    FIGURES.duplicate_creates += max(0, fake.created - 1)
    assert _scan(captured_logs, fake, result, base_url) == 0
