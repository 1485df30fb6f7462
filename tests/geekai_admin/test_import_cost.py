"""What `from geekai_admin import GeekAIAdmin` loads beyond `import httpx`, which it needs anyway.

Issue 17 bounds the import at 1.2x httpx's (measured by `nox -s bench`, never here): each module
below is left to load on first use, and this says which, so a new eager import fails here first.
"""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

SOCKETS = "geekai_admin._transport._deadline_sockets"
"""The sync deadline's httpcore backend: loaded when a client with a deadline is built."""

LOADED_ON_FIRST_USE = {
    "httpcore": "httpx 0.28 and later load it when a transport is built (our deadline backend: SOCKETS)",
    "uuid": "imports platform, about 2 ms: loaded by the first call that sends a key's uuid",
    "asyncio": "the async client's loop, about 10 ms",
    "msgspec": "the listing reader, about 37 ms with typing_extensions",
    "geekai_admin_api": "the generated operations and models, each loaded by its first call",
    SOCKETS: "only a client with a deadline needs it",
}


def _loaded_by(statement: str) -> set[str]:
    script = f"import sys; {statement}; print(sorted(sys.modules))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    return set(ast.literal_eval(done.stdout))


@pytest.fixture(scope="module")
def added_by_the_client() -> set[str]:
    return _loaded_by("from geekai_admin import GeekAIAdmin") - _loaded_by("import httpx")


@pytest.mark.parametrize("module", sorted(LOADED_ON_FIRST_USE))
def test_importing_the_client_leaves_it_to_first_use(module: str, added_by_the_client: set[str]) -> None:
    assert not {name for name in added_by_the_client if name == module or name.startswith(module + ".")}, (
        LOADED_ON_FIRST_USE[module]
    )
