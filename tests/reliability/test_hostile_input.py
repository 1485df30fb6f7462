"""Hostile input: each value is refused with an error naming its field, and nothing is sent.

The fake API's loopback server counts connections as well as requests: a refused input must not even open
a connection.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import math
import re
from decimal import Decimal
from typing import Any

import httpx
import pytest

from geekai_admin import (
    ApiKey,
    APIResponseValidationError,
    AsyncGeekAIAdmin,
    ConfigurationError,
    GeekAIAdmin,
    GeekAIError,
    InternalServerError,
    InvalidInputError,
    RetryPolicy,
    ops,
)
from tests.reliability.figures import FIGURES, LogCapture, exception_texts, find_leaks
from tests.support.fake_api import SYSTEM_KEY, LoopbackServer, Reply, key_record

UUID = "123e4567-e89b-12d3-a456-426614174000"
HUGE = "a" * 1_000_000

HOSTILE_UUIDS: list[object] = [
    "../x",
    "a/b",
    "%2e%2e",
    "..",
    "%2F",
    "",
    " ",
    "ключ",
    "\uff11\uff12\uff13e4567-e89b-12d3-a456-426614174000",  # fullwidth digits
    UUID + "\n",
    UUID + "/../../credit/balance",
    UUID + "?uuid=x",
    UUID + "#x",
    UUID + "%00",
    "{" + UUID + "}",
    "urn:uuid:" + UUID,
    UUID.replace("-", ""),
    HUGE,
    None,
    123,
    1.5,
    UUID.encode(),
    [UUID],
    ApiKey(uuid="../x", name="n", group="balance"),
]
HOSTILE_NAMES: list[object] = ["", "   ", "a" * 256, HUGE, "x\x00y", "line\nbreak", "del\x7f", "tab\t", None, 7, ["a"]]
HOSTILE_GROUPS: list[object] = ["BALANCE", "balance ", "", "../x", "均衡", None, 1]
HOSTILE_LIMITS: list[object] = [
    math.nan,
    math.inf,
    -math.inf,
    "NaN",
    "Infinity",
    "-1",
    -1,
    -0.01,
    10**13,
    10**400,
    10**5000,
    "-" + "9" * 5000,
    "1e400",
    Decimal("NaN"),
    Decimal("sNaN"),
    Decimal("-Infinity"),
    "0.1234567890123456",  # more digits than the API's number carries
    "abc",
    "",
    "1,000",
    True,
    [1],
    {},
    complex(1, 0),
]
HOSTILE_DATES: list[object] = [
    "2030/01/31",
    "31-01-2030",
    "2030-13-01",
    "2030-02-30",
    "20300131",
    "2030-01-31T00:00:00",
    datetime.datetime(2030, 1, 31, tzinfo=datetime.UTC),
    "\uff12\uff10\uff13\uff10-\uff10\uff11-\uff13\uff11",  # fullwidth digits
    " 2030-01-31",
    "2030-01-31\n",
    "0000-01-01",
    "2030-1-1",
    "tomorrow",
    "",
    20300131,
    1.5,
]


Case = tuple[str, str, str, tuple[object, ...], dict[str, object]]
"""(case id, field the error must name, method of client.keys, its arguments, its keywords)"""


def _calls() -> list[Case]:
    cases: list[Case] = []
    for n, value in enumerate(HOSTILE_UUIDS):
        cases += [
            (f"get-uuid-{n}", "uuid", "get", (value,), {}),
            (f"delete-uuid-{n}", "uuid", "delete", (value,), {}),
            (f"update-uuid-{n}", "uuid", "update", (value,), {"name": "fine"}),
        ]
    for field, values in (
        ("name", HOSTILE_NAMES),
        ("group", HOSTILE_GROUPS),
        ("credit_limit", HOSTILE_LIMITS),
        ("expires", HOSTILE_DATES),
    ):
        for n, value in enumerate(values):
            create_keywords = {"name": "ok", field: value}
            cases += [
                (f"create-{field}-{n}", field, "create", (), create_keywords),
                (f"update-{field}-{n}", field, "update", (UUID,), {field: value}),
            ]
    cases.append(("update-nothing", "update", "update", (UUID,), {}))
    return cases


CALLS = _calls()

CONFIGS: list[tuple[str, str, dict[str, Any]]] = [
    # (case id, word the error must contain, constructor arguments replacing the good ones)
    ("base_url-http-public-host", "base_url", {"base_url": "http://example.com/api"}),
    ("base_url-http-private-ip", "base_url", {"base_url": "http://10.0.0.1/api"}),
    ("base_url-http-unspecified", "base_url", {"base_url": "http://0.0.0.0/api"}),
    ("base_url-http-localhost-prefix", "base_url", {"base_url": "http://localhost.evil.example/api"}),
    ("base_url-http-loopback-lookalike", "base_url", {"base_url": "http://127.0.0.1.nip.io/api"}),
    ("base_url-http-decimal-ip", "base_url", {"base_url": "http://2130706433/api"}),
    ("base_url-http-userinfo-trick", "base_url", {"base_url": "http://127.0.0.1@evil.example/api"}),
    ("base_url-http-fragment-trick", "base_url", {"base_url": "http://evil.example#@127.0.0.1/api"}),
    ("base_url-http-dot-localhost", "base_url", {"base_url": "http://api.localhost/api"}),
    ("base_url-empty-query", "base_url", {"base_url": "https://geekai.co/api?"}),
    ("base_url-empty-fragment", "base_url", {"base_url": "https://geekai.co/api#"}),
    ("deadline-zero", "deadline", {"deadline": 0}),
    ("deadline-nan", "deadline", {"deadline": math.nan}),
    ("base_url-credentials", "base_url", {"base_url": "https://user:pw@geekai.co/api"}),
    ("base_url-query", "base_url", {"base_url": "https://geekai.co/api?x=1"}),
    ("base_url-ftp", "base_url", {"base_url": "ftp://geekai.co/api"}),
    ("base_url-javascript", "base_url", {"base_url": "javascript:alert(1)"}),
    ("base_url-no-scheme", "base_url", {"base_url": "geekai.co/api"}),
    ("base_url-empty", "base_url", {"base_url": ""}),
    ("base_url-not-a-string", "base_url", {"base_url": 443}),
    ("region-unknown", "region", {"region": "mars"}),
    ("api_key-empty", "system key", {"api_key": ""}),
    ("api_key-blank", "system key", {"api_key": "   "}),
    ("api_key-inner-space", "system key", {"api_key": "sk-abc def"}),
    ("api_key-line-break", "system key", {"api_key": "sk-abc\r\nX-Injected: 1"}),
    ("api_key-nul", "system key", {"api_key": "sk-abc\x00"}),
    ("api_key-unicode", "system key", {"api_key": "sk-ключ"}),
    ("api_key-not-a-string", "api_key", {"api_key": 12345}),
    ("timeout-nan", "timeout", {"timeout": math.nan}),
    ("timeout-inf", "timeout", {"timeout": math.inf}),
    ("timeout-negative", "timeout", {"timeout": -1}),
    ("timeout-zero", "timeout", {"timeout": 0}),
    ("timeout-string", "timeout", {"timeout": "5"}),
    ("timeout-bool", "timeout", {"timeout": True}),
    ("timeout-none", "timeout", {"timeout": None}),
    ("timeout-unbounded-read", "timeout", {"timeout": httpx.Timeout(5.0, read=None)}),
    ("max_retries-negative", "max_retries", {"max_retries": -1}),
    ("max_retries-fraction", "max_retries", {"max_retries": 1.5}),
    ("max_retries-bool", "max_retries", {"max_retries": True}),
    ("max_retries-string", "max_retries", {"max_retries": "2"}),
    ("headers-authorization", "Authorization", {"default_headers": {"authorization": "Bearer other"}}),
    ("headers-crlf-value", "default_headers", {"default_headers": {"X-Tag": "a\r\nAuthorization: Bearer x"}}),
    ("headers-crlf-name", "default_headers", {"default_headers": {"X-Tag\r\nX-Other": "a"}}),
    ("headers-unicode-value", "default_headers", {"default_headers": {"X-Tag": "ключ"}}),
    ("headers-empty-name", "default_headers", {"default_headers": {"": "a"}}),
    ("client-and-transport", "http_client", {"http_client": "client", "transport": "transport"}),
]


def _assert_nothing_sent(server: LoopbackServer) -> None:
    sent = server.fake.count() + server.connections_accepted
    FIGURES.bad_input_requests += sent
    assert sent == 0, f"{server.fake.count()} request(s), {server.connections_accepted} connection(s) for hostile input"


def _assert_no_leak(captured: LogCapture, error: BaseException) -> None:
    leaks = find_leaks([*captured.texts, *exception_texts(error)], [SYSTEM_KEY])
    FIGURES.secret_leaks += len(leaks)
    assert not leaks


def _call(mode: str, base_url: str, method: str, args: tuple[object, ...], keywords: dict[str, object]) -> object:
    if mode == "sync":
        with GeekAIAdmin(SYSTEM_KEY, base_url=base_url) as client:
            return getattr(client.keys, method)(*args, **keywords)

    async def run() -> object:
        async with AsyncGeekAIAdmin(SYSTEM_KEY, base_url=base_url) as client:
            return await getattr(client.keys, method)(*args, **keywords)

    return asyncio.run(run())


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(("field", "method", "args", "keywords"), [c[1:] for c in CALLS], ids=[c[0] for c in CALLS])
def test_hostile_argument(
    field: str,
    method: str,
    args: tuple[object, ...],
    keywords: dict[str, object],
    mode: str,
    fault_server: LoopbackServer,
    captured_logs: LogCapture,
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        _call(mode, fault_server.base_url, method, args, keywords)
    error = caught.value
    assert error.field == field
    assert str(error).startswith(f"{field}: ")
    assert len(str(error)) < 300, "the message must stay readable, whatever the input's size"
    _assert_nothing_sent(fault_server)
    _assert_no_leak(captured_logs, error)
    FIGURES.bad_inputs += 1


@pytest.mark.parametrize(("word", "overrides"), [(w, o) for _, w, o in CONFIGS], ids=[i for i, _, _ in CONFIGS])
def test_hostile_setting(
    word: str,
    overrides: dict[str, Any],
    fault_server: LoopbackServer,
    captured_logs: LogCapture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("GEEKAI_SYSTEM_KEY", "GEEKAI_BASE_URL", "GEEKAI_REGION"):
        monkeypatch.delenv(name, raising=False)
    arguments: dict[str, Any] = {"api_key": SYSTEM_KEY, "base_url": fault_server.base_url, **overrides}
    if "region" in overrides:
        del arguments["base_url"]
    for client_class in (GeekAIAdmin, AsyncGeekAIAdmin):
        with pytest.raises(ConfigurationError) as caught:
            client_class(**arguments)
        error = caught.value
        assert isinstance(error, GeekAIError)
        assert word in str(error)
        assert len(str(error)) < 400
        _assert_no_leak(captured_logs, error)
    _assert_nothing_sent(fault_server)
    FIGURES.bad_inputs += 1


# --- hostile answers: a typed error naming the problem, bounded output, no stray write -------------

_NUMBER = "__number__"
_SEVEN_MIB = 7 * 1024 * 1024


def _with_number(payload: object, number: str) -> bytes:
    return json.dumps(payload).replace(f'"{_NUMBER}"', number).encode()


def _listing_with(field: str, literal: str) -> Reply:
    return Reply.raw(_with_number({"data": [key_record(uuid=UUID, **{field: _NUMBER})]}, literal))


HOSTILE_ANSWERS: list[tuple[str, Reply, str, type[GeekAIError], str]] = [
    # (case id, the answer, client method, the error, a pattern its message must match)
    ("balance-1e100000000", Reply.raw(b'{"balance": 1e100000000}'), "balance", APIResponseValidationError, "'balance'"),
    ("balance-minus-huge", Reply.raw(b'{"balance": -1e100000000}'), "balance", APIResponseValidationError, "'balance'"),
    ("balance-tiny", Reply.raw(b'{"balance": 1e-100000000}'), "balance", APIResponseValidationError, "'balance'"),
    (
        "list-credit_used-huge",
        _listing_with("credit_used", "1e100000000"),
        "list",
        APIResponseValidationError,
        "'credit_used'",
    ),
    (
        "list-credit_limit-1e5000",
        _listing_with("credit_limit", "1e5000"),
        "list",
        APIResponseValidationError,
        "'credit_limit'",
    ),
    (
        "list-extra-nested-330",
        _listing_with("x", "[" * 330 + "]" * 330),
        "list",
        APIResponseValidationError,
        "'x' nests",
    ),
    (
        "list-extra-nested-1000",
        _listing_with("x", "[" * 990 + "]" * 990),
        "list",
        APIResponseValidationError,
        # Past the JSON parser's own depth (Python 3.11's counts the stack in use), or refused after it.
        r"response is not JSON|field 'x' nests",
    ),
    (
        "error-message-7MiB",
        Reply.json({"message": "m" * _SEVEN_MIB}, 500),
        "balance",
        InternalServerError,
        re.escape(f"({_SEVEN_MIB - 200} more characters not shown)"),
    ),
]


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(
    ("reply", "method", "expected", "says"), [c[1:] for c in HOSTILE_ANSWERS], ids=[c[0] for c in HOSTILE_ANSWERS]
)
def test_hostile_answer(
    reply: Reply,
    method: str,
    expected: type[GeekAIError],
    says: str,
    mode: str,
    fault_server: LoopbackServer,
    captured_logs: LogCapture,
) -> None:
    fault_server.fake.inject(reply, times=None)
    target = "client" if method == "balance" else "keys"

    def call(client: Any) -> Any:
        return getattr(client if target == "client" else client.keys, method)()

    try:
        _run(mode, fault_server.base_url, call, retry_policy=RetryPolicy(max_retries=0))
    except GeekAIError as caught:
        error: BaseException = caught
    except BaseException as caught:  # decimal.Overflow, RecursionError, ...: counted, then failed
        FIGURES.hostile_answers_untyped += 1
        raise AssertionError(f"an untyped {type(caught).__name__}") from caught
    else:
        pytest.fail("the hostile answer was accepted")
    assert type(error) is expected
    assert re.search(says, str(error)), str(error)
    assert len(str(error)) < 400
    _assert_no_leak(captured_logs, error)
    FIGURES.hostile_answers += 1


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("method", ["rotate", "update", "get"])
def test_a_read_answering_with_another_key_writes_nothing(mode: str, method: str, fault_server: LoopbackServer) -> None:
    fake = fault_server.fake
    named = fake.seed(name="named", group="ha", credit_limit=5)
    other = fake.seed(name="other", group="ha", credit_limit=5)
    fake.inject(Reply.json({"data": fake.key(other.uuid)}), method="GET", uuid=named.uuid, times=None)
    arguments: dict[str, Any] = {"name": "renamed"} if method == "update" else {}
    with pytest.raises(APIResponseValidationError, match=f"should be {named.uuid}, the key asked for"):
        _run(mode, fault_server.base_url, _operation(method, named.uuid, arguments))
    stray = [entry for entry in fake.log if entry.is_write and entry.uuid != named.uuid]
    FIGURES.wrong_key_writes += len(stray)
    FIGURES.hostile_answers += 1
    assert stray == []
    assert fake.writes == 0
    assert fake.has_key(other.uuid)


def _operation(method: str, uuid: str, arguments: dict[str, Any]) -> Any:
    if method == "rotate":
        return lambda c: ops.rotate(c, uuid, on_created=lambda new: None)
    return lambda c: getattr(c.keys, method)(uuid, **arguments)


def _run(mode: str, base_url: str, operation: Any, **settings: Any) -> object:
    if mode == "sync":
        with GeekAIAdmin(SYSTEM_KEY, base_url=base_url, **settings) as client:
            return operation(client)

    async def run() -> object:
        async with AsyncGeekAIAdmin(SYSTEM_KEY, base_url=base_url, **settings) as client:
            return await operation(client)

    return asyncio.run(run())
