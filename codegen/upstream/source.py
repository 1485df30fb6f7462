"""The upstream document: the site's spec file, or merged from its pages, or read whole; checked before use.

Order of preference on the docs site: the spec file llms.txt links (`## OpenAPI Specs`), read
whole and cross-checked against every page excerpt; else the excerpts merged. Whatever the
source, every document read (spec files and excerpts) must refer only inside itself before any of
it is validated (codegen.upstream.reference_gate), and the document must be OpenAPI 3.1 before
anything is compared.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from openapi_spec_validator.validation.exceptions import ExtraParametersError, UnresolvableParameterError

from codegen.generate import dump_yaml
from codegen.local_references import UNRESOLVED, local_only_validator
from codegen.spec_checks import operations
from codegen.upstream.coverage import Finding, SourceRead
from codegen.upstream.docs_site import SPEC_NAME, DocsError, SiteRead, read_site
from codegen.upstream.fetch import Fetcher, read_source
from codegen.upstream.merge import disagreements, merge_excerpts
from codegen.upstream.reference_gate import check_references
from codegen.upstream.untrusted_yaml import UntrustedYamlError, load_untrusted

__all__ = ["InvalidDocumentError", "Upstream", "from_docs", "from_document", "validate_document"]

# Path templates that disagree with path parameters are upstream's known kind of error, and what
# adminapi.patch.yaml exists to fix: they are checked, both ways, on the patched document before
# generation (codegen.spec_checks). Everything else must hold for the document as published.
_FIXED_BY_THE_PATCH = (ExtraParametersError, UnresolvableParameterError)


class InvalidDocumentError(ValueError):
    """The upstream document is not OpenAPI 3.1 (or is refused: aliases, too deep)."""


@dataclass(frozen=True)
class Upstream:
    url: str
    document: dict[str, Any]
    content: bytes  # what --apply writes as adminapi.yaml
    sha256: str  # of what was fetched
    complete: bool = True  # an operation missing from `document` is known to be removed
    sources: list[SourceRead] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    truncated: list[str] = field(default_factory=list)  # indexes that may leave pages out

    def provenance(self) -> dict[str, str]:
        return {"url": self.url, "sha256": self.sha256}


def validate_document(source: str, document: Any) -> dict[str, Any]:
    """The document, if it is OpenAPI 3.1 (path-parameter consistency aside); else InvalidDocumentError."""
    if not isinstance(document, Mapping):
        raise InvalidDocumentError(f"{source}: not an OpenAPI document (a YAML or JSON mapping)")
    version = str(document.get("openapi", ""))
    if not version.startswith("3.1."):
        raise InvalidDocumentError(f"{source}: OpenAPI {version or '(no version)'}, not 3.1")
    try:
        errors = [e for e in local_only_validator(document).iter_errors() if not isinstance(e, _FIXED_BY_THE_PATCH)]
    except UNRESOLVED as exc:
        raise InvalidDocumentError(f"{source}: a reference that cannot be followed: {exc}") from None
    if errors:
        raise InvalidDocumentError(f"{source}: not a valid OpenAPI 3.1 document: {errors[0].message}")
    return dict(document)


def _loaded(source: str, body: bytes) -> Any:
    try:
        return load_untrusted(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InvalidDocumentError(f"{source}: not a YAML or JSON document: {exc}") from None
    except UntrustedYamlError as exc:
        raise InvalidDocumentError(f"{source}: {exc}") from None


def _ops(document: Mapping[str, Any]) -> list[str]:
    return [f"{method.upper()} {path}" for method, path, _ in operations(document)]


def from_docs(fetcher: Fetcher, docs_url: str, language: str = "") -> Upstream:
    """The document the docs site publishes: its spec file when linked, else merged from its pages."""
    site = read_site(fetcher, docs_url, language)
    excerpts = [(excerpt.page, excerpt.document) for excerpt in site.excerpts]
    if site.spec_links:
        return _from_spec_links(fetcher, docs_url, site, excerpts)
    if not site.excerpts:
        raise DocsError(f"{site.index}: no linked page holds an excerpt of {SPEC_NAME}, and no spec file is linked")
    check_references(excerpts, site.sources)
    document = validate_document(f"the document merged from {site.index}", merge_excerpts(site.excerpts))
    return Upstream(
        docs_url,
        document,
        dump_yaml(document).encode("utf-8"),
        site.digest.hexdigest(),
        site.complete,
        site.sources,
        site.findings,
        site.truncated,
    )


def _from_spec_links(fetcher: Fetcher, docs_url: str, site: SiteRead, excerpts: list[tuple[str, Any]]) -> Upstream:
    bodies = [fetcher.get(link) for link in site.spec_links]
    site.digest.update(bodies[0])
    loaded = [(link, _loaded(link, body)) for link, body in zip(site.spec_links, bodies, strict=True)]
    check_references([*loaded, *excerpts], [*site.sources, *(SourceRead(link, "spec") for link, _ in loaded)])
    (first, whole), *others = loaded
    document = validate_document(first, whole)
    site.sources.append(SourceRead(first, "spec", _ops(document)))
    findings = [*site.findings, *disagreements(document, first, site.excerpts)]
    for other, other_document in others:
        copy = validate_document(other, other_document)
        site.sources.append(SourceRead(other, "spec", _ops(copy)))
        if copy != document:
            findings.append(Finding("disagreement", f"{first} and {other} are different documents", (first, other)))
    # The whole document is complete whatever the indexes left out: what it lacks is removed.
    body = bodies[0]
    return Upstream(
        docs_url, document, body, hashlib.sha256(body).hexdigest(), True, site.sources, findings, site.truncated
    )


def from_document(fetcher: Fetcher, url_or_path: str) -> Upstream:
    """A whole published document, kept byte for byte."""
    body = read_source(fetcher, url_or_path)
    loaded = _loaded(url_or_path, body)
    check_references([(url_or_path, loaded)], [SourceRead(url_or_path, "spec")])
    document = validate_document(url_or_path, loaded)
    sources = [SourceRead(url_or_path, "spec", _ops(document))]
    return Upstream(url_or_path, document, body, hashlib.sha256(body).hexdigest(), sources=sources)
