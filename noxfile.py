"""Every task of the project: regenerate, lint, type-check, test (and, opt-in, demo, live run and benchmark).

`nox` runs the default sessions: the whole check that CI runs. `nox -s NAME` runs one.
"""

from __future__ import annotations

from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True
nox.options.sessions = ["lint", "typecheck", "generated", "tests"]

PYTHON_SOURCES = ["overlay", "codegen", "devtools", "tests", "bench", "noxfile.py"]
TYPED_SOURCES = [
    "overlay/geekai_admin",
    "generated/geekai_admin_api",
    "codegen",
    "devtools",
    "tests",
    "bench",
    "noxfile.py",
]


def _node_tool(session: nox.Session, name: str) -> str:
    """A tool pinned in package.json and package-lock.json, installed with `npm ci` if missing."""
    tool = Path(__file__).parent / "node_modules" / ".bin" / name
    if not tool.exists():
        session.run("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", external=True)
    return str(tool)


def _install(session: nox.Session, *groups: str, project: bool = True) -> None:
    args = [arg for group in groups for arg in ("--group", group)]
    if project:
        args += ["-e", "."]
    session.install(*args)


@nox.session
def generate(session: nox.Session) -> None:
    """Rewrite generated/ from adminapi.yaml and adminapi.patch.yaml (wipes it first)."""
    _install(session, "codegen", project=False)
    session.run("python", "-m", "codegen.generate", "generate", *session.posargs)


@nox.session
def generated(session: nox.Session) -> None:
    """Fail if generated/ differs from a fresh regeneration (a hand edit, or a stale regeneration)."""
    _install(session, "codegen", project=False)
    session.run("python", "-m", "codegen.generate", "check")


@nox.session(default=False)
def upstream(session: nox.Session) -> None:
    """Compare the published spec (docs.geekai.co) with adminapi.yaml and report; `-- --apply` regenerates on a change.

    Extra arguments go to `python -m codegen.upstream` (--docs URL, --document URL_OR_PATH,
    --report PATH, --markdown PATH, --apply). Needs the network unless --docs/--document is local.
    """
    _install(session, "upstream", project=False)
    session.run("python", "-m", "codegen.upstream", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: lint and format check of the handwritten code (generated/ is formatted by generate)."""
    _install(session, "lint", project=False)
    session.run("ruff", "check", *PYTHON_SOURCES)
    session.run("ruff", "format", "--check", *PYTHON_SOURCES)


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over everything; pyright: the public API's types complete for its users (needs Node.js)."""
    _install(session, "typecheck")
    session.run("mypy", *TYPED_SOURCES)
    # pyright runs in this session's virtualenv (first on PATH), where geekai_admin is installed.
    session.run(_node_tool(session, "pyright"), "--verifytypes", "geekai_admin", "--ignoreexternal", external=True)


@nox.session(default=False)
def demo(session: nox.Session) -> None:
    """Run `geekai-admin` through its commands, rotate, report and check too, against a local mock (needs Node.js)."""
    session.install("-e", ".")
    session.run("python", "-m", "devtools.demo")


@nox.session
def tests(session: nox.Session) -> None:
    """pytest with coverage of the overlay (>= 95%); extra arguments go to pytest."""
    _install(session, "test")
    session.run(
        "pytest",
        "--cov",
        "--cov-report=term-missing",
        "--cov-fail-under=95",
        *session.posargs,
    )


@nox.session(default=False)
def reliability(session: nox.Session) -> None:
    """Fault matrix, secret scan, hostile input and load over real sockets on 127.0.0.1; prints the figures."""
    _install(session, "test")
    session.run("pytest", "tests/reliability", *session.posargs, env={"GEEKAI_RELIABILITY_REPORT": "1"})


@nox.session(default=False)
def live(session: nox.Session) -> None:
    """Check the live API against both specs and record what it does (needs GEEKAI_SYSTEM_KEY; see README).

    Read-only unless `nox -s live -- --write`; other arguments go to `python -m devtools.live`
    (--report PATH, --base-url URL, --region cn|global).
    """
    _install(session, "test")
    session.run("python", "-m", "devtools.live", *session.posargs)


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Benchmark on loopback against raw httpx, the generated client, requests and aiohttp; writes bench/results/.

    Serves with nginx if installed (Debian: nginx-light, and libnginx-mod-http-echo for the +20 ms
    case), else with bench/pyserver.py; times start-up with hyperfine if installed. Extra arguments
    go to `python -m bench` (--quick, --no-nginx, --only PART, --out DIR).
    """
    session.install("--group", "bench", "-e", ".[aiohttp]")
    session.run("python", "-m", "bench", *session.posargs)
