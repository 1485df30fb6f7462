"""The comparison: the upstream document against the vendored one, the patch, the generated package.

An operation of the vendored document that an incomplete source (a truncated index, a block that
could not be attributed) did not show is "not seen", never removed: it is compared as the vendored
document has it, and listed for a maintainer to check.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from codegen.generate import GenerationError, Inputs, dump_yaml, generate, load_yaml
from codegen.overlay_apply import OverlayError, apply_overlay
from codegen.spec_checks import SpecError, operations
from codegen.upstream.docs_site import Excerpt
from codegen.upstream.merge import fill_in
from codegen.upstream.operation_cut import cut_operation
from codegen.upstream.page_blocks import normal_path
from codegen.upstream.python_api import PythonApiDiff, compare_packages
from codegen.upstream.report import PatchAction, Report
from codegen.upstream.source import Upstream
from codegen.upstream.spec_diff import diff_upstream

__all__ = ["ComparisonError", "apply", "compare"]

_PIPELINE_ERRORS = (GenerationError, SpecError, OverlayError)


class ComparisonError(RuntimeError):
    """The new document cannot be patched or generated from; the message says which step failed."""


def _generate(upstream: Upstream, inputs: Inputs, out: Path) -> None:
    try:
        generate(out, inputs, upstream.provenance())
    except _PIPELINE_ERRORS as exc:
        raise ComparisonError(f"regenerating from {upstream.url} failed: {exc}") from None


def apply(upstream: Upstream, root: Path) -> None:
    """Write the upstream document as `root`'s adminapi.yaml, record its hash as the published one, and
    regenerate; restore both files if that fails."""
    inputs = Inputs.at(root)
    vendored, published = inputs.spec.read_bytes(), inputs.published.read_bytes()
    inputs.spec.write_bytes(upstream.content)
    inputs.published.write_text(inputs.published_line(), encoding="ascii")
    try:
        _generate(upstream, inputs, root / "generated")
    except ComparisonError:
        inputs.spec.write_bytes(vendored)
        inputs.published.write_bytes(published)
        raise


def not_seen(upstream: Upstream, vendored: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The vendored operations an incomplete source did not show (none when the source is complete)."""
    if upstream.complete:
        return []
    seen = {(method, normal_path(path)) for method, path, _ in operations(upstream.document)}
    return [(m, p) for m, p, _ in operations(vendored) if (m, normal_path(p)) not in seen]


def compare(upstream: Upstream, root: Path) -> Report:
    """The report on `upstream` against the checkout at `root`; nothing in `root` changes."""
    inputs = Inputs.at(root)
    vendored, overlay = load_yaml(inputs.spec), load_yaml(inputs.patch)
    unseen = not_seen(upstream, vendored)
    document, content = upstream.document, upstream.content
    if unseen:
        kept = [Excerpt(str(inputs.spec), m, p, cut_operation(vendored, m, p)) for m, p in unseen]
        document = fill_in(document, kept)
        content = dump_yaml(document).encode("utf-8")
    old_patched, before = apply_overlay(vendored, overlay)
    try:
        new_patched, after = apply_overlay(document, overlay)
    except OverlayError as exc:
        raise ComparisonError(f"adminapi.patch.yaml fails on the document from {upstream.url}: {exc}") from None
    spec = diff_upstream(vendored, document, old_patched, new_patched)
    patch = [PatchAction(a.index, a.target, a.kind, a.matched, b.matched) for a, b in zip(after, before, strict=True)]
    python_api = PythonApiDiff()
    if spec.changes:
        with tempfile.TemporaryDirectory(prefix="geekai-upstream-") as tmp:
            fresh, fetched = Path(tmp) / "generated", Path(tmp) / inputs.spec.name
            fetched.write_bytes(content)
            _generate(upstream, replace(inputs, spec=fetched), fresh)
            python_api = compare_packages(root / "generated", fresh)
    return Report(
        upstream.url,
        spec,
        patch,
        python_api,
        sources=upstream.sources,
        findings=upstream.findings,
        not_seen=[f"{m.upper()} {p}" for m, p in unseen],
        truncated=upstream.truncated,
    )
