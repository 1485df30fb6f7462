"""Every task of the project: regenerate, lint, type-check, test, document (opt-in: generate,
release-check, demo, reliability figures, live run, upstream check, benchmark).

`nox` runs the default sessions: the whole check that CI runs. `nox -s NAME` runs one.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nox
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True
# The default run (`nox`, CI's .ci/run), in this order: a new default session is added here. Each
# runs alone; the tests spread over the CPUs inside their sessions (PARALLEL).
nox.options.sessions = [
    "lint",
    "typecheck",
    "generated",
    "spec-lint",
    "tests",
    "fuzz",
    "lowest",
    "workflow-lint",
    "docs",
]

PYPROJECT = nox.project.load_toml("pyproject.toml")
# Every supported Python, read from the classifiers so that the two cannot disagree. The first one
# runs the whole suite with the coverage gate; the others run it without the slow parts.
PYTHONS = [
    match.group(1)
    for classifier in PYPROJECT["project"]["classifiers"]
    if (match := re.fullmatch(r"Programming Language :: Python :: (3\.\d+)", classifier))
]
FULL_PYTHON = PYTHONS[0]


def _pyenv_interpreters_on_path(versions: list[str]) -> None:
    """Put pyenv's installs of these versions on PATH, so that uv finds them instead of downloading.

    pyenv's shims run only the versions `pyenv global` names; the others are installed but, to
    uv, missing (and a download fails without network, which fails the run as it should).
    """
    installs = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found = []
    for version in versions:
        candidates = [path for path in installs.glob(f"{version}.*/bin") if (path / f"python{version}").exists()]
        if candidates:
            found.append(str(max(candidates, key=lambda path: [int(n) for n in re.findall(r"\d+", path.parent.name)])))
    if found:
        os.environ["PATH"] = os.pathsep.join([*found, os.environ.get("PATH", "")])


_pyenv_interpreters_on_path(PYTHONS)


def _bytecode_caches_under(prefix: Path) -> None:
    """Let every interpreter the sessions start write and read bytecode caches, kept under `prefix`.

    The suite starts hundreds of interpreters (pytest workers, the command as a subprocess), and
    uv installs without compiling. Where PYTHONDONTWRITEBYTECODE is set (container images often
    set it), each interpreter recompiles every module it imports: a third of the tests' CPU time.
    The caches go under .nox rather than beside the sources, so the checkout stays as clean as that
    setting keeps it. A PYTHONPYCACHEPREFIX already set is kept.
    """
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ.setdefault("PYTHONPYCACHEPREFIX", str(prefix))


_bytecode_caches_under(Path(__file__).resolve().parent / ".nox" / "pycache")
# What the newer Pythons, the lowest versions and the unpacked sdist run: the suite less the Prism
# contract tests and the `slow` ones (generator runs, the wheel build, the command as a subprocess).
UNIT_TESTS = ["-m", "not slow", "--ignore=tests/contract"]
# The default runs spread the tests over pytest-xdist workers, one more than the CPUs this process
# may use: many tests wait (on a socket, a subprocess, a signal), and on 2 CPUs a third worker cut
# the suite's time by a fifth (-n 3 against -n 2: 38-42 s against 50-53 s, idle machine), while a
# fourth added CPU time for little more. An idle worker takes queued tests from a busy one
# (worksteal), so the few long tests do not finish the run alone. Coverage combines the workers'.
_CPUS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
PARALLEL = ["-n", str(_CPUS + 1), "--dist", "worksteal"]

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


@nox.session(default=False)
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

    Extra arguments go to `python -m codegen.upstream` (--docs URL, --language CODE, --document
    URL_OR_PATH, --report PATH, --markdown PATH, --apply). Needs the network unless --docs/--document
    is local. Fails with exit status 3 when the comparison completed but left something to check
    (operations not seen, findings: the report is written, --apply writes nothing), 1 when it could
    not compare. The report counts the upstream document's Redocly findings (redocly.yaml's rules,
    for information) with the pinned Redocly CLI, `npm ci` first if npm is on PATH; without it the
    count is null and the report says why.
    """
    _install(session, "upstream", project=False)
    redocly = Path(__file__).parent / "node_modules" / ".bin" / "redocly"
    if shutil.which("npm"):
        redocly = Path(_node_tool(session, "redocly"))
    else:
        session.warn("npm is not on PATH: the upstream document's lint findings will not be counted")
    session.run("python", "-m", "codegen.upstream", "--redocly", str(redocly), *session.posargs)


@nox.session(name="spec-lint", python=False)
def spec_lint(session: nox.Session) -> None:
    """Redocly CLI (redocly.yaml) on the patched spec: 0 problems; upstream's own findings printed for information."""
    redocly = _node_tool(session, "redocly")
    quiet = {"REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}  # no look-up of a newer version
    session.log("adminapi.yaml as published (for information: its findings do not fail the session)")
    session.run(redocly, "lint", "adminapi.yaml", "--format=stylish", external=True, env=quiet, success_codes=[0, 1])
    session.run(redocly, "lint", "generated/adminapi.patched.yaml", external=True, env=quiet)


@nox.session
def fuzz(session: nox.Session) -> None:
    """schemathesis against the tests' fake API on 127.0.0.1: every check and phase, bounded (about 45 s).

    The fake is held to the patched spec as the client is; the one accepted finding is its status
    for an invalid body (codegen/SPEC_NOTES.md). Extra arguments go to `schemathesis run`.
    """
    _install(session, "test")
    session.run("python", "-m", "tests.support.fake_api.fuzz", *session.posargs)


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
    """Run `geekai-admin` through its commands against a local mock (needs Node.js); then keys as code
    (plan, apply, an edit) against the tests' fake API on loopback, which keeps state as Prism does not."""
    session.install("--group", "demo", "-e", ".")
    session.run("python", "-m", "devtools.demo")


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """pytest on every supported Python; extra arguments go to pytest (`nox -s tests-3.12` runs one).

    Without arguments, on the first (oldest) Python: every test, with coverage of the overlay
    (>= 95%); on the newer ones: UNIT_TESTS. What they leave out (Prism, the generator, the wheel,
    the command as a subprocess) depends on no Python version, and would double the run's time.
    Either runs on PARALLEL's workers. With arguments, pytest runs just those, in one process (add
    `-n auto` to spread them): the coverage gate holds for the whole suite, not a part.
    """
    _install(session, "test")
    if session.posargs:
        session.run("pytest", *session.posargs)
    elif session.python == FULL_PYTHON:
        session.run("pytest", *PARALLEL, "--cov", "--cov-report=term-missing", "--cov-fail-under=95")
    else:
        session.run("pytest", *PARALLEL, *UNIT_TESTS)


@nox.session(python=FULL_PYTHON)
def lowest(session: nox.Session) -> None:
    """The suite (less Prism and the slow tests) against the lowest versions the package declares.

    uv's lowest-direct resolution installs every run-time dependency (httpx, attrs, msgspec, shtab)
    and httpx-aiohttp (the `aiohttp` extra) at their declared lower bounds; the test tools keep
    their pins, except those the package itself declares (the test group pins the newest shtab and
    httpx-aiohttp). devtools.lowest then fails unless each installed version is its lower bound, so
    that a test tool cannot lift one unseen.
    """
    runtime = [*PYPROJECT["project"]["dependencies"], *PYPROJECT["project"]["optional-dependencies"]["aiohttp"]]
    declared = {_requirement_name(requirement) for requirement in runtime}
    tools = [r for r in nox.project.dependency_groups(PYPROJECT, "test") if _requirement_name(r) not in declared]
    session.install("--resolution", "lowest-direct", *tools, "-e", ".[aiohttp]")
    session.run("python", "-m", "devtools.lowest", *runtime)
    session.run("pytest", *(session.posargs or [*PARALLEL, *UNIT_TESTS]))


def _requirement_name(requirement: str) -> str:
    """The normalised project name of a requirement string (PEP 503)."""
    return canonicalize_name(Requirement(requirement).name)


@nox.session(default=False)
def reliability(session: nox.Session) -> None:
    """Fault matrix, secret scan, hostile input and load over real sockets on 127.0.0.1; prints the figures."""
    _install(session, "test")
    session.run("pytest", "tests/reliability", *session.posargs, env={"GEEKAI_RELIABILITY_REPORT": "1"})


@nox.session(default=False)
def live(session: nox.Session) -> None:
    """Check the live API against both specs and record what it does (needs GEEKAI_SYSTEM_KEY; see CONTRIBUTING.md).

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


@nox.session(name="workflow-lint")
def workflow_lint(session: nox.Session) -> None:
    """zizmor (offline: every audit that needs no GitHub API) over every file in .github/workflows."""
    _install(session, "workflow-lint", project=False)
    workflows = sorted(str(path) for path in Path(".github/workflows").glob("*.y*ml"))
    if not workflows:
        session.error("no workflow files in .github/workflows")
    session.run("zizmor", "--offline", *workflows)


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site into site/ with `mkdocs build --strict`, then check it in Chromium.

    The check (devtools/site_check.py) serves site/ on 127.0.0.1 and opens it in headless
    Chromium: the home page renders, GeekAIAdmin's reference page lists its methods, and the
    site's search finds GEEKAI_SYSTEM_KEY. The browser: DOCS_BROWSER (an executable) if set, else a
    Chromium or Chrome on PATH, else Debian's `chromium` installed with apt-get when the session
    runs as root.
    `nox -s docs -- serve` serves the site with live reload instead.
    """
    _install(session, "docs")
    if session.posargs[:1] == ["serve"]:
        session.run("mkdocs", "serve", *session.posargs[1:])
        return
    session.run("mkdocs", "build", "--strict", "--site-dir", "site")
    session.run("python", "-m", "devtools.site_check", "site", "--browser", _chromium(session))


BROWSERS = ("chromium", "chromium-browser", "google-chrome-stable", "google-chrome")
APT_INSTALL_CHROMIUM = "apt-get update && apt-get install -y --no-install-recommends chromium"


def _browser_on_path() -> str | None:
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


def _apt_can_install() -> bool:
    return shutil.which("apt-get") is not None and hasattr(os, "geteuid") and os.geteuid() == 0


def _chromium(session: nox.Session) -> str:
    """A headless-capable Chromium or Chrome: DOCS_BROWSER, on PATH, else Debian's `chromium` by apt-get."""
    if configured := os.environ.get("DOCS_BROWSER"):
        if found := shutil.which(configured):
            return found
        session.error(f"DOCS_BROWSER={configured!r} is not an executable")
    if _EARLY_CHROMIUM is not None:
        session.log(f"waiting for `{APT_INSTALL_CHROMIUM}`, started with the run")
        status = _EARLY_CHROMIUM.wait()
        _EARLY_CHROMIUM_LOG.seek(0)
        output = _EARLY_CHROMIUM_LOG.read().decode(errors="replace")
        if status != 0:
            session.error(f"`{APT_INSTALL_CHROMIUM}` failed ({status}):\n{output[-4000:]}")
        session.log(output.rstrip().rsplit("\n", 1)[-1])
    elif _browser_on_path() is None:
        if not _apt_can_install():
            session.error(
                "the docs check needs Chromium: install it (Debian: apt-get install chromium)"
                " or set DOCS_BROWSER to a Chromium or Chrome executable"
            )
        session.run("sh", "-c", APT_INSTALL_CHROMIUM, external=True)
    found = _browser_on_path()
    if found is None:
        session.error("apt-get installed chromium, but it is not on PATH")
    return found


# Options of nox that choose what runs (or run nothing): without any, nox runs the default sessions.
_SELECTING_OPTIONS = frozenset(
    {
        *("-s", "--session", "--sessions", "-e", "-k", "--keywords", "-t", "--tags", "-p", "--python"),
        *("-l", "--list", "--list-sessions", "--json", "--usage", "-h", "--help", "--version"),
    }
)


def _default_run(argv: list[str]) -> bool:
    """Whether this is nox running the default sessions: no NOXSESSION, no selecting option before `--`."""
    program = Path(argv[0])
    if "nox" not in (program.name, program.parent.name):  # `nox`, or `python -m nox` (nox/__main__.py)
        return False
    options = argv[1 : argv.index("--")] if "--" in argv else argv[1:]
    return "NOXSESSION" not in os.environ and not any(arg.split("=", 1)[0] in _SELECTING_OPTIONS for arg in options)


def _start_chromium_install() -> subprocess.Popen[bytes] | None:
    """The default run's `docs` needs apt-get's chromium: download and install it while the other sessions run.

    On a fresh machine that takes a minute or more, mostly waiting on the network and the disk.
    Only when `docs` would install it anyway: a default run, no DOCS_BROWSER, no browser on PATH,
    apt-get and root. `docs` waits for it and fails with its output if it failed.
    """
    if not _default_run(sys.argv) or os.environ.get("DOCS_BROWSER") or _browser_on_path() or not _apt_can_install():
        return None
    return subprocess.Popen(  # noqa: S603 (a fixed command)
        ["sh", "-c", APT_INSTALL_CHROMIUM],  # noqa: S607 (as session.run finds it: on PATH)
        stdin=subprocess.DEVNULL,
        stdout=_EARLY_CHROMIUM_LOG,
        stderr=subprocess.STDOUT,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )


_EARLY_CHROMIUM_LOG = tempfile.TemporaryFile()  # noqa: SIM115 (read by `docs`, at the end of the run)
_EARLY_CHROMIUM = _start_chromium_install()


@nox.session(name="release-check", python=FULL_PYTHON, default=False)
def release_check(session: nox.Session) -> None:
    """Build the sdist and the wheel into dist/ and check them as PyPI, a user and a packager would.

    twine check --strict; METADATA (License-Expression, License-File, the classifiers), the
    changelog's entry for the version and the sdist's contents (every tracked file) by
    devtools/release.py; the wheel alone in a fresh venv (`geekai-admin --version`, every public
    name imports); the sdist unpacked in a temporary folder, installed from there in a fresh venv
    and its unit tests run there.
    """
    _install(session, "release", project=False)
    with tempfile.TemporaryDirectory(prefix="geekai-admin-release-check-") as tmp:
        _release_check(session, Path(tmp))


def _release_check(session: nox.Session, work: Path) -> None:
    dist = Path("dist")
    shutil.rmtree(dist, ignore_errors=True)
    session.run("python", "-m", "build", "--installer=uv", "--outdir", str(dist), ".")
    (sdist,) = dist.glob("*.tar.gz")
    (wheel,) = dist.glob("*.whl")
    session.run("twine", "check", "--strict", str(sdist), str(wheel))
    session.run("python", "-m", "devtools.release", "check", str(sdist), str(wheel))

    wheel_python = _fresh_venv(session, work / "wheel-venv")
    session.run("uv", "pip", "install", "--quiet", "--python", wheel_python, str(wheel))
    session.run(wheel_python, "-m", "devtools.release", "smoke", external=True)

    unpacked = session.run("python", "-m", "devtools.release", "unpack", str(sdist), str(work), silent=True)
    sdist_python = _fresh_venv(session, work / "sdist-venv")
    with session.chdir(str(unpacked).strip()):
        session.run("uv", "pip", "install", "--quiet", "--python", sdist_python, "--group", "test", "-e", ".")
        session.run(sdist_python, "-m", "pytest", "-p", "no:cacheprovider", *UNIT_TESTS, external=True)


def _fresh_venv(session: nox.Session, location: Path) -> str:
    """A new virtualenv from the session's interpreter; its python."""
    session.run("uv", "venv", "--quiet", "--python", str(Path(session.bin) / "python"), str(location))
    return str(location / "bin" / "python")
