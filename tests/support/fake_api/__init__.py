"""The one fake GeekAI admin API every suite tests against.

    from tests.support.fake_api import FAULTS, SYSTEM_KEY, FakeAPI, Reply, key_record

    fake = FakeAPI(balance_shape="wrapped", put_omitted="reset")   # knobs: see FakeAPI
    key = fake.seed(name="ci", group="ha", credit_limit=100)       # .uuid, .secret
    fake.inject(Reply.json({"code": "boom"}, 500), method="DELETE", uuid=key.uuid, times=None)
    GeekAIAdmin(SYSTEM_KEY, base_url="https://geekai.co/api", transport=fake.mock_transport())
    with fake.serve() as server:                                   # real sockets, 127.0.0.1
        GeekAIAdmin(SYSTEM_KEY, base_url=server.base_url)
    fake.log, fake.count("PUT"), fake.writes                       # what reached it

`api` holds the store, rules, knobs and log; `bodies` what the patched spec lets a request send
(each path's methods, each body's schema); `faults` the vocabulary of injected misbehaviour;
`records` the key-record builder (from the patched spec's examples) and SYSTEM_KEY; `mock` and
`server` are the two thin adapters. `fuzz` (with `fuzz_hooks` and `schemathesis.toml`) runs
schemathesis against the fake: `python -m tests.support.fake_api.fuzz`, or `nox -s fuzz`.
"""

from tests.support.fake_api.api import (
    ABSENT,
    INVALID_REQUEST_STATUS,
    WRITE_METHODS,
    FakeAPI,
    Injection,
    Logged,
    SeededKey,
    secrets_of,
)
from tests.support.fake_api.faults import FAULTS, LARGE_BODY_BYTES, Reply, status
from tests.support.fake_api.records import (
    EXAMPLE_BALANCE,
    EXAMPLE_SECRET,
    EXAMPLE_UUID,
    SYSTEM_KEY,
    created_record,
    group_record,
    key_record,
    masked,
)
from tests.support.fake_api.server import LoopbackServer, refused_port, serve, unaccepted_port

__all__ = [
    "ABSENT",
    "EXAMPLE_BALANCE",
    "EXAMPLE_SECRET",
    "EXAMPLE_UUID",
    "FAULTS",
    "INVALID_REQUEST_STATUS",
    "LARGE_BODY_BYTES",
    "SYSTEM_KEY",
    "WRITE_METHODS",
    "FakeAPI",
    "Injection",
    "Logged",
    "LoopbackServer",
    "Reply",
    "SeededKey",
    "created_record",
    "group_record",
    "key_record",
    "masked",
    "refused_port",
    "secrets_of",
    "serve",
    "status",
    "unaccepted_port",
]
