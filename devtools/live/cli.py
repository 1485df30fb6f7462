"""`python -m devtools.live`: the live conformance run (`nox -s live`).

    GEEKAI_SYSTEM_KEY=... python -m devtools.live [--write] [--report PATH] [--base-url URL | --region cn|global]

Exit status: 0 every step answered and no throwaway key is left; 1 a step failed, the run
stopped early (budget, rate limit) or a key is left; 2 bad usage or no system key (nothing
sent); 130 interrupted (the clean-up still ran, the report is still written).
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from devtools.live.budget import RequestBudget
from devtools.live.interrupts import Guard
from devtools.live.report import build_report, markdown, to_json
from devtools.live.run import LiveRun, Step
from devtools.live.scrub import Scrubber
from devtools.live.wire import ObservingTransport
from devtools.openapi_validation import PATCHED_SPEC, UPSTREAM_SPEC, spec_validator
from geekai_admin import DEFAULT_TIMEOUT, KEY_ENV, ConfigurationError, GeekAIAdmin, RetryPolicy
from geekai_admin._client import USER_AGENT
from geekai_admin._config import resolve_base_url, resolve_key
from geekai_admin._constants import REGIONS
from geekai_admin_api import AuthenticatedClient

__all__ = ["RETRY_AFTER_BOUND", "main"]

PROG = "python -m devtools.live"
RETRY_AFTER_BOUND = 30.0
"""Seconds of a 429's Retry-After the run waits for; a longer hint stops the run (a finding)."""
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Check the live GeekAI admin API against the spec and record what it really does. "
        "The system key comes from GEEKAI_SYSTEM_KEY only.",
    )
    parser.add_argument(
        "--write",
        action="store_true",
        help="also create, update and delete one throwaway key (limit 1 coin, expiring tomorrow), "
        "and delete leftover geekai-admin-live- keys",
    )
    parser.add_argument("--report", default="live-report.json", help="where the JSON report goes")
    parser.add_argument("--base-url", help="API root; beats GEEKAI_BASE_URL and GEEKAI_REGION (not with --region)")
    parser.add_argument(
        "--region", choices=sorted(REGIONS), help="beats GEEKAI_BASE_URL and GEEKAI_REGION (default cn)"
    )
    return parser


def _fail(message: str, status: int) -> int:
    sys.stderr.write(f"{PROG}: error: {message}\n")
    return status


def main(argv: Sequence[str] | None = None, *, transport: httpx.BaseTransport | None = None) -> int:
    """Run, print the summary, write the report; the exit status. `transport` is for tests."""
    args = _parser().parse_args(argv)
    if not os.environ.get(KEY_ENV):
        return _fail(
            f"{KEY_ENV} is not set: the live run needs a system key from geekai.co/user/provision_keys "
            "(nothing was sent)",
            EXIT_USAGE,
        )
    try:
        key = resolve_key(None)
        base_url = resolve_base_url(args.base_url, args.region)
    except ConfigurationError as exc:
        return _fail(f"{exc} (nothing was sent)", EXIT_USAGE)
    report_path = Path(args.report)
    if not report_path.parent.is_dir():
        return _fail(f"--report {args.report}: no such directory (nothing was sent)", EXIT_USAGE)
    try:
        validators = {"patched": spec_validator(PATCHED_SPEC), "upstream": spec_validator(UPSTREAM_SPEC)}
    except KeyboardInterrupt:
        return _fail("interrupted before anything was sent", EXIT_INTERRUPTED)

    scrubber = Scrubber(key.reveal())
    budget = RequestBudget()
    observing = ObservingTransport(transport or httpx.HTTPTransport(), budget, validators, scrubber)
    client = GeekAIAdmin(
        key.reveal(),
        base_url=base_url,
        retry_policy=RetryPolicy(max_retries=2, max_retry_after=RETRY_AFTER_BOUND),
        transport=observing,
    )
    wrong_key = "sk-geekai-admin-live-wrong-" + secrets.token_hex(16)
    wrong_key_client = GeekAIAdmin(wrong_key, base_url=base_url, max_retries=0, transport=observing)
    raw_client = AuthenticatedClient(
        base_url=base_url,
        token=key.reveal(),
        timeout=DEFAULT_TIMEOUT,
        headers={"User-Agent": USER_AGENT},
        httpx_args={"transport": observing},
    )
    guard = Guard()
    run = LiveRun(
        client=client,
        wrong_key_client=wrong_key_client,
        raw_client=raw_client,
        transport=observing,
        scrubber=scrubber,
        guard=guard,
        write=args.write,
    )
    try:
        with guard.installed():
            run.run()
    except KeyboardInterrupt:  # also one held back during the clean-up, raised after it
        run.interrupted = True
    except Exception as exc:  # a fault of this tool: still write what was found, without a traceback
        run.stopped = "error"
        run.steps.append(Step("internal error", "failed", None, f"{type(exc).__name__}: {exc}"))
    finally:
        raw_client.get_httpx_client().close()
        wrong_key_client.close()
        client.close()
    return _finish(build_report(run, base_url=base_url, budget=budget, scrubber=scrubber), report_path, scrubber)


def _finish(report: dict[str, Any], report_path: Path, scrubber: Scrubber) -> int:
    """Write the report, print the summary; the exit status, with one line on stderr unless 0."""
    sys.stdout.write(markdown(report, report_path=str(report_path), scrubber=scrubber))
    try:
        report_path.write_text(to_json(report), encoding="utf-8")
    except OSError as exc:
        return _fail(scrubber.text(f"the report could not be written to {report_path}: {exc}"), EXIT_FAILED)
    failed = [step["name"] for step in report["steps"] if step["outcome"] == "failed"]
    if report["stopped"] == "interrupted":
        return _fail("interrupted; the clean-up ran (see the report)", EXIT_INTERRUPTED)
    problems = []
    if report["stopped"]:
        problems.append(f"stopped early ({report['stopped']})")
    if failed:
        problems.append(f"{len(failed)} step(s) failed ({', '.join(failed[:3])}{', ...' if len(failed) > 3 else ''})")
    if report["leftover_keys"] != 0:
        left = "an unknown number of" if report["leftover_keys"] is None else str(report["leftover_keys"])
        problems.append(f"{left} geekai-admin-live- key(s) left on the account")
    if problems:
        return _fail(scrubber.text("; ".join(problems) + f"; see {report_path}"), EXIT_FAILED)
    return EXIT_OK
