"""The steps of a live run, in order, and the clean-up that follows them whatever happens.

Read-only (always): balance; list; get of each listed key (at most MAX_GETS); get of a uuid that
does not exist; balance with a wrong system key. With `write`: a sweep of leftover throwaway keys
first, then the lifecycle of one throwaway key (LIFECYCLE below), then a final sweep.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import functools
import secrets
import uuid as uuid_module
from collections.abc import Callable, Mapping
from typing import Any, Final, NoReturn, TypeVar

import httpx

from devtools.live.budget import BudgetExhausted
from devtools.live.interrupts import Guard
from devtools.live.scrub import Scrubber
from devtools.live.wire import NOT_JSON, Exchange, ObservingTransport
from geekai_admin import (
    APIConnectionError,
    ApiKey,
    APIStatusError,
    GeekAIAdmin,
    GeekAIError,
    Group,
    NotFoundError,
    RateLimitError,
)
from geekai_admin_api import AuthenticatedClient
from geekai_admin_api.api.api_keys import update_api_key
from geekai_admin_api.models.api_key_update_request import ApiKeyUpdateRequest
from geekai_admin_api.models.api_key_update_request_group import check_api_key_update_request_group
from geekai_admin_api.types import UNSET

__all__ = ["CHINA", "LIFECYCLE", "MAX_GETS", "PREFIX", "LiveRun", "Step"]

T = TypeVar("T")
PREFIX: Final = "geekai-admin-live-"
"""Every throwaway key's name starts with this; the sweeps delete (or, read-only, count) such keys."""
MAX_GETS: Final = 20
CHINA: Final = datetime.timezone(datetime.timedelta(hours=8))
"""The API's home time zone: "tomorrow" is tomorrow there, so the expiry is never already past."""
CREDIT_LIMIT: Final = 1
"""Coins (1 coin = 0.01 yuan) the throwaway key may spend; 0 would mean no limit."""
UPDATED_CREDIT_LIMIT: Final = 2
INVALID_GROUP: Final = "geekai-admin-live-invalid"
"""The `group` of the one invalid body the lifecycle sends (none of the four the spec allows), to
learn how the API refuses an invalid request: the docs name no status for it (SPEC_NOTES.md)."""
MAX_ANSWER_SHOWN: Final = 300
LIFECYCLE: Final = (
    "create",
    "get created",
    "update every field",
    "get updated",
    "put name and group only",
    "get after partial put",
    "put an invalid body",
    "delete",
    "get deleted",
    "delete again",
)


@dataclasses.dataclass(slots=True)
class Step:
    name: str
    outcome: str
    """"ok", "unexpected" (answered, not as expected: a finding), "failed" or "skipped"."""
    status: int | None = None
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class _Stop(Exception):
    """The run cannot go on (budget spent, rate limited): skip to the clean-up."""


class _LifecycleBroken(Exception):
    """A lifecycle step the next ones need did not succeed."""


class LiveRun:
    def __init__(
        self,
        *,
        client: GeekAIAdmin,
        wrong_key_client: GeekAIAdmin,
        raw_client: AuthenticatedClient,
        transport: ObservingTransport,
        scrubber: Scrubber,
        guard: Guard,
        write: bool,
        today: datetime.date | None = None,
    ) -> None:
        self.client = client
        self.wrong_key_client = wrong_key_client
        self.raw_client = raw_client
        self.transport = transport
        self.scrubber = scrubber
        self.guard = guard
        self.write = write
        self.today = today or datetime.datetime.now(CHINA).date()
        self.steps: list[Step] = []
        self.stopped: str | None = None
        self.interrupted = False
        self.swept: list[dict[str, str]] = []
        self.leftover: list[dict[str, str]] | None = None
        self.throwaway: str | None = None
        """The throwaway key's uuid, once created; None again once it is deleted."""
        self.observed: dict[str, Any] = {}
        """Raw observations the findings are made of (key records as sent, statuses)."""

    # --- the run --------------------------------------------------------------------------

    def run(self) -> None:
        """Every step, then the clean-up (also after a failure, a stop, or an interrupt)."""
        try:
            self._read_only()
            if self.write:
                self._lifecycle()
        except _Stop:
            pass
        except KeyboardInterrupt:
            self.interrupted = True
            self.steps.append(Step("interrupted", "failed", None, "Ctrl-C or SIGTERM: on to the clean-up"))
            raise
        finally:
            with self.guard.shielded(), self.transport.budget.cleaning_up():
                self._clean_up()

    def _read_only(self) -> None:
        mark = len(self.transport.exchanges)
        self._attempt("balance", self.client.balance)
        exchange = self._last_exchange("GET /credit/balance", since=mark)
        self.observed["balance"] = None if exchange is None else exchange.body
        keys = self._attempt("list", self.client.keys.list)
        if keys is not None:
            throwaways = [key for key in keys if _is_throwaway(key)]
            if self.write:
                self._sweep(throwaways, "start")
            else:
                self.leftover = [_named(key) for key in throwaways]
            for key in [key for key in keys if not _is_throwaway(key)][:MAX_GETS]:
                self._attempt(f"get {key.uuid}", functools.partial(self.client.keys.get, key.uuid))
        self.observed["unknown_key_status"] = self._status_of(
            "get unknown key", lambda: self.client.keys.get(uuid_module.uuid4()), expect=404
        )
        self.observed["wrong_system_key_status"] = self._status_of(
            "balance with a wrong system key", self.wrong_key_client.balance, expect=401
        )

    def _lifecycle(self) -> None:
        try:
            self._throwaway_lifecycle()
        except _LifecycleBroken:
            done = {step.name for step in self.steps}
            self.steps.extend(Step(name, "skipped") for name in LIFECYCLE if name not in done)

    def _throwaway_lifecycle(self) -> None:
        name = PREFIX + secrets.token_hex(4)
        tomorrow = self.today + datetime.timedelta(days=1)
        created = self._attempt(
            "create",
            lambda: self.client.keys.create(
                name=name, group=Group.BALANCE, credit_limit=CREDIT_LIMIT, expires=tomorrow
            ),
            required=True,
        )
        if created is None:
            raise _LifecycleBroken
        self.scrubber.add(created.secret)
        self.throwaway = created.uuid
        key = created.key()
        del created
        self._attempt("get created", lambda: self.client.keys.get(key.uuid), required=True)

        new_name, new_group = name + "-updated", Group.LOWCOST
        new_expiry = tomorrow + datetime.timedelta(days=1)
        self._attempt(
            "update every field",
            lambda: self.client.keys.update(
                key, name=new_name, group=new_group, credit_limit=UPDATED_CREDIT_LIMIT, expires=new_expiry
            ),
            required=True,
        )
        sent = {
            "name": new_name,
            "group": new_group.value,
            "credit_limit": UPDATED_CREDIT_LIMIT,
            "expired_at": new_expiry.isoformat(),
        }
        self.observed["update_sent"] = sent
        mark = len(self.transport.exchanges)
        self._attempt("get updated", lambda: self.client.keys.get(key.uuid), required=True)
        self.observed["before_put"] = self._last_record(since=mark)

        self.observed["put_status"] = self._status_of("put name and group only", lambda: self._partial_put(key, sent))
        mark = len(self.transport.exchanges)
        self._attempt("get after partial put", lambda: self.client.keys.get(key.uuid))
        self.observed["after_put"] = self._last_record(since=mark)

        mark = len(self.transport.exchanges)
        self.observed["invalid_body_status"] = self._status_of(
            "put an invalid body", lambda: self._invalid_put(key, new_name), expect=range(400, 500)
        )
        invalid_answer = self._last_exchange("PUT /api_keys/{uuid}", since=mark)
        self.observed["invalid_body_answer"] = None if invalid_answer is None else _shown(invalid_answer)

        self._attempt("delete", lambda: self.client.keys.delete(key.uuid), required=True)
        self.throwaway = None
        self.observed["deleted_key_status"] = self._status_of(
            "get deleted", lambda: self.client.keys.get(key.uuid), expect=404
        )
        self.observed["delete_again_status"] = self._status_of(
            "delete again", lambda: self.client.keys.delete(key.uuid), expect=404
        )

    def _partial_put(self, key: ApiKey, sent: Mapping[str, Any]) -> None:
        """Through the generated client: a PUT that carries name and group only, nothing else."""
        body = ApiKeyUpdateRequest(
            name=str(sent["name"]),
            group=check_api_key_update_request_group(sent["group"]),
            credit_limit=UNSET,
            expired_at=UNSET,
        )
        mark = len(self.transport.exchanges)
        try:
            update_api_key.sync_detailed(uuid_module.UUID(key.uuid), client=self.raw_client, body=body)
        except httpx.HTTPError as exc:
            raise APIConnectionError(f"PUT /api_keys/{key.uuid}: {type(exc).__name__}: {exc}") from None
        except (ValueError, KeyError, TypeError):
            pass  # the generated parser's trouble with an odd answer: the status is what counts here
        self._raise_for_status(self._last_status(mark))

    @staticmethod
    def _raise_for_status(status: int | None) -> None:
        """What an answer to a request sent outside GeekAIAdmin means to the run: a 429 stops it."""
        if status == 429:
            raise _RateLimited
        if status is not None and status >= 400:
            raise _StatusAnswer(status)

    def _invalid_put(self, key: ApiKey, name: str) -> None:
        """A PUT of the throwaway key whose group is none of the spec's four: the client would refuse to send it.

        Accepted, it changes only the throwaway key, which is deleted next.
        """
        mark = len(self.transport.exchanges)
        try:
            self.raw_client.get_httpx_client().put(f"/api_keys/{key.uuid}", json={"name": name, "group": INVALID_GROUP})
        except httpx.HTTPError as exc:
            raise APIConnectionError(f"PUT /api_keys/{key.uuid}: {type(exc).__name__}: {exc}") from None
        self._raise_for_status(self._last_status(mark))

    # --- the clean-up ---------------------------------------------------------------------

    def _clean_up(self) -> None:
        if not self.write:
            return
        try:
            if self.throwaway is not None:
                uuid = self.throwaway
                if self._attempt("delete throwaway key (clean-up)", lambda: self._delete(uuid)) is not None:
                    self.throwaway = None
            keys = self._attempt("list (final sweep)", self.client.keys.list)
            if keys is None:
                self.leftover = None
                return
            self._sweep([key for key in keys if _is_throwaway(key)], "end")
        except _Stop:
            if self.leftover is None and self.throwaway is not None:
                self.leftover = [{"uuid": self.throwaway, "name": ""}]

    def _sweep(self, keys: list[ApiKey], when: str) -> None:
        """Delete each leftover throwaway key; at the end, those that stay are the leftover ones."""
        left: list[dict[str, str]] = []
        try:
            for done, key in enumerate(keys):
                remaining = keys[done:]
                deleted = self._attempt(f"sweep {key.uuid} ({when})", functools.partial(self._delete, key.uuid))
                (left if deleted is None else self.swept).append({**_named(key), "when": when})
        except _Stop:
            left.extend({**_named(key), "when": when} for key in remaining)
            raise
        finally:
            if when == "end":
                self.leftover = [{"uuid": k["uuid"], "name": k["name"]} for k in left]

    def _delete(self, uuid: str) -> bool:
        """Delete a key; a key already gone counts as deleted."""
        with contextlib.suppress(NotFoundError):
            self.client.keys.delete(uuid)
        return True

    # --- one step -------------------------------------------------------------------------

    def _attempt(self, name: str, action: Callable[[], T], *, required: bool = False) -> T | None:
        """Run a step that should succeed; its value, or None once the failure is recorded."""
        sent_before = len(self.transport.exchanges)
        try:
            value = action()
        except (BudgetExhausted, RateLimitError, _RateLimited) as exc:
            self._stopped(name, exc, sent_before)
        except GeekAIError as exc:
            self.steps.append(Step(name, "failed", self._last_status(sent_before), str(exc)))
            if required:
                raise _LifecycleBroken from None
            return None
        self.steps.append(Step(name, "ok", self._last_status(sent_before)))
        return value

    def _status_of(self, name: str, action: Callable[[], object], *, expect: int | range = 200) -> int | None:
        """Run a step whose answer is the finding (an expected error status, or one of a range, too); that status."""
        sent_before = len(self.transport.exchanges)
        detail = ""
        try:
            action()
        except (BudgetExhausted, RateLimitError, _RateLimited) as exc:
            self._stopped(name, exc, sent_before)
        except (APIStatusError, _StatusAnswer) as exc:
            detail = str(exc)
        except GeekAIError as exc:
            status = self._last_status(sent_before)
            self.steps.append(Step(name, "failed", status, str(exc)))
            return status
        status = self._last_status(sent_before)
        expected = status in expect if isinstance(expect, range) else status == expect
        outcome = "ok" if expected else "unexpected"
        wanted = f"{expect.start}-{expect.stop - 1}" if isinstance(expect, range) else str(expect)
        self.steps.append(Step(name, outcome, status, "" if expected else f"expected {wanted}; {detail}"))
        return status

    def _stopped(self, name: str, exc: Exception, sent_before: int) -> NoReturn:
        self.stopped = "budget" if isinstance(exc, BudgetExhausted) else "rate_limited"
        self.steps.append(Step(name, "failed", self._last_status(sent_before), str(exc) or "HTTP 429"))
        raise _Stop from None

    def _last_status(self, since: int = 0) -> int | None:
        """The status of the last answer, if one came after the first `since` exchanges."""
        exchanges = self.transport.exchanges
        return exchanges[-1].status if len(exchanges) > since else None

    def _last_exchange(self, operation: str, *, since: int) -> Exchange | None:
        """The last answer to `operation` among those after the first `since` exchanges."""
        return next((e for e in reversed(self.transport.exchanges[since:]) if e.operation == operation), None)

    def _last_record(self, *, since: int) -> Mapping[str, Any] | None:
        """The key record of a successful get after the first `since` exchanges, as sent."""
        exchange = self._last_exchange("GET /api_keys/{uuid}", since=since)
        if exchange is None or exchange.status != 200 or not isinstance(exchange.body, Mapping):
            return None
        data = exchange.body.get("data")
        return data if isinstance(data, Mapping) else None


class _RateLimited(Exception):
    """A 429 answered the generated client's PUT (which does not retry)."""


class _StatusAnswer(Exception):
    """The generated client's PUT was answered with an error status."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


def _shown(exchange: Exchange) -> Any:
    """An answer's body as the report keeps it: the JSON, or the text cut to MAX_ANSWER_SHOWN characters."""
    if exchange.body is not NOT_JSON:
        return exchange.body
    return exchange.text[:MAX_ANSWER_SHOWN]


def _is_throwaway(key: ApiKey) -> bool:
    return (key.name or "").startswith(PREFIX)


def _named(key: ApiKey) -> dict[str, str]:
    return {"uuid": key.uuid, "name": key.name or ""}
