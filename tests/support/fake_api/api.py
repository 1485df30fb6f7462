"""The fake GeekAI admin API itself: a key store, behaviour knobs, injected faults, a request log.

It knows nothing of sockets or httpx: `handle()` takes a request's method, target, headers and
body and returns a `Plan` (what to send, or which wire fault to commit). The adapters
(`mock.py`, `server.py`) carry the plan out. Every method is thread-safe: the loopback server
answers from its own thread while the test reads the log.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import random
import re
import secrets
import socket
import threading
import uuid as uuid_module
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final, Literal

import httpx

from tests.support.fake_api import mock, server
from tests.support.fake_api.bodies import allowed_methods, body_problem
from tests.support.fake_api.faults import Reply
from tests.support.fake_api.records import (
    EXAMPLE_BALANCE,
    SYSTEM_KEY,
    UNAUTHORIZED_BODY,
    UPDATE_DEFAULTS,
    group_record,
    key_record,
    masked,
)

__all__ = [
    "ABSENT",
    "INVALID_REQUEST_STATUS",
    "WRITE_METHODS",
    "Absent",
    "FakeAPI",
    "Injection",
    "Logged",
    "Plan",
    "SeededKey",
    "route_of",
    "secrets_of",
]


class Absent:
    """A knob value: leave the field out of the answer altogether."""

    _instance: Absent | None = None

    def __new__(cls) -> Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Final = Absent()
EmptyShape = Literal[""] | None | Absent
"""How an empty date goes out: the empty string, JSON null, or no field at all."""
PutOmitted = Literal["keep", "reset"] | Mapping[str, Literal["keep", "reset"]]
"""What a PUT does to the fields it omits: all kept, all reset, or per field."""
WRITE_METHODS: Final = frozenset({"POST", "PUT", "DELETE"})
_ROUTE = re.compile(r"(/api_keys)(?:/([^/]*))?$|/credit/balance$")
_NOT_FOUND: Final = {"code": "not_found", "message": "API key not found"}
INVALID_REQUEST_STATUS: Final = 422
"""The fake's answer to a body the spec refuses, with {"code": "invalid_request", "message": why}.
The docs name no status for it: an open question of codegen/SPEC_NOTES.md, which the live run's
--write lifecycle answers for the real API."""
_EMPTY_DATES: Final = ("expired_at", "last_used_at", "created_at")
TRICKLE_SECONDS: Final = 0.5
"""The default gap between the bytes of a "trickle" answer (its body's, or its head's for "trickle_head")."""


def route_of(target: str) -> tuple[str, str | None]:
    """The route of a request target and the key uuid in it: ("/api_keys/{uuid}", "..."), etc.

    Whatever precedes the API's paths (`/api`, or nothing) is ignored, as is the query.
    """
    path = target.split("?", 1)[0].split("#", 1)[0]
    match = _ROUTE.search(path)
    if match is None:
        return path, None
    if match.group(1) is None:
        return "/credit/balance", None
    if match.group(2) is None:
        return "/api_keys", None
    return "/api_keys/{uuid}", match.group(2)


@dataclass(slots=True)
class Logged:
    """One request as the fake saw it. `status` is None when no answer was sent (reset, raise)."""

    method: str
    path: str
    route: str
    uuid: str | None
    headers: dict[str, str]
    """Names in lower case."""
    body: bytes
    auth: Literal["system", "wrong", "missing"]
    """Whether the Authorization header carried the fake's system key: check this, not the header."""
    status: int | None = None
    action: str = "ok"
    url: str = ""
    """The full URL the client asked for (scheme and host from the adapter, or the Host header)."""

    @property
    def is_write(self) -> bool:
        return self.method in WRITE_METHODS

    def json(self) -> Any:
        return json.loads(self.body)

    def __repr__(self) -> str:  # never the headers: they hold the system key
        return f"Logged({self.method} {self.path} -> {self.status})"


@dataclass(slots=True)
class Injection:
    """Replies for the requests that match; see `FakeAPI.inject`. `hits`: requests it answered."""

    replies: tuple[Reply, ...]
    method: str | None
    route: str | None
    uuid: str | None
    at: int
    times: int | None
    prefix: str | None = None
    seen: int = 0
    hits: int = 0

    def matches(self, method: str, route: str, key_uuid: str | None, path: str) -> bool:
        return (
            (self.method is None or self.method == method)
            and (self.route is None or self.route == route)
            and (self.uuid is None or self.uuid == key_uuid)
            and (self.prefix is None or path.startswith(self.prefix))
        )

    @property
    def spent(self) -> bool:
        return self.times is not None and self.hits >= self.times

    def take(self) -> Reply | None:
        """Count one matching request; the reply for it, or None before `at` and once spent."""
        self.seen += 1
        if self.seen < self.at or self.spent:
            return None
        reply = self.replies[min(self.hits, len(self.replies) - 1)]
        self.hits += 1
        return reply


@dataclass(frozen=True, slots=True)
class Plan:
    """What an adapter does for one request: the reply's action with the answer to send."""

    reply: Reply
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = field(default=())
    delay: float = 0.0
    """Seconds before answering; for "trickle", between the body's bytes; for "trickle_head", the head's."""


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


class FakeAPI:
    """One fake GeekAI admin API: the state and rules; served by `mock_transport()` or `serve()`.

    Knobs (constructor keywords, also plain attributes to change later):
      balance: the coins `GET /credit/balance` reports (any JSON value, to test odd ones);
      balance_shape: "flat" `{"balance": n}` or "wrapped" `{"data": {"balance": n}}`;
      put_omitted: "keep" (a PUT changes only the fields it sends) or "reset" (omitted fields
        take the spec's defaults: name "default", group balance, no limit, no expiry), or a
        mapping of field to "keep"/"reset" (fields not named keep), e.g. {"expired_at": "reset"};
      no_expiry / never_used / not_reported: how an empty expired_at / last_used_at / created_at
        goes out: "" , None (JSON null) or ABSENT (no field);
      not_found / unauthorized: (status, JSON body) for an unknown uuid / a wrong system key;
      system_key: the key it accepts; slow_seconds: how long a "slow" answer is held;
      seed: the seed of `inject_randomly`;
      log_requests: False keeps no log (a long-running server, e.g. the benchmark's): then
        `log`, `count()`, `writes` and `calls` stay empty;
      clock: the time a created key's created_at records (a function returning an aware datetime;
        written in ISO 8601 with its offset, as the spec's example).
    """

    def __init__(
        self,
        *,
        balance: Any = EXAMPLE_BALANCE,
        balance_shape: Literal["flat", "wrapped"] = "flat",
        put_omitted: PutOmitted = "keep",
        no_expiry: EmptyShape = "",
        never_used: EmptyShape = "",
        not_reported: EmptyShape = "",
        not_found: tuple[int, Any] = (404, _NOT_FOUND),
        unauthorized: tuple[int, Any] = (401, UNAUTHORIZED_BODY),
        system_key: str = SYSTEM_KEY,
        slow_seconds: float = 1.5,
        seed: int = 6,
        log_requests: bool = True,
        clock: Callable[[], datetime.datetime] = lambda: datetime.datetime.now(datetime.UTC),
    ) -> None:
        self.clock = clock
        self.balance = balance
        self.balance_shape = balance_shape
        self.put_omitted = put_omitted
        self.no_expiry = no_expiry
        self.never_used = never_used
        self.not_reported = not_reported
        self.not_found = not_found
        self.unauthorized = unauthorized
        self.system_key = system_key
        self.slow_seconds = slow_seconds
        self.log_requests = log_requests
        self._random = random.Random(seed)
        self._lock = threading.RLock()
        self.issued_secrets: list[str] = []
        """Every secret the fake ever handed out (kept across reset(), for secret scans)."""
        self.reset()

    # --- state ---------------------------------------------------------------------------------

    def reset(self, *, seeded: int = 0) -> list[str]:
        """Empty the store, the log, the counters and the injections; seed `seeded` keys; their uuids."""
        with self._lock:
            self.keys: dict[str, dict[str, Any]] = {}
            self._secrets: dict[str, str] = {}
            self.log: list[Logged] = []
            self.created = 0
            """Keys made by POST /api_keys (seeded ones are not counted)."""
            self.injected = 0
            """Requests answered by an injection rather than normally."""
            self._injections: list[Injection] = []
            self._random_fault: tuple[float, Reply] | None = None
        return [self.seed(name=f"seed-{n}", group="balance", last_used_at="").uuid for n in range(seeded)]

    def seed(self, *, uuid: str | None = None, secret: str | None = None, **fields: Any) -> SeededKey:
        """Put a key in the store; returns its uuid and secret.

        `fields`: any key field (name, group as a name, credit_limit, credit_used, expired_at,
        last_used_at, created_at, expired, status, value, ...); the rest are the spec's examples,
        `value` the secret masked. An `expired_at`, `last_used_at` or `created_at` of "", None or
        ABSENT means empty: served as the knobs say.
        """
        key_uuid = uuid or str(uuid_module.uuid4())
        key_secret = secret or _new_secret()
        for name in _EMPTY_DATES:
            if name in fields and (fields[name] is None or fields[name] is ABSENT):
                fields[name] = ""
        fields.setdefault("value", masked(key_secret))
        record = key_record(uuid=key_uuid, **fields)
        with self._lock:
            self.keys[key_uuid] = record
            self._secrets[key_uuid] = key_secret
        return SeededKey(key_uuid, key_secret)

    def has_key(self, key_uuid: str) -> bool:
        with self._lock:
            return key_uuid in self.keys

    def key(self, key_uuid: str) -> dict[str, Any]:
        """The stored record (a copy; empty dates as "")."""
        with self._lock:
            return json.loads(json.dumps(self.keys[key_uuid], default=_number))  # type: ignore[no-any-return]

    def secret_of(self, key_uuid: str) -> str:
        with self._lock:
            return self._secrets[key_uuid]

    # --- serving -------------------------------------------------------------------------------

    def mock_transport(self) -> httpx.MockTransport:
        """This fake in process, for `transport=` of GeekAIAdmin, AsyncGeekAIAdmin or httpx."""
        return mock.mock_transport(self)

    def respond(self, request: httpx.Request) -> httpx.Response:
        """The answer to one httpx request: the handler a MockTransport (or a wrapper of one) calls."""
        return mock.answer(self, request)

    def serve(self, sock: socket.socket | None = None) -> contextlib.AbstractContextManager[server.LoopbackServer]:
        """This fake on 127.0.0.1 for a `with` block: `with fake.serve() as s: ... s.base_url`."""
        return server.serve(self, sock)

    # --- faults --------------------------------------------------------------------------------

    def inject(
        self,
        *replies: Reply,
        method: str | None = None,
        route: str | None = None,
        uuid: str | None = None,
        at: int = 1,
        times: int | None = -1,
        prefix: str | None = None,
    ) -> Injection:
        """Answer matching requests with `replies` instead of normally.

        A request matches when its method, route ("/credit/balance", "/api_keys",
        "/api_keys/{uuid}") and key uuid are those given (None: any). From the `at`-th
        matching request (1-based, counted from now) the next `times` matching requests take
        the replies in order, the last one repeating; `times` defaults to len(replies), None
        means for ever. `prefix` also requires the request's path to start with it (the bench's
        accounts of many keys live under their own base path). The earliest injection that
        matches wins; then random faults; then the normal answer.
        """
        if not replies:
            raise ValueError("inject() needs at least one Reply")
        injection = Injection(replies, method, route, uuid, at, len(replies) if times == -1 else times, prefix)
        with self._lock:
            self._injections.append(injection)
        return injection

    def inject_randomly(self, rate: float, reply: Reply) -> None:
        """Every request not otherwise injected gets `reply` with probability `rate` (seeded)."""
        with self._lock:
            self._random_fault = (rate, reply)

    # --- the log -------------------------------------------------------------------------------

    def count(self, method: str | None = None, route: str | None = None, uuid: str | None = None) -> int:
        """Requests received that match (None: any)."""
        with self._lock:
            return sum(
                1
                for entry in self.log
                if (method is None or entry.method == method)
                and (route is None or entry.route == route)
                and (uuid is None or entry.uuid == uuid)
            )

    @property
    def writes(self) -> int:
        """POST, PUT and DELETE requests received (answered or not)."""
        with self._lock:
            return sum(entry.is_write for entry in self.log)

    @property
    def calls(self) -> list[str]:
        """ "METHOD path" of every request received, in order."""
        with self._lock:
            return [f"{entry.method} {entry.path}" for entry in self.log]

    # --- one request ---------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes, url: str = "") -> Plan:
        """Log the request and decide what to do with it; `headers` names in lower case.

        `url`: the full URL, when the adapter knows it (default: http:// + the Host header + target).
        """
        route, key_uuid = route_of(target)
        authorization = headers.get("authorization")
        auth: Literal["system", "wrong", "missing"] = "missing"
        if authorization is not None:
            auth = "system" if authorization == f"Bearer {self.system_key}" else "wrong"
        full = url or f"http://{headers.get('host', '')}{target}"
        entry = Logged(method, target.split("?", 1)[0], route, key_uuid, dict(headers), body, auth, url=full)
        with self._lock:
            if self.log_requests:
                self.log.append(entry)
            reply = self._next_reply(method, route, key_uuid, entry.path)
            entry.action = reply.action
            status, payload = self._process(entry) if reply.processes else (0, None)
        # A method the route does not declare: say which ones it does (RFC 9110, 405 needs Allow).
        allow = (("Allow", ", ".join(allowed_methods(route))),) if status == 405 else ()
        plan = self._plan(reply, status, payload, allow)
        entry.status = None if reply.action in ("reset_before", "reset_after", "drop", "raise") else plan.status
        return plan

    def _next_reply(self, method: str, route: str, key_uuid: str | None, path: str) -> Reply:
        for injection in self._injections:
            if injection.matches(method, route, key_uuid, path) and (reply := injection.take()) is not None:
                self.injected += 1
                return reply
        if self._random_fault is not None and self._random.random() < self._random_fault[0]:
            self.injected += 1
            return self._random_fault[1]
        return Reply()

    def _plan(self, reply: Reply, status: int, payload: Any, extra: tuple[tuple[str, str], ...] = ()) -> Plan:
        delay = reply.delay or 0.0
        if reply.action == "slow":
            delay = self.slow_seconds if reply.delay is None else reply.delay
        elif reply.action in ("trickle", "trickle_head"):
            delay = TRICKLE_SECONDS if reply.delay is None else reply.delay
        if reply.action in ("status", "body"):
            return Plan(reply, reply.status, reply.body, self._headers(reply, reply.content_type), delay)
        if reply.action == "drop_field" and isinstance(payload, dict) and isinstance(payload.get("data"), dict):
            payload["data"].pop(reply.body.decode(), None)
        body = b"" if payload is None else json.dumps(payload, ensure_ascii=False, default=_number).encode()
        return Plan(reply, status, body, (*self._headers(reply, "application/json"), *extra), delay)

    @staticmethod
    def _headers(reply: Reply, content_type: str | None) -> tuple[tuple[str, str], ...]:
        given = {name.lower() for name, _ in reply.headers}
        own = [("Content-Type", content_type)] if content_type and "content-type" not in given else []
        return (*own, *reply.headers)

    # --- the API's rules -----------------------------------------------------------------------

    def _process(self, request: Logged) -> tuple[int, Any]:
        """Apply the request to the store: the status and JSON payload of the normal answer."""
        if request.auth != "system":
            return self.unauthorized
        route, method = request.route, request.method
        if (method, route) == ("GET", "/credit/balance"):
            if self.balance_shape == "wrapped":
                return 200, {"data": {"balance": self.balance}}
            return 200, {"balance": self.balance}
        if (method, route) == ("GET", "/api_keys"):
            return 200, {"data": [self._public(key) for key in self.keys.values()]}
        if (method, route) == ("POST", "/api_keys"):
            if (problem := body_problem(method, route, request.body)) is not None:
                return _invalid(problem)
            return 200, {"data": self._create(json.loads(request.body)), "message": "success"}
        if route == "/api_keys/{uuid}" and method in ("GET", "PUT", "DELETE"):
            key = self.keys.get(request.uuid or "")
            if key is None:
                return self.not_found
            if method == "GET":
                return 200, {"data": self._public(key)}
            if method == "DELETE":
                del self.keys[key["uuid"]]
                return 200, {"message": "success"}
            if (problem := body_problem(method, route, request.body)) is not None:
                return _invalid(problem)
            self._update(key, json.loads(request.body))
            return 200, {"message": "success"}
        if allowed_methods(route):
            return 405, {"code": "method_not_allowed", "message": f"{method} is not allowed on {route}"}
        return 404, {"code": "not_found", "message": f"no route {method} {request.path}"}

    def _create(self, fields: dict[str, Any]) -> dict[str, Any]:
        secret = _new_secret()
        key = self.seed(
            name=fields["name"],
            group=fields["group"],
            credit_limit=fields.get("credit_limit", 0),
            credit_used=0,
            expired_at=fields.get("expired_at", ""),
            last_used_at="",
            created_at=self.clock().isoformat(timespec="seconds"),
            secret=secret,
        )
        self.issued_secrets.append(secret)
        self.created += 1
        return {**self._public(self.keys[key.uuid]), "raw_value": secret}

    def _update(self, key: dict[str, Any], fields: dict[str, Any]) -> None:
        for name, default in UPDATE_DEFAULTS.items():
            if name in fields or self._resets(name):
                value = fields.get(name, default)
                key[name] = group_record(value) if name == "group" else value

    def _resets(self, name: str) -> bool:
        """Whether a PUT that omits field `name` resets it (put_omitted)."""
        mode = self.put_omitted
        return (mode.get(name, "keep") if isinstance(mode, Mapping) else mode) == "reset"

    def _public(self, key: dict[str, Any]) -> dict[str, Any]:
        """A record as list and get show it: never the secret; empty dates shaped by the knobs."""
        shapes = {"expired_at": self.no_expiry, "last_used_at": self.never_used, "created_at": self.not_reported}
        shown = dict(key)
        for name, shape in shapes.items():
            if shown.get(name) == "":
                if shape is ABSENT:
                    del shown[name]
                else:
                    shown[name] = shape
        return shown


@dataclass(frozen=True, slots=True)
class SeededKey:
    uuid: str
    secret: str

    def __repr__(self) -> str:  # the secret stays out of test output
        return f"SeededKey({self.uuid})"


def _new_secret() -> str:
    return "sk-" + secrets.token_urlsafe(32)


def _invalid(problem: str) -> tuple[int, Any]:
    return INVALID_REQUEST_STATUS, {"code": "invalid_request", "message": problem}


def secrets_of(fake: FakeAPI) -> Iterable[str]:
    """The system key and every secret the fake handed out: what a leak scan looks for."""
    return [fake.system_key, *fake.issued_secrets]
