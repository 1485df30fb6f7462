"""Compare the published GeekAI admin API document with the vendored adminapi.yaml (`nox -s upstream`).

python -m codegen.upstream [--docs URL [--language CODE] | --document URL_OR_PATH] [--report PATH]
                           [--markdown PATH] [--redocly PATH] [--apply]

Prints the Markdown summary and writes the JSON report; with --redocly, the report also counts
the upstream document's lint findings under the repository's redocly.yaml (for information).
Exit status: 0 when the comparison completed (changed or not: the report says which); 3 when it
completed but left something to check (operations not seen, findings: the report and stderr say
what; --apply writes nothing), or when a fetched document refers outside itself (nothing is
compared, linted or resolved; the report names each reference); 1 when it could not (nothing is
written); 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import httpx

from codegen.generate import ROOT
from codegen.overlay_apply import OverlayError
from codegen.upstream.compare import ComparisonError, apply, compare
from codegen.upstream.docs_site import DocsError
from codegen.upstream.fetch import Fetcher, FetchError, check_url
from codegen.upstream.lint import count_findings
from codegen.upstream.merge import DisagreementError
from codegen.upstream.python_api import SurfaceError
from codegen.upstream.reference_gate import ExternalReferencesError
from codegen.upstream.report import Report
from codegen.upstream.source import InvalidDocumentError, from_docs, from_document

DEFAULT_DOCS = "https://docs.geekai.co"
INCOMPLETE = 3
_FAILURES = (
    FetchError,
    DocsError,
    DisagreementError,
    InvalidDocumentError,
    OverlayError,
    ComparisonError,
    SurfaceError,
)


def _url(value: str) -> str:
    try:
        check_url(value)
    except (FetchError, httpx.InvalidURL) as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def _document(value: str) -> str:
    return _url(value) if "://" in value else value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m codegen.upstream", description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--docs", type=_url, default=DEFAULT_DOCS, metavar="URL", help=f"docs site (default {DEFAULT_DOCS})"
    )
    where.add_argument("--document", type=_document, metavar="URL_OR_PATH", help="a whole OpenAPI document instead")
    parser.add_argument(
        "--language",
        default="",
        metavar="CODE",
        help="compare another language's copy of the spec (its folder on the site: en); default: the default one's",
    )
    parser.add_argument("--report", type=Path, default=Path("upstream-report.json"), metavar="PATH")
    parser.add_argument("--markdown", type=Path, metavar="PATH", help="also write the Markdown summary here")
    parser.add_argument(
        "--redocly",
        type=Path,
        metavar="PATH",
        help="count the upstream document's lint findings with this Redocly CLI (nox -s upstream: the pinned one)",
    )
    parser.add_argument("--apply", action="store_true", help="write adminapi.yaml and regenerate generated/")
    return parser


def _report(fetcher: Fetcher, args: argparse.Namespace, root: Path) -> Report:
    """The comparison (linted, applied when asked), or the refusal of documents that refer outside themselves."""
    try:
        if args.document:
            upstream = from_document(fetcher, args.document)
        else:
            upstream = from_docs(fetcher, args.docs, args.language.strip("/").lower())
    except ExternalReferencesError as refusal:
        return Report.refused(args.document or args.docs, refusal)
    report = compare(upstream, root)
    if args.redocly is not None:
        report = replace(report, lint=count_findings(upstream.content, args.redocly, root / "redocly.yaml"))
    if args.apply and report.changed and report.complete:
        apply(upstream, root)
    return report


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    args = _parser().parse_args(argv)
    fetcher = Fetcher.open()
    try:
        report = _report(fetcher, args, root)
    except _FAILURES as exc:
        print(f"upstream: error: {exc}", file=sys.stderr)
        return 1
    finally:
        fetcher.close()
    markdown = report.markdown()
    try:
        args.report.write_text(report.json(), encoding="utf-8")
        if args.markdown is not None:
            args.markdown.write_text(markdown, encoding="utf-8")
    except OSError as exc:
        print(f"upstream: error: cannot write the report: {exc}", file=sys.stderr)
        return 1
    print(markdown, end="")
    if not report.complete:
        print(f"upstream: incomplete: {report.to_check()}", file=sys.stderr)
        return INCOMPLETE
    return 0


if __name__ == "__main__":
    sys.exit(main())
