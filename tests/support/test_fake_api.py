"""The fake GeekAI admin API keeps the real API's rules, its knobs work, and both adapters serve it."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from geekai_admin import (
    APIConnectionError,
    APIResponseValidationError,
    AsyncGeekAIAdmin,
    AuthenticationError,
    GeekAIAdmin,
    InternalServerError,
    NotFoundError,
    RetryPolicy,
    aiohttp_transport,
)
from tests.support.fake_api import (
    ABSENT,
    EXAMPLE_UUID,
    FAULTS,
    INVALID_REQUEST_STATUS,
    LARGE_BODY_BYTES,
    SYSTEM_KEY,
    FakeAPI,
    Reply,
    created_record,
    key_record,
    masked,
    refused_port,
    secrets_of,
)
from tests.support.fake_api.records import GROUPS, UNAUTHORIZED_BODY, UPDATE_DEFAULTS, _schemas

NO_RETRY = RetryPolicy(max_retries=0)
AUTH = {"Authorization": f"Bearer {SYSTEM_KEY}"}


@pytest.fixture
def fake() -> FakeAPI:
    return FakeAPI()


@pytest.fixture(params=["mock", "socket"])
def http(request: pytest.FixtureRequest, fake: FakeAPI) -> Iterator[httpx.Client]:
    """A raw httpx client on the fake, in process or over a loopback socket."""
    if request.param == "mock":
        with httpx.Client(base_url="https://geekai.co/api", transport=fake.mock_transport(), headers=AUTH) as client:
            yield client
        return
    with fake.serve() as server, httpx.Client(base_url=server.base_url, headers=AUTH) as client:
        yield client


# --- the record builder -------------------------------------------------------------------------


def test_a_key_record_has_every_field_of_the_spec_with_its_example() -> None:
    record = key_record()
    assert set(record) == set(_schemas()["ApiKey"]["properties"])
    assert record["uuid"] == EXAMPLE_UUID
    assert record["group"] == {"name": "balance", "alias": "均衡", "desc": "Balanced between price and availability"}
    assert (record["credit_limit"], record["credit_used"], record["expired_at"]) == (10000, 1234.5, "2026-12-31")


def test_a_key_record_takes_overrides_and_a_group_by_name() -> None:
    record = key_record(name="x", group="ha", credit_used=0)
    assert (record["name"], record["group"]["name"], record["group"]["alias"], record["credit_used"]) == (
        "x",
        "ha",
        "高可用",
        0,
    )
    assert key_record()["name"] == "ci-pipeline", "overrides must not leak into the next record"


def test_the_groups_and_update_defaults_are_the_specs() -> None:
    assert set(GROUPS) == set(_schemas()["ApiKeyUpdateRequest"]["properties"]["group"]["enum"])
    assert UPDATE_DEFAULTS == {"name": "default", "group": "balance", "credit_limit": 0, "expired_at": ""}
    assert UNAUTHORIZED_BODY == {"code": "unauthorized", "message": "Invalid API key or token"}


def test_a_created_record_carries_the_secret_and_its_mask() -> None:
    record = created_record("sk-ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    assert record["raw_value"] == "sk-ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    assert record["value"] == masked(record["raw_value"]) == "sk-ABCD****************6789"
    assert masked(created_record()["raw_value"]) == key_record()["value"], "the spec's own example pair"


# --- the API's rules ----------------------------------------------------------------------------


def test_create_shows_the_secret_once_and_stores_it_masked(fake: FakeAPI, http: httpx.Client) -> None:
    made = http.post("/api_keys", json={"name": "ci", "group": "ha", "credit_limit": 5, "expired_at": ""}).json()
    key = made["data"]
    assert key["raw_value"] == fake.issued_secrets[-1] == fake.secret_of(key["uuid"])
    assert key["value"] == masked(key["raw_value"])
    assert (key["name"], key["group"]["name"], key["credit_limit"], key["credit_used"]) == ("ci", "ha", 5, 0)
    listed = http.get("/api_keys").json()["data"]
    got = http.get(f"/api_keys/{key['uuid']}").json()["data"]
    assert "raw_value" not in listed[0]
    assert "raw_value" not in got
    assert key["raw_value"] not in str(listed) + str(got)
    assert fake.created == 1


VALID_BODY = {"name": "ci", "group": "ha", "credit_limit": 5, "expired_at": "2030-01-01"}
INVALID_BODIES = [
    pytest.param({**VALID_BODY, "group": "BALANCE"}, "group: 'BALANCE' is not one of", id="group-not-in-enum"),
    pytest.param({**VALID_BODY, "group": {}}, "group: {} is not of type 'string'", id="group-object"),
    pytest.param({**VALID_BODY, "name": 5}, "name: 5 is not of type 'string'", id="name-number"),
    pytest.param({**VALID_BODY, "credit_limit": -1}, "credit_limit: -1 is less than the minimum of 0", id="negative"),
    pytest.param({**VALID_BODY, "credit_limit": "5"}, "credit_limit: '5' is not of type 'number'", id="limit-string"),
    pytest.param({**VALID_BODY, "expired_at": "0000-00-00"}, "expired_at: '0000-00-00' is not valid", id="no-date"),
    pytest.param({**VALID_BODY, "expired_at": "2030-02-30"}, "expired_at: '2030-02-30' is not valid", id="feb-30"),
    pytest.param({"name": "ci"}, "the request body: 'group' is a required property", id="no-group"),
    pytest.param([], "the request body: [] is not of type 'object'", id="array"),
]


@pytest.mark.parametrize(("body", "problem"), INVALID_BODIES)
def test_create_refuses_a_body_the_spec_refuses_and_says_why(
    fake: FakeAPI, http: httpx.Client, body: Any, problem: str
) -> None:
    response = http.post("/api_keys", json=body)
    assert response.status_code == INVALID_REQUEST_STATUS
    assert response.json()["code"] == "invalid_request"
    assert response.json()["message"].startswith(problem)
    assert fake.created == 0
    assert fake.keys == {}


@pytest.mark.parametrize(("body", "problem"), INVALID_BODIES)
def test_update_refuses_a_body_the_spec_refuses_and_changes_nothing(
    fake: FakeAPI, http: httpx.Client, body: Any, problem: str
) -> None:
    key = fake.seed(name="a", group="ha", credit_limit=7, expired_at="2030-01-01")
    before = fake.key(key.uuid)
    response = http.put(f"/api_keys/{key.uuid}", json=body)
    assert (response.status_code, response.json()["message"][: len(problem)]) == (INVALID_REQUEST_STATUS, problem)
    assert fake.key(key.uuid) == before


@pytest.mark.parametrize("content", [b"", b"{", b"null"])
def test_a_missing_or_broken_body_is_refused(fake: FakeAPI, http: httpx.Client, content: bytes) -> None:
    key = fake.seed(name="a")
    assert http.post("/api_keys", content=content).status_code == INVALID_REQUEST_STATUS
    assert http.put(f"/api_keys/{key.uuid}", content=content).status_code == INVALID_REQUEST_STATUS
    assert fake.created == 0


@pytest.mark.parametrize("expiry", ["", "2030-01-01"])
def test_an_expiry_is_a_date_or_empty(fake: FakeAPI, http: httpx.Client, expiry: str) -> None:
    response = http.post("/api_keys", json={**VALID_BODY, "expired_at": expiry})
    assert response.status_code == 200
    assert fake.key(response.json()["data"]["uuid"])["expired_at"] == expiry


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("TRACE", "/api_keys", "GET, POST"),
        ("PATCH", "/api_keys/x", "DELETE, GET, PUT"),
        ("POST", "/credit/balance", "GET"),
    ],
)
def test_a_method_the_path_does_not_declare_is_405_with_allow(
    http: httpx.Client, method: str, path: str, allowed: str
) -> None:
    response = http.request(method, path)
    assert (response.status_code, response.headers["allow"]) == (405, allowed)
    assert http.get("/nowhere").status_code == 404


def test_unknown_uuids_are_404_for_get_update_and_delete(http: httpx.Client) -> None:
    for method in ("GET", "PUT", "DELETE"):
        response = http.request(method, "/api_keys/nope", json={"name": "a", "group": "ha"})
        assert response.status_code == 404
        assert response.json() == {"code": "not_found", "message": "API key not found"}


def test_every_request_needs_the_system_key(fake: FakeAPI, http: httpx.Client) -> None:
    key = fake.seed(name="kept")
    for method, path in [("GET", "/credit/balance"), ("GET", "/api_keys"), ("DELETE", f"/api_keys/{key.uuid}")]:
        response = http.request(method, path, headers={"Authorization": "Bearer wrong"})
        assert response.status_code == 401
        assert response.json() == {"code": "unauthorized", "message": "Invalid API key or token"}
    assert http.get("/api_keys", headers={"Authorization": ""}).status_code == 401
    assert fake.has_key(key.uuid)
    assert [entry.auth for entry in fake.log] == ["wrong", "wrong", "wrong", "wrong"]


def test_delete_removes_and_update_changes_only_what_it_sends(fake: FakeAPI, http: httpx.Client) -> None:
    key = fake.seed(name="a", group="ha", credit_limit=7, expired_at="2030-01-01")
    assert http.put(f"/api_keys/{key.uuid}", json={"name": "b", "group": "none"}).json() == {"message": "success"}
    stored = fake.key(key.uuid)
    assert (stored["name"], stored["group"]["name"], stored["credit_limit"], stored["expired_at"]) == (
        "b",
        "none",
        7,
        "2030-01-01",
    )
    assert http.delete(f"/api_keys/{key.uuid}").status_code == 200
    assert not fake.has_key(key.uuid)
    assert http.delete(f"/api_keys/{key.uuid}").status_code == 404


def test_seed_takes_every_field_a_test_chooses(fake: FakeAPI, http: httpx.Client) -> None:
    key = fake.seed(
        uuid="00000000-0000-4000-8000-000000000001",
        name="old",
        group="lowcost",
        credit_limit=0,
        credit_used=Decimal("12.5"),
        expired_at="2025-01-01",
        last_used_at=None,
        created_at="2024-05-01T00:00:00+08:00",
        expired=True,
    )
    got = http.get(f"/api_keys/{key.uuid}").json()["data"]
    assert got["uuid"] == key.uuid
    assert (got["name"], got["group"]["name"], got["credit_limit"], got["credit_used"]) == ("old", "lowcost", 0, 12.5)
    dates = (got["expired_at"], got["last_used_at"], got["created_at"])
    assert dates == ("2025-01-01", "", "2024-05-01T00:00:00+08:00")
    assert got["expired"] is True
    assert key.secret not in repr(key)


# --- knobs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("shape", "body"), [("flat", {"balance": 42}), ("wrapped", {"data": {"balance": 42}})])
def test_the_balance_shape(fake: FakeAPI, http: httpx.Client, shape: Any, body: Any) -> None:
    fake.balance, fake.balance_shape = 42, shape
    assert http.get("/credit/balance").json() == body


def test_a_put_that_omits_fields_resets_them_when_told(http: httpx.Client) -> None:
    fake = FakeAPI(put_omitted="reset")
    key = fake.seed(name="a", group="ha", credit_limit=7, expired_at="2030-01-01")
    with httpx.Client(base_url="https://geekai.co/api", transport=fake.mock_transport(), headers=AUTH) as client:
        client.put(f"/api_keys/{key.uuid}", json={"name": "b", "group": "ha"})
    stored = fake.key(key.uuid)
    assert (stored["name"], stored["group"]["name"], stored["credit_limit"], stored["expired_at"]) == ("b", "ha", 0, "")


def test_a_put_that_omits_fields_resets_only_those_named(http: httpx.Client) -> None:
    fake = FakeAPI(put_omitted={"expired_at": "reset"})
    key = fake.seed(name="a", group="ha", credit_limit=7, expired_at="2030-01-01")
    with httpx.Client(base_url="https://geekai.co/api", transport=fake.mock_transport(), headers=AUTH) as client:
        client.put(f"/api_keys/{key.uuid}", json={"name": "b", "group": "ha"})
    stored = fake.key(key.uuid)
    assert (stored["name"], stored["credit_limit"], stored["expired_at"]) == ("b", 7, "")


@pytest.mark.parametrize("shape", ["", None, ABSENT])
def test_empty_dates_go_out_as_told(fake: FakeAPI, http: httpx.Client, shape: Any) -> None:
    fake.no_expiry = fake.never_used = fake.not_reported = shape
    key = fake.seed(name="a", expired_at="", last_used_at="", created_at="")
    got = http.get(f"/api_keys/{key.uuid}").json()["data"]
    for name in ("expired_at", "last_used_at", "created_at"):
        if shape is ABSENT:
            assert name not in got
        else:
            assert got[name] == shape
    assert fake.key(key.uuid)["expired_at"] == "", "the knob shapes the answer, not the store"


def test_the_not_found_and_unauthorized_answers_are_knobs(http: httpx.Client, fake: FakeAPI) -> None:
    fake.not_found = (410, {"error": "gone"})
    fake.unauthorized = (403, {"code": "forbidden", "message": "no"})
    assert http.get("/api_keys/x").status_code == 410
    denied = http.get("/api_keys", headers={"Authorization": "Bearer x"})
    assert (denied.status_code, denied.json()["code"]) == (403, "forbidden")


# --- injection and the log ------------------------------------------------------------------


def test_an_injection_hits_the_nth_matching_request_for_n_times(fake: FakeAPI, http: httpx.Client) -> None:
    injection = fake.inject(Reply.json({"m": "busy"}, 503), method="GET", route="/credit/balance", at=2, times=2)
    statuses = [http.get("/credit/balance").status_code for _ in range(5)]
    assert statuses == [200, 503, 503, 200, 200]
    assert injection.hits == 2
    assert fake.injected == 2


def test_an_injection_for_one_uuid_leaves_others_alone_and_may_last(fake: FakeAPI, http: httpx.Client) -> None:
    old, other = fake.seed(name="old"), fake.seed(name="other")
    fake.inject(Reply.json({"code": "boom", "message": "x"}, 500), method="DELETE", uuid=old.uuid, times=None)
    assert [http.delete(f"/api_keys/{old.uuid}").status_code for _ in range(3)] == [500, 500, 500]
    assert http.delete(f"/api_keys/{other.uuid}").status_code == 200
    assert fake.has_key(old.uuid), "a 'status' reply answers without processing"
    assert [entry.status for entry in fake.log] == [500, 500, 500, 200]


def test_an_injection_for_a_path_prefix_leaves_other_paths_alone(fake: FakeAPI, http: httpx.Client) -> None:
    fake.inject(Reply.json({"data": []}), method="GET", route="/api_keys", prefix="/api/accounts/20/", times=None)
    fake.seed(name="stored")
    assert http.get("/accounts/20/api_keys").json() == {"data": []}
    assert [key["name"] for key in http.get("/accounts/200/api_keys").json()["data"]] == ["stored"]
    assert [key["name"] for key in http.get("/api_keys").json()["data"]] == ["stored"]


def test_a_sequence_is_played_in_order_and_the_last_reply_repeats(fake: FakeAPI, http: httpx.Client) -> None:
    fake.inject(Reply.json({"balance": 1}), Reply.json({"balance": 2}), times=None)
    assert [http.get("/credit/balance").json()["balance"] for _ in range(3)] == [1, 2, 2]


def test_a_processed_reply_does_the_work_then_answers_otherwise(fake: FakeAPI, http: httpx.Client) -> None:
    key = fake.seed(name="a")
    fake.inject(Reply.json({"odd": True}, process=True), method="DELETE")
    assert http.delete(f"/api_keys/{key.uuid}").json() == {"odd": True}
    assert not fake.has_key(key.uuid)


def test_the_log_counts_writes_and_keeps_no_header_in_its_repr(fake: FakeAPI, http: httpx.Client) -> None:
    key = fake.seed(name="a")
    http.get("/api_keys")
    http.put(f"/api_keys/{key.uuid}", json={"name": "b", "group": "ha"})
    http.delete(f"/api_keys/{key.uuid}")
    assert fake.writes == 2
    assert fake.count("PUT", "/api_keys/{uuid}", key.uuid) == 1
    assert fake.calls == ["GET /api/api_keys", f"PUT /api/api_keys/{key.uuid}", f"DELETE /api/api_keys/{key.uuid}"]
    assert fake.log[1].json() == {"name": "b", "group": "ha"}
    assert fake.log[0].url == f"{http.base_url}api_keys"
    assert [entry.auth for entry in fake.log] == ["system"] * 3
    assert SYSTEM_KEY not in repr(fake.log)
    assert list(secrets_of(fake)) == [SYSTEM_KEY]


def test_reset_empties_store_log_and_injections(fake: FakeAPI, http: httpx.Client) -> None:
    fake.seed(name="a")
    fake.inject(Reply.json({}, 500), times=None)
    http.get("/api_keys")
    seeded = fake.reset(seeded=2)
    assert len(seeded) == 2
    assert (fake.log, fake.injected, fake.created) == ([], 0, 0)
    assert len(http.get("/api_keys").json()["data"]) == 2


def test_an_unknown_action_or_an_empty_injection_is_refused(fake: FakeAPI) -> None:
    with pytest.raises(ValueError, match="unknown fake API action"):
        Reply("explode")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="needs an error"):
        Reply("raise")
    with pytest.raises(ValueError, match="at least one"):
        fake.inject()


# --- the faults over both adapters ----------------------------------------------------------

# What the client makes of each wire fault on each adapter: the same class of error.
WIRE_FAULTS = {
    "reset_before_response": APIConnectionError,
    "reset_after_processing": APIConnectionError,
    "truncated_json_content_length": APIConnectionError,
    "truncated_json_at_close": APIResponseValidationError,
    "slower_than_timeout": APIConnectionError,
    "large_body_content_length": APIResponseValidationError,
    "large_body_chunked": APIResponseValidationError,
    "html_502_page": InternalServerError,
    "200_json_array": APIResponseValidationError,
}


@pytest.mark.parametrize("adapter", ["mock", "socket"])
@pytest.mark.parametrize("name", list(WIRE_FAULTS))
def test_every_fault_reaches_the_client_on_both_adapters(name: str, adapter: str) -> None:
    fake = FakeAPI(slow_seconds=0.5)
    fake.inject(*FAULTS[name], method="GET")

    def call(base_url: str, transport: httpx.BaseTransport | None) -> None:
        settings: dict[str, Any] = {"transport": transport, "retry_policy": NO_RETRY, "timeout": 0.2}
        with GeekAIAdmin(SYSTEM_KEY, base_url=base_url, **settings) as client, pytest.raises(WIRE_FAULTS[name]):
            client.keys.list()

    if adapter == "mock":
        call("https://geekai.co/api", fake.mock_transport())
    else:
        with fake.serve() as server:
            call(server.base_url, None)
    assert fake.count("GET", "/api_keys") == 1


def test_the_fault_catalogue_has_the_twenty_faults_of_the_matrix() -> None:
    assert len(FAULTS) == 20
    assert FAULTS["connection_refused"] == ()
    assert LARGE_BODY_BYTES > 8 * 1024 * 1024


def test_a_raising_reply_raises_on_the_mock_and_resets_the_socket(fake: FakeAPI) -> None:
    fake.inject(Reply.raising(httpx.ConnectError("refused")), times=None)
    with (
        pytest.raises(APIConnectionError),
        GeekAIAdmin(SYSTEM_KEY, transport=fake.mock_transport(), retry_policy=NO_RETRY) as client,
    ):
        client.balance()
    with fake.serve() as server, httpx.Client(base_url=server.base_url) as raw, pytest.raises(httpx.TransportError):
        raw.get("/credit/balance")
    assert [entry.status for entry in fake.log] == [None, None]


def test_the_server_counts_connections_and_a_refused_port_refuses() -> None:
    fake = FakeAPI()
    with fake.serve() as server:
        with httpx.Client(base_url=server.base_url, headers=AUTH) as client:
            client.get("/credit/balance")
            client.get("/credit/balance")
        assert server.connections_accepted == 1
        assert server.peak_connections == 1
    with refused_port() as port, pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/api/credit/balance")


def test_fresh_drops_every_earlier_connection_and_listens_on_a_new_port() -> None:
    fake = FakeAPI()
    with fake.serve() as server:
        old_port = server.port
        pooled = socket.create_connection(("127.0.0.1", old_port), timeout=5)  # an earlier test's pooled connection
        with contextlib.closing(pooled):
            waited_until = time.monotonic() + 5
            while server.open_connections == 0 and time.monotonic() < waited_until:
                time.sleep(0.01)
            assert server.open_connections == 1
            server.fresh()
            request = b"GET /api/credit/balance HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + SYSTEM_KEY.encode()
            with contextlib.suppress(ConnectionError):  # the write may already see the reset
                pooled.sendall(request + b"\r\n\r\n")
            with contextlib.suppress(ConnectionError):
                assert pooled.recv(1024) == b""  # closed, never answered
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{old_port}/api/credit/balance")
        assert server.port != old_port
        assert fake.count() == 0
        assert httpx.get(f"{server.base_url}/credit/balance", headers=AUTH).status_code == 200


# --- every kind of client -------------------------------------------------------------------


@pytest.mark.parametrize("transport", ["httpx", "aiohttp"])
def test_async_clients_on_both_transports_use_the_loopback_server(transport: str) -> None:
    fake = FakeAPI()
    key = fake.seed(name="a")

    async def main(base_url: str) -> None:
        chosen = aiohttp_transport() if transport == "aiohttp" else None
        async with AsyncGeekAIAdmin(SYSTEM_KEY, base_url=base_url, transport=chosen, retry_policy=NO_RETRY) as client:
            assert (await client.balance()).coins == Decimal("123456.78")
            assert [k.uuid for k in await client.keys.list()] == [key.uuid]
            await client.keys.delete(key.uuid)
            with pytest.raises(NotFoundError):
                await client.keys.get(key.uuid)

    with fake.serve() as server:
        asyncio.run(main(server.base_url))
    assert fake.calls[-2:] == [f"DELETE /api/api_keys/{key.uuid}", f"GET /api/api_keys/{key.uuid}"]


def test_respond_is_the_handler_for_a_wrapping_transport(fake: FakeAPI) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        return fake.respond(request)

    with GeekAIAdmin(SYSTEM_KEY, transport=httpx.MockTransport(handler)) as client:
        assert client.keys.list() == []
    assert seen == ["GET"]


def test_an_async_client_on_the_mock_transport() -> None:
    fake = FakeAPI(balance_shape="wrapped", balance=7)

    async def main() -> Decimal:
        async with AsyncGeekAIAdmin(SYSTEM_KEY, transport=fake.mock_transport()) as client:
            return (await client.balance()).coins

    assert asyncio.run(main()) == 7


@pytest.mark.slow
def test_a_subprocess_talks_to_the_loopback_server() -> None:
    fake = FakeAPI()
    code = (
        "import sys, httpx; print(httpx.get(sys.argv[1] + '/credit/balance',"
        " headers={'Authorization': 'Bearer ' + sys.argv[2]}).json()['balance'])"
    )
    with fake.serve() as server:
        done = subprocess.run(
            [sys.executable, "-c", code, server.base_url, SYSTEM_KEY], capture_output=True, text=True, check=True
        )
    assert done.stdout.strip() == "123456.78"


def test_a_wrong_system_key_is_an_authentication_error_for_the_client(fake: FakeAPI) -> None:
    with (
        pytest.raises(AuthenticationError, match="Invalid API key or token"),
        GeekAIAdmin("sk-wrong", transport=fake.mock_transport(), retry_policy=NO_RETRY) as client,
    ):
        client.keys.list()
