"""The report of a live run: a JSON document (the record) and a Markdown summary (for people).

Both are made from the same scrubbed data, so neither can show what the other hides.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from typing import Any

from devtools.live import findings
from devtools.live.budget import RequestBudget
from devtools.live.run import LiveRun
from devtools.live.scrub import Scrubber
from geekai_admin import __version__

__all__ = ["build_report", "markdown", "to_json"]

_MAX_VIOLATION_ROWS = 30


def build_report(run: LiveRun, *, base_url: str, budget: RequestBudget, scrubber: Scrubber) -> dict[str, Any]:
    """The report as JSON-ready data, scrubbed."""
    observed = run.observed
    exchanges = run.transport.exchanges
    records = findings.key_records(exchanges)
    empty_expiry, empty_expiry_counts = findings.empty_style(records, "expired_at")
    never_used, never_used_counts = findings.empty_style(records, "last_used_at")
    put_verdict, put_details = (
        findings.put_omission(observed.get("before_put"), observed.get("after_put"), observed.get("put_status"))
        if run.write
        else (findings.NOT_TESTED, {})
    )
    shapes, shape_statuses = findings.error_shapes(exchanges)
    sent, before = observed.get("update_sent"), observed.get("before_put")
    not_applied = None if sent is None or before is None else findings.update_mismatches(sent, before)
    report: dict[str, Any] = {
        "tool": f"geekai-admin live conformance ({__version__})",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "base_url": base_url,
        "write": run.write,
        "requests": budget.used,
        "request_limit": budget.limit,
        "stopped": "interrupted" if run.interrupted else run.stopped,
        "leftover_keys": None if run.leftover is None else len(run.leftover),
        "leftover": run.leftover,
        "swept": run.swept,
        "findings": {
            "balance_shape": findings.balance_shape(observed.get("balance")),
            "put_omitted_fields": put_verdict,
            "empty_expiry": empty_expiry,
            "never_used_last_used_at": never_used,
            "unknown_key_status": observed.get("unknown_key_status"),
            "wrong_system_key_status": observed.get("wrong_system_key_status"),
            "error_shapes": shapes,
            "update_applied": None if not_applied is None else not not_applied,
            "deleted_key_status": observed.get("deleted_key_status"),
            "delete_again_status": observed.get("delete_again_status"),
            "invalid_body_status": observed.get("invalid_body_status"),
            "rate_limited": [
                {"operation": e.operation, "retry_after": e.retry_after} for e in exchanges if e.status == 429
            ],
        },
        "details": {
            "put_omitted_fields": put_details,
            "empty_expiry": empty_expiry_counts,
            "never_used_last_used_at": never_used_counts,
            "error_shapes": shape_statuses,
            "update_not_applied": not_applied or [],
            "invalid_body_answer": observed.get("invalid_body_answer"),
            "key_records_seen": len(records),
        },
        "steps": [step.to_dict() for step in run.steps],
        "violations": run.transport.violations,
    }
    scrubbed: dict[str, Any] = scrubber.data(report)
    return scrubbed


def to_json(report: Mapping[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_cell(item) for item in value) or "-"
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown(report: Mapping[str, Any], *, report_path: str, scrubber: Scrubber) -> str:
    """The summary for stdout, from the (already scrubbed) report; scrubbed once more as text."""
    mode = "read-only and lifecycle (--write)" if report["write"] else "read-only"
    lines = [
        "# GeekAI admin API: live conformance",
        "",
        f"- base URL: {report['base_url']}",
        f"- mode: {mode}",
        f"- requests: {report['requests']} of at most {report['request_limit']}",
        f"- stopped early: {_cell(report['stopped'])}",
        f"- leftover `geekai-admin-live-` keys: {_cell(report['leftover_keys'])}"
        + (f" ({_cell([k['uuid'] for k in report['leftover']])})" if report["leftover"] else ""),
        f"- swept: {len(report['swept'])}",
        f"- report: {report_path}",
        "",
        "## Findings",
        "",
        "| finding | value |",
        "|---|---|",
    ]
    lines += [f"| {name} | {_cell(value)} |" for name, value in report["findings"].items()]
    lines += ["", "## Steps", "", "| step | outcome | status | detail |", "|---|---|---|---|"]
    lines += [
        f"| {_cell(s['name'])} | {s['outcome']} | {_cell(s['status'])} | {_cell(s['detail'])} |"
        for s in report["steps"]
    ]
    violations = report["violations"]
    by_spec = {spec: sum(1 for v in violations if v["spec"] == spec) for spec in ("patched", "upstream")}
    lines += [
        "",
        f"## Violations: {by_spec['patched']} of the patched spec, {by_spec['upstream']} of upstream's",
        "",
    ]
    if violations:
        lines += ["| spec | operation | status | where | count | message |", "|---|---|---|---|---|---|"]
        lines += [
            f"| {v['spec']} | {_cell(v['operation'])} | {v['status']} | {_cell(v['where'])} | {v['count']} "
            f"| {_cell(v['message'])} |"
            for v in violations[:_MAX_VIOLATION_ROWS]
        ]
        if len(violations) > _MAX_VIOLATION_ROWS:
            lines.append(f"\n({len(violations) - _MAX_VIOLATION_ROWS} more in the report)")
    else:
        lines.append("None.")
    return scrubber.text("\n".join(lines) + "\n")
