"""Measure geekai-admin against raw httpx, the generated client, requests and aiohttp on loopback.

    python -m bench [--quick] [--no-nginx] [--out bench/results]

Every figure is the median over repeated rounds, with its spread (min-max); rounds of the
competitors are interleaved so that background load hits them alike. Results are printed as a
table and written to bench/results/<date>-<host>.md and .json. No figure here is a test: the
goals are reported as met or not, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime
import gc
import importlib.util
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AsyncExitStack, ExitStack, contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import msgspec
import requests

from bench.fixtures import ACCOUNT_SIZES, LIST_SIZE, SYSTEM_KEY, key_uuids, list_body
from bench.servers import LATENCY, Servers, running_servers
from geekai_admin import ApiKey, AsyncGeekAIAdmin, GeekAIAdmin, aiohttp_transport
from geekai_admin_api.api.api_keys import list_api_keys
from geekai_admin_api.api.credit_balance import get_credit_balance
from geekai_admin_api.client import AuthenticatedClient

__all__ = ["main"]

AUTH = {"Authorization": f"Bearer {SYSTEM_KEY}"}
RESULTS = Path(__file__).resolve().parent / "results"
BULK_KEYS = 500
BULK_CONCURRENCY = 16
BULK_FLOOR = "raw aiohttp (ref.: the floor this server and machine allow)"
CONCURRENCIES = (1, 16, 64)
PARTS = ["sync", "growth", "async", "bulk", "startup", "import", "keys-as-code"]


@dataclasses.dataclass(frozen=True)
class Plan:
    """How much to measure: the full run, or --quick (a smoke run; its figures are noisy)."""

    sync_rounds: int = 9
    sync_calls: int = 200
    async_rounds: int = 5
    async_requests: int = 1024
    bulk_rounds: int = 5
    startup_runs: int = 30
    import_runs: int = 60
    keys_as_code_keys: int = 1000
    keys_as_code_rounds: int = 5


QUICK = Plan(
    sync_rounds=3,
    sync_calls=50,
    async_rounds=2,
    async_requests=256,
    bulk_rounds=2,
    startup_runs=5,
    import_runs=10,
    keys_as_code_keys=200,
    keys_as_code_rounds=2,
)


@dataclasses.dataclass(frozen=True)
class Figure:
    """A median with its spread over rounds."""

    median: float
    low: float
    high: float
    rounds: int

    @classmethod
    def of(cls, samples: list[float]) -> Figure:
        return cls(statistics.median(samples), min(samples), max(samples), len(samples))

    def spread_pct(self) -> float:
        return 100 * (self.high - self.low) / self.median if self.median else 0.0


@dataclasses.dataclass(frozen=True)
class Memory:
    """What one call allocates, traced by tracemalloc: at its peak, and still held by its result."""

    peak: int
    held: int


@dataclasses.dataclass
class Results:
    sync: dict[str, dict[str, Figure]] = dataclasses.field(default_factory=dict)
    """operation -> client -> seconds per call (wall)."""
    sync_cpu: dict[str, dict[str, Figure]] = dataclasses.field(default_factory=dict)
    """operation -> client -> CPU seconds of this process per call: less sensitive to other load."""
    growth: dict[int, dict[str, Figure]] = dataclasses.field(default_factory=dict)
    """keys in the account -> client -> seconds per keys.list() call (wall)."""
    growth_cpu: dict[int, dict[str, Figure]] = dataclasses.field(default_factory=dict)
    """keys in the account -> client -> CPU seconds of this process per call: less sensitive to other load."""
    growth_memory: dict[str, Memory] = dataclasses.field(default_factory=dict)
    """client -> memory of one keys.list() call at the largest account."""
    throughput: dict[str, dict[int, Figure]] = dataclasses.field(default_factory=dict)
    """client -> concurrency -> requests per second."""
    bulk: dict[str, Figure] = dataclasses.field(default_factory=dict)
    """transport -> wall seconds for BULK_KEYS updates."""
    startup: dict[str, Figure | None] = dataclasses.field(default_factory=dict)
    """command -> wall seconds (None: not available)."""
    startup_tool: str = ""
    imports: dict[str, Figure] = dataclasses.field(default_factory=dict)
    """command -> wall seconds of a fresh interpreter importing it."""
    keys_as_code: dict[str, Figure] = dataclasses.field(default_factory=dict)
    """case -> wall seconds of the command in process (bench/keys_as_code.py); the first is the baseline."""
    notes: list[str] = dataclasses.field(default_factory=list)


# --- sync per-call cost ----------------------------------------------------------------------


def _sync_cases(servers: Servers, stack: ExitStack) -> dict[str, dict[str, Callable[[], object]]]:
    base = servers.fast
    overlay = stack.enter_context(GeekAIAdmin(api_key=SYSTEM_KEY, base_url=base))
    raw = stack.enter_context(httpx.Client(headers=AUTH))
    generated = AuthenticatedClient(base_url=base, token=SYSTEM_KEY)
    stack.enter_context(generated)
    session = stack.enter_context(requests.Session())
    session.headers.update(AUTH)
    list_url, balance_url = base + "/api_keys", base + "/credit/balance"
    return {
        "keys.list()": {
            "geekai-admin": overlay.keys.list,
            "raw httpx.Client": lambda: raw.get(list_url).json(),
            "generated client": lambda: list_api_keys.sync(client=generated),
            "requests.Session": lambda: session.get(list_url, timeout=10).json(),
        },
        "balance()": {
            "geekai-admin": overlay.balance,
            "raw httpx.Client": lambda: raw.get(balance_url).json(),
            "generated client": lambda: get_credit_balance.sync(client=generated),
            "requests.Session": lambda: session.get(balance_url, timeout=10).json(),
        },
    }


def measure_sync(servers: Servers, plan: Plan, results: Results) -> None:
    with ExitStack() as stack:
        for operation, clients in _sync_cases(servers, stack).items():
            samples: dict[str, list[float]] = {name: [] for name in clients}
            cpu: dict[str, list[float]] = {name: [] for name in clients}
            for call in clients.values():  # warm up: connections, caches
                for _ in range(20):
                    call()
            for _ in range(plan.sync_rounds):
                for name, call in clients.items():
                    started, started_cpu = time.perf_counter(), time.process_time()
                    for _ in range(plan.sync_calls):
                        call()
                    samples[name].append((time.perf_counter() - started) / plan.sync_calls)
                    cpu[name].append((time.process_time() - started_cpu) / plan.sync_calls)
            results.sync[operation] = {name: Figure.of(values) for name, values in samples.items()}
            results.sync_cpu[operation] = {name: Figure.of(values) for name, values in cpu.items()}


# --- keys.list() as the account grows --------------------------------------------------------

GROWTH_CLIENTS = ("geekai-admin", "raw httpx.Client + json.loads")
GROWTH_REFERENCE = "raw httpx.Client + msgspec (ref.)"
"""Untyped msgspec decoding: the floor a one-pass reader could reach, shown, not a goal."""
GROWTH_GOALS = dict.fromkeys(ACCOUNT_SIZES, 1.0)
"""Keys in the account -> the most keys.list() may cost, as a multiple of raw httpx + json.loads (issue 17)."""
MEMORY_ROUNDS = 3


def _growth_calls(plan: Plan, count: int) -> int:
    """Calls per round: fewer for the larger bodies, so that each size takes a similar time."""
    return max(20, min(plan.sync_calls, plan.sync_calls * 20 // count))


def _growth_clients(overlay: GeekAIAdmin, raw: httpx.Client, url: str) -> dict[str, Callable[[], object]]:
    overlay_name, raw_name = GROWTH_CLIENTS
    return {
        overlay_name: overlay.keys.list,
        raw_name: lambda: json.loads(raw.get(url).content),
        GROWTH_REFERENCE: lambda: msgspec.json.decode(raw.get(url).content),
    }


def _memory(call: Callable[[], object]) -> Memory:
    """The least over MEMORY_ROUNDS calls (a connection or cache set up once is not the call's)."""
    figures: list[Memory] = []
    for _ in range(MEMORY_ROUNDS):
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            result = call()
            held, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        del result
        figures.append(Memory(peak=peak - before, held=held - before))
    return min(figures, key=lambda figure: figure.peak)


def measure_growth(servers: Servers, plan: Plan, results: Results) -> None:
    """keys.list() of each ACCOUNT_SIZES against raw httpx + json.loads on the same server; then the
    memory of one call at the largest account (traced apart from the timings: tracing slows calls)."""
    with ExitStack() as stack:
        raw = stack.enter_context(httpx.Client(headers=AUTH))
        for count, base in servers.accounts.items():
            overlay = stack.enter_context(GeekAIAdmin(api_key=SYSTEM_KEY, base_url=base))
            url = base + "/api_keys"
            if len(overlay.keys.list()) != count or json.loads(raw.get(url).content) != json.loads(list_body(count)):
                raise RuntimeError(f"the server's account of {count} keys answers something else")
            clients = _growth_clients(overlay, raw, url)
            samples: dict[str, list[float]] = {name: [] for name in clients}
            cpu: dict[str, list[float]] = {name: [] for name in clients}
            calls = _growth_calls(plan, count)
            for call in clients.values():
                for _ in range(5):
                    call()
            for _ in range(plan.sync_rounds):
                for name, call in clients.items():
                    started, started_cpu = time.perf_counter(), time.process_time()
                    for _ in range(calls):
                        call()
                    samples[name].append((time.perf_counter() - started) / calls)
                    cpu[name].append((time.process_time() - started_cpu) / calls)
            results.growth[count] = {name: Figure.of(values) for name, values in samples.items()}
            results.growth_cpu[count] = {name: Figure.of(values) for name, values in cpu.items()}
            if count == max(servers.accounts):
                results.growth_memory = {name: _memory(call) for name, call in clients.items()}


def growth_ratio(figures: dict[str, Figure]) -> float:
    """keys.list() as a multiple of raw httpx + json.loads: the ratio of their medians."""
    overlay, raw = (figures[name].median for name in GROWTH_CLIENTS)
    return overlay / raw


# --- async throughput ------------------------------------------------------------------------


async def _throughput(call: Callable[[], Awaitable[object]], concurrency: int, total: int) -> float:
    """Requests per second for `total` calls made by `concurrency` workers."""
    each = max(total // concurrency, 1)

    async def worker() -> None:
        for _ in range(each):
            await call()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return each * concurrency / (time.perf_counter() - started)


async def _async_cases(servers: Servers, stack: AsyncExitStack) -> dict[str, Callable[[], Awaitable[object]]]:
    base = servers.fast
    url = base + "/credit/balance"
    default = await stack.enter_async_context(AsyncGeekAIAdmin(api_key=SYSTEM_KEY, base_url=base))
    fast = await stack.enter_async_context(
        AsyncGeekAIAdmin(api_key=SYSTEM_KEY, base_url=base, transport=aiohttp_transport())
    )
    raw_httpx = await stack.enter_async_context(httpx.AsyncClient(headers=AUTH))
    raw_httpx_aiohttp = await stack.enter_async_context(httpx.AsyncClient(headers=AUTH, transport=aiohttp_transport()))
    session = await stack.enter_async_context(aiohttp.ClientSession(headers=AUTH))

    async def raw_aiohttp() -> object:
        async with session.get(url) as response:
            return json.loads(await response.read())

    async def httpx_get(client: httpx.AsyncClient) -> object:
        return (await client.get(url)).json()

    return {
        "geekai-admin, default transport": default.balance,
        "geekai-admin, aiohttp transport": fast.balance,
        "raw aiohttp": raw_aiohttp,
        "raw httpx.AsyncClient (ref.)": lambda: httpx_get(raw_httpx),
        "raw httpx + aiohttp transport (ref.)": lambda: httpx_get(raw_httpx_aiohttp),
    }


async def _measure_async(servers: Servers, plan: Plan, results: Results) -> None:
    async with AsyncExitStack() as stack:
        cases = await _async_cases(servers, stack)
        for concurrency in CONCURRENCIES:
            total = plan.async_requests // 4 if concurrency == 1 else plan.async_requests
            samples: dict[str, list[float]] = {name: [] for name in cases}
            for call in cases.values():  # warm up: open `concurrency` connections
                await _throughput(call, concurrency, concurrency * 4)
            for _ in range(plan.async_rounds):
                for name, call in cases.items():
                    samples[name].append(await _throughput(call, concurrency, total))
            for name, values in samples.items():
                results.throughput.setdefault(name, {})[concurrency] = Figure.of(values)


def measure_async(servers: Servers, plan: Plan, results: Results) -> None:
    asyncio.run(_measure_async(servers, plan, results))


# --- bulk update under latency ---------------------------------------------------------------


async def _bulk(update: Callable[[ApiKey], Awaitable[object]], keys: list[ApiKey]) -> float:
    limit = asyncio.Semaphore(BULK_CONCURRENCY)

    async def one(key: ApiKey) -> None:
        async with limit:
            await update(key)

    started = time.perf_counter()
    await asyncio.gather(*(one(key) for key in keys))
    return time.perf_counter() - started


async def _measure_bulk(servers: Servers, plan: Plan, results: Results) -> None:
    keys = [ApiKey(uuid=u, name=f"key-{i}", group="balance") for i, u in enumerate(key_uuids(BULK_KEYS))]
    async with AsyncExitStack() as stack:
        default = await stack.enter_async_context(AsyncGeekAIAdmin(api_key=SYSTEM_KEY, base_url=servers.slow))
        fast = await stack.enter_async_context(
            AsyncGeekAIAdmin(api_key=SYSTEM_KEY, base_url=servers.slow, transport=aiohttp_transport())
        )
        session = await stack.enter_async_context(aiohttp.ClientSession(headers=AUTH))

        async def raw(key: ApiKey) -> object:
            body = {"name": key.name, "group": key.group, "credit_limit": 5000, "expired_at": ""}
            async with session.put(f"{servers.slow}/api_keys/{key.uuid}", json=body) as response:
                return await response.read()

        updates: dict[str, Callable[[ApiKey], Awaitable[object]]] = {
            "default transport": lambda key: default.keys.update(key, credit_limit=5000),
            "aiohttp transport": lambda key: fast.keys.update(key, credit_limit=5000),
            BULK_FLOOR: raw,
        }
        samples: dict[str, list[float]] = {name: [] for name in updates}
        for update in updates.values():
            await _bulk(update, keys[:BULK_CONCURRENCY])  # warm up: open the connections
        for _ in range(plan.bulk_rounds):
            for name, update in updates.items():
                samples[name].append(await _bulk(update, keys))
        results.bulk = {name: Figure.of(values) for name, values in samples.items()}


def measure_bulk(servers: Servers, plan: Plan, results: Results) -> None:
    asyncio.run(_measure_bulk(servers, plan, results))


# --- import cost -----------------------------------------------------------------------------

IMPORT_BASELINE = 'python -c "import httpx"'
IMPORT_CLIENT = 'python -c "from geekai_admin import GeekAIAdmin"'
IMPORT_GOAL = 1.2
"""The most `from geekai_admin import GeekAIAdmin` may cost, as a multiple of `import httpx` (issue 17)."""
HTTPX_CLI_EXTRAS = ("click", "rich", "pygments")
"""httpx imports its command line's packages at import when they are installed."""


def _as_installed() -> dict[str, str]:
    """The environment of the timed interpreters: bytecode caches written and read, as after `pip
    install` (which compiles them). PYTHONDONTWRITEBYTECODE would time compiling every module instead."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def measure_import(plan: Plan, results: Results) -> None:
    """A fresh interpreter importing the client, against one importing httpx (which the client needs)."""
    python = sys.executable
    commands = {
        IMPORT_BASELINE: [python, "-c", "import httpx"],
        IMPORT_CLIENT: [python, "-c", "from geekai_admin import GeekAIAdmin"],
    }
    results.imports = _repeat(commands, plan.import_runs)
    extras = [name for name in HTTPX_CLI_EXTRAS if importlib.util.find_spec(name) is not None]
    if extras:
        results.notes.append(
            f"import: {', '.join(extras)} installed here, and httpx imports them at import (its command line): "
            "both figures include them, which flatters the ratio; `nox -s bench` installs none of them"
        )


def import_ratio(figures: dict[str, Figure]) -> float:
    """The client's import as a multiple of httpx's: the ratio of their medians."""
    return figures[IMPORT_CLIENT].median / figures[IMPORT_BASELINE].median


# --- start-up --------------------------------------------------------------------------------


def _startup_commands() -> dict[str, list[str] | None]:
    python = sys.executable
    script = Path(python).parent / "geekai-admin"
    cli: list[str] | None = [str(script), "--help"]
    probe = subprocess.run([python, "-c", "import geekai_admin.cli"], capture_output=True, check=False)
    if not script.exists() or probe.returncode != 0:
        cli = None
    return {
        "python -c pass": [python, "-c", "pass"],
        'python -c "import geekai_admin"': [python, "-c", "import geekai_admin"],
        "geekai-admin --help": cli,
    }


def _hyperfine(commands: dict[str, list[str]], runs: int) -> dict[str, Figure]:
    hyperfine = shutil.which("hyperfine")
    if hyperfine is None:
        raise RuntimeError("hyperfine is not on PATH")
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "startup.json"
        args = [hyperfine, "-N", "--warmup", "3", "--runs", str(runs), "--export-json", str(export), "--style", "none"]
        for label, argv in commands.items():
            args += ["-n", label, " ".join(_shell_quote(part) for part in argv)]
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, env=_as_installed())
        data = json.loads(export.read_text())
    return {entry["command"]: Figure.of(entry["times"]) for entry in data["results"]}


def _shell_quote(part: str) -> str:
    return f"'{part}'" if any(c in part for c in ' "') else part


def _repeat(commands: dict[str, list[str]], runs: int) -> dict[str, Figure]:
    """Each command `runs` times, interleaved, after 3 warm-up runs (which write the bytecode caches)."""
    env = _as_installed()
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(3):
        for argv in commands.values():
            subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env)
    for _ in range(runs):
        for name, argv in commands.items():
            started = time.perf_counter()
            subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env)
            samples[name].append(time.perf_counter() - started)
    return {name: Figure.of(values) for name, values in samples.items()}


def measure_startup(plan: Plan, results: Results) -> None:
    commands = _startup_commands()
    available = {name: argv for name, argv in commands.items() if argv is not None}
    if shutil.which("hyperfine"):
        results.startup_tool = "hyperfine -N --warmup 3"
        figures = _hyperfine(available, plan.startup_runs)
    else:
        results.startup_tool = "repeated subprocess.run (hyperfine not installed)"
        figures = _repeat(available, plan.startup_runs)
    results.startup = {name: figures.get(name) for name in commands}
    if commands["geekai-admin --help"] is None:
        results.notes.append("geekai-admin --help: not measured, the command (geekai_admin.cli) is not installed yet")


def measure_keys_as_code(plan: Plan, results: Results) -> None:
    from bench import keys_as_code  # noqa: PLC0415  # lazy: it imports the tests' fake API

    measured = keys_as_code.measure(plan.keys_as_code_keys, plan.keys_as_code_rounds)
    results.keys_as_code = {case: Figure.of(samples) for case, samples in measured.items()}


# --- report ----------------------------------------------------------------------------------


def _versions() -> dict[str, str]:
    names = ["geekai-admin", "httpx", "httpcore", "httpx-aiohttp", "aiohttp", "requests", "attrs"]
    found: dict[str, str] = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine(servers: Servers) -> dict[str, str]:
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "host": socket.gethostname(),
        "cpu": _cpu_model(),
        "cores": str(os.cpu_count()),
        "os": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "server": servers.description,
        "load average at start": load,
        **{f"version {name}": version for name, version in _versions().items()},
    }


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:,.0f} us"


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.0f} ms"


def _mib(size: int) -> str:
    return f"{size / 2**20:,.1f} MiB"


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def goals(results: Results) -> list[tuple[str, str, str]]:
    """(goal, measured, verdict) rows."""
    rows: list[tuple[str, str, str]] = []
    for operation, figures in results.sync.items():
        ratio = figures["geekai-admin"].median / figures["raw httpx.Client"].median
        rows.append((f"sync {operation}: overlay <= 1.15x raw httpx", f"{ratio:.2f}x", _verdict(ratio <= 1.15)))
    for count, figures in results.growth.items():
        ratio = growth_ratio(figures)
        limit = GROWTH_GOALS.get(count)
        goal = f"keys.list() of {count:,} keys: <= {limit:.2f}x raw httpx + json.loads" if limit else None
        rows.append(
            (
                goal or f"keys.list() of {count:,} keys vs raw httpx + json.loads (no goal)",
                f"{ratio:.2f}x",
                _verdict(ratio <= limit) if limit else "reported",
            )
        )
    tp = results.throughput
    if tp:
        fast = tp["geekai-admin, aiohttp transport"][64].median
        default = tp["geekai-admin, default transport"][64].median
        raw = tp["raw aiohttp"][64].median
        rows.append(
            ("async @64: aiohttp path >= 5x default transport", f"{fast / default:.1f}x", _verdict(fast >= 5 * default))
        )
        rows.append(("async @64: aiohttp path >= 0.3x raw aiohttp", f"{fast / raw:.2f}x", _verdict(fast >= 0.3 * raw)))
    ideal = BULK_KEYS / BULK_CONCURRENCY * LATENCY
    for name, figure in results.bulk.items():
        if name == BULK_FLOOR:
            continue
        ratio = figure.median / ideal
        rows.append((f"bulk, {name}: <= 1.25x ideal ({_ms(ideal)})", f"{ratio:.2f}x", _verdict(ratio <= 1.25)))
    if results.imports:
        ratio = import_ratio(results.imports)
        rows.append(
            (
                f"from geekai_admin import GeekAIAdmin <= {IMPORT_GOAL}x import httpx",
                f"{ratio:.2f}x",
                _verdict(ratio <= IMPORT_GOAL),
            )
        )
    base = results.startup.get("python -c pass")
    imported = results.startup.get('python -c "import geekai_admin"')
    cli = results.startup.get("geekai-admin --help")
    if base and imported:
        added = imported.median - base.median
        rows.append(("import geekai_admin adds <= 120 ms", _ms(added), _verdict(added <= 0.120)))
    if results.startup:
        rows.append(
            (
                "geekai-admin --help <= 250 ms in all",
                _ms(cli.median) if cli else "n/a",
                _verdict(cli.median <= 0.250) if cli else "not measured",
            )
        )
    return rows


def _render_growth(results: Results, plan: Plan) -> list[str]:
    lines: list[str] = []
    if results.growth:
        lines += [
            "## `keys.list()` as the account grows (sync, per call)",
            "",
            f"Ratios of medians in one run; {plan.sync_rounds} rounds each, interleaved. CPU ratio: the same, in "
            "this process's CPU time (less sensitive to other load on the machine).",
            "",
            f"| keys | body | geekai-admin | raw httpx.Client + json.loads | ratio | {GROWTH_REFERENCE} | ratio "
            "| CPU ratio (client) |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for count, figures in results.growth.items():
            overlay, raw_f = (figures[name] for name in GROWTH_CLIENTS)
            ref = figures[GROWTH_REFERENCE]
            lines.append(
                f"| {count:,} | {len(list_body(count)) / 1024:,.0f} KB | {_us(overlay.median)} "
                f"({_us(overlay.low)}-{_us(overlay.high)}) | {_us(raw_f.median)} ({_us(raw_f.low)}-{_us(raw_f.high)}) "
                f"| {growth_ratio(figures):.2f}x | {_us(ref.median)} ({_us(ref.low)}-{_us(ref.high)}) "
                f"| {overlay.median / ref.median:.2f}x | {growth_ratio(results.growth_cpu[count]):.2f}x |"
            )
        lines.append("")
    if results.growth_memory:
        largest = max(results.growth)
        raw_memory = results.growth_memory[GROWTH_CLIENTS[1]]
        lines += [
            f"### Memory of one `keys.list()` of {largest:,} keys (tracemalloc; the body included)",
            "",
            "| client | peak | vs json.loads | held by the result | vs json.loads |",
            "|---|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {name} | {_mib(m.peak)} | {m.peak / raw_memory.peak:.2f}x | {_mib(m.held)} "
            f"| {m.held / raw_memory.held:.2f}x |"
            for name, m in results.growth_memory.items()
        ]
        lines.append("")
    return lines


def _wall_rows(figures: dict[str, Figure], reference: float) -> list[str]:
    """Table rows: name, median wall time, spread, and the median as a multiple of `reference`."""
    return [
        f"| {name} | {_ms(f.median)} | {_ms(f.low)}-{_ms(f.high)} | {f.median / reference:.2f}x |"
        for name, f in figures.items()
    ]


def render(results: Results, facts: dict[str, str], plan: Plan) -> str:
    lines = ["# geekai-admin benchmark", ""]
    lines += ["| machine | |", "|---|---|", *(f"| {k} | {v} |" for k, v in facts.items()), ""]
    lines += [
        f"Figures: median over rounds, spread as (min-max). Sync: {plan.sync_rounds} rounds of "
        f"{plan.sync_calls} calls; keys.list() returns {LIST_SIZE} keys (1.9 KB). Async: "
        f"{plan.async_rounds} rounds of {plan.async_requests} `balance()` GETs ({plan.async_requests // 4} at "
        f"concurrency 1). Bulk: {BULK_KEYS} `keys.update(ApiKey, ...)` PUTs at concurrency {BULK_CONCURRENCY}, "
        f"server +{LATENCY * 1000:.0f} ms, {plan.bulk_rounds} rounds. Start-up: {results.startup_tool}, "
        f"{plan.startup_runs} runs.",
        "",
    ]
    for operation, figures in results.sync.items():
        raw = figures["raw httpx.Client"].median
        cpu = results.sync_cpu[operation]
        raw_cpu = cpu["raw httpx.Client"].median
        lines += [
            f"## Sync per-call cost: `{operation}`",
            "",
            "| client | per call | spread | vs raw httpx | client CPU per call | CPU vs raw httpx |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for name, f in figures.items():
            lines.append(
                f"| {name} | {_us(f.median)} | {_us(f.low)}-{_us(f.high)} | {f.median / raw:.2f}x "
                f"| {_us(cpu[name].median)} | {cpu[name].median / raw_cpu:.2f}x |"
            )
        lines.append("")
    lines += _render_growth(results, plan)
    if results.throughput:
        head = " | ".join(f"@{c}" for c in CONCURRENCIES)
        lines += [
            "## Async throughput, `balance()` (requests/s)",
            "",
            f"| client | {head} |",
            "|---|" + "---:|" * len(CONCURRENCIES),
        ]
        for name, by_c in results.throughput.items():
            cells = " | ".join(f"{by_c[c].median:,.0f} ({by_c[c].low:,.0f}-{by_c[c].high:,.0f})" for c in CONCURRENCIES)
            lines.append(f"| {name} | {cells} |")
        lines.append("")
    if results.bulk:
        ideal = BULK_KEYS / BULK_CONCURRENCY * LATENCY
        lines += [
            f"## Bulk: {BULK_KEYS} updates, concurrency {BULK_CONCURRENCY}, +{LATENCY * 1000:.0f} ms per answer",
            "",
            "| transport | wall time | spread | vs ideal |",
            "|---|---:|---:|---:|",
        ]
        lines += _wall_rows(results.bulk, ideal)
        lines += [f"| ideal ({BULK_KEYS}/{BULK_CONCURRENCY} x {LATENCY * 1000:.0f} ms) | {_ms(ideal)} | | 1.00x |", ""]
    if results.imports:
        baseline = results.imports[IMPORT_BASELINE].median
        lines += [
            "## Import",
            "",
            f"A fresh interpreter each time, {plan.import_runs} runs each, interleaved; bytecode caches in place "
            "(as after `pip install`).",
            "",
            "| command | wall time | spread | vs `import httpx` |",
            "|---|---:|---:|---:|",
        ]
        lines += _wall_rows(results.imports, baseline)
        lines.append("")
    if results.startup:
        base = results.startup.get("python -c pass")
        lines += [
            "## Start-up",
            "",
            "| command | wall time | spread | added to `python -c pass` |",
            "|---|---:|---:|---:|",
        ]
        for name, run in results.startup.items():
            if run is None:
                lines.append(f"| {name} | n/a | | |")
            else:
                added = _ms(run.median - base.median) if base else ""
                lines.append(f"| {name} | {_ms(run.median)} | {_ms(run.low)}-{_ms(run.high)} | {added} |")
        lines.append("")
    if results.keys_as_code:
        baseline = next(iter(results.keys_as_code.values())).median
        lines += [
            "## Keys as code",
            "",
            f"The command in process against the tests' fake API, {plan.keys_as_code_keys} keys, "
            f"{plan.keys_as_code_rounds} rounds; each apply checked by a plan with nothing left to do.",
            "",
            "| case | wall time | spread | vs `keys list` |",
            "|---|---:|---:|---:|",
        ]
        lines += _wall_rows(results.keys_as_code, baseline)
        lines.append("")
    lines += ["## Goals (issues 7, 10 and 17)", "", "| goal | measured | |", "|---|---:|---|"]
    lines += [f"| {goal} | {value} | {verdict} |" for goal, value, verdict in goals(results)]
    if results.notes:
        lines += ["", *(f"- {note}" for note in results.notes)]
    return "\n".join(lines) + "\n"


def _jsonable(results: Results, facts: dict[str, str], plan: Plan) -> dict[str, Any]:
    def figure(f: Figure | None) -> dict[str, float] | None:
        return None if f is None else dataclasses.asdict(f)

    return {
        "machine": facts,
        "plan": dataclasses.asdict(plan),
        "sync_seconds_per_call": {op: {n: figure(f) for n, f in fs.items()} for op, fs in results.sync.items()},
        "sync_cpu_seconds_per_call": {op: {n: figure(f) for n, f in fs.items()} for op, fs in results.sync_cpu.items()},
        "list_seconds_per_call_by_keys": {
            str(count): {n: figure(f) for n, f in fs.items()} for count, fs in results.growth.items()
        },
        "list_cpu_seconds_per_call_by_keys": {
            str(count): {n: figure(f) for n, f in fs.items()} for count, fs in results.growth_cpu.items()
        },
        "list_memory_bytes_at_largest_account": {n: dataclasses.asdict(m) for n, m in results.growth_memory.items()},
        "async_requests_per_second": {
            n: {str(c): figure(f) for c, f in by_c.items()} for n, by_c in results.throughput.items()
        },
        "bulk_seconds": {n: figure(f) for n, f in results.bulk.items()},
        "startup_seconds": {n: figure(f) for n, f in results.startup.items()},
        "import_seconds": {n: figure(f) for n, f in results.imports.items()},
        "keys_as_code_seconds": {n: figure(f) for n, f in results.keys_as_code.items()},
        "goals": [{"goal": g, "measured": m, "verdict": v} for g, m, v in goals(results)],
        "notes": results.notes,
    }


@contextmanager
def _step(title: str) -> Iterator[None]:
    print(f"-- {title} ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    yield
    print(f"   {title}: {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few rounds: a smoke run, figures not meaningful")
    parser.add_argument("--no-nginx", action="store_true", help="use the asyncio fallback server even if nginx exists")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for the .md and .json results")
    parser.add_argument("--only", choices=PARTS, action="append", help="run only these parts")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else Plan()
    parts = set(args.only or PARTS)
    results = Results()
    with running_servers(use_nginx=not args.no_nginx) as servers:
        facts = machine(servers)
        print(f"server: {servers.description}", file=sys.stderr)
        if "sync" in parts:
            with _step("sync per-call cost"):
                measure_sync(servers, plan, results)
        if "growth" in parts:
            with _step("keys.list() as the account grows"):
                measure_growth(servers, plan, results)
        if "async" in parts:
            with _step("async throughput"):
                measure_async(servers, plan, results)
        if "bulk" in parts:
            with _step("bulk update"):
                measure_bulk(servers, plan, results)
    if "startup" in parts:
        with _step("start-up"):
            measure_startup(plan, results)
    if "import" in parts:
        with _step("import"):
            measure_import(plan, results)
    if "keys-as-code" in parts:
        with _step("keys as code"):
            measure_keys_as_code(plan, results)
    if args.quick:
        results.notes.append("--quick run: few rounds, the figures are indicative only")
    report = render(results, facts, plan)
    print(report)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d}-{socket.gethostname()}"
    (args.out / f"{stem}.md").write_text(report)
    (args.out / f"{stem}.json").write_text(json.dumps(_jsonable(results, facts, plan), indent=2) + "\n")
    print(f"written: {args.out / stem}.md and .json", file=sys.stderr)
    return 0
