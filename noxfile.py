"""Every task of the project: regenerate, lint, type-check, test (and, opt-in, demo and benchmark).

`nox` runs the default sessions: the whole check that CI runs. `nox -s NAME` runs one.
"""

from __future__ import annotations

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


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: lint and format check of the handwritten code (generated/ is formatted by generate)."""
    _install(session, "lint", project=False)
    session.run("ruff", "check", *PYTHON_SOURCES)
    session.run("ruff", "format", "--check", *PYTHON_SOURCES)


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the overlay, the generated package, the pipeline and the tests."""
    _install(session, "typecheck")
    session.run("mypy", *TYPED_SOURCES)


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
def bench(session: nox.Session) -> None:
    """Benchmark on loopback against raw httpx, the generated client, requests and aiohttp; writes bench/results/.

    Serves with nginx if installed (Debian: nginx-light, and libnginx-mod-http-echo for the +20 ms
    case), else with bench/pyserver.py; times start-up with hyperfine if installed. Extra arguments
    go to `python -m bench` (--quick, --no-nginx, --only PART, --out DIR).
    """
    session.install("--group", "bench", "-e", ".[aiohttp]")
    session.run("python", "-m", "bench", *session.posargs)
