"""The comparison: the upstream document against the vendored one, the patch, the generated package."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

from codegen.generate import GenerationError, Inputs, generate, load_yaml
from codegen.overlay_apply import OverlayError, apply_overlay
from codegen.spec_checks import SpecError
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


def compare(upstream: Upstream, root: Path) -> Report:
    """The report on `upstream` against the checkout at `root`; nothing in `root` changes."""
    inputs = Inputs.at(root)
    vendored, overlay = load_yaml(inputs.spec), load_yaml(inputs.patch)
    old_patched, before = apply_overlay(vendored, overlay)
    try:
        new_patched, after = apply_overlay(upstream.document, overlay)
    except OverlayError as exc:
        raise ComparisonError(f"adminapi.patch.yaml fails on the document from {upstream.url}: {exc}") from None
    spec = diff_upstream(vendored, upstream.document, old_patched, new_patched)
    patch = [PatchAction(a.index, a.target, a.kind, a.matched, b.matched) for a, b in zip(after, before, strict=True)]
    python_api = PythonApiDiff()
    if spec.changes:
        with tempfile.TemporaryDirectory(prefix="geekai-upstream-") as tmp:
            fresh, fetched = Path(tmp) / "generated", Path(tmp) / inputs.spec.name
            fetched.write_bytes(upstream.content)
            _generate(upstream, replace(inputs, spec=fetched), fresh)
            python_api = compare_packages(root / "generated", fresh)
    return Report(upstream.url, spec, patch, python_api)
