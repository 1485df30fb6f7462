"""The upstream document: the site's spec file, or merged from its pages, or read whole; checked before use.

Order of preference on the docs site: the spec file llms.txt links (`## OpenAPI Specs`), read
whole and cross-checked against every page excerpt; else the excerpts merged. Whatever the
source, the document must be OpenAPI 3.1 before anything is compared.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from openapi_spec_validator import OpenAPIV31SpecValidator
from openapi_spec_validator.validation.exceptions import ExtraParametersError, UnresolvableParameterError

from codegen.generate import dump_yaml
from codegen.spec_checks import operations
from codegen.upstream.coverage import Finding, SourceRead
from codegen.upstream.docs_site import SPEC_NAME, DocsError, SiteRead, read_site
from codegen.upstream.fetch import Fetcher, read_source
from codegen.upstream.merge import disagreements, merge_excerpts
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
    errors = [
        e for e in OpenAPIV31SpecValidator(dict(document)).iter_errors() if not isinstance(e, _FIXED_BY_THE_PATCH)
    ]
    if errors:
        raise InvalidDocumentError(f"{source}: not a valid OpenAPI 3.1 document: {errors[0].message}")
    return dict(document)


def _parsed(source: str, body: bytes) -> dict[str, Any]:
    try:
        document = load_untrusted(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InvalidDocumentError(f"{source}: not a YAML or JSON document: {exc}") from None
    except UntrustedYamlError as exc:
        raise InvalidDocumentError(f"{source}: {exc}") from None
    return validate_document(source, document)


def _ops(document: Mapping[str, Any]) -> list[str]:
    return [f"{method.upper()} {path}" for method, path, _ in operations(document)]


def from_docs(fetcher: Fetcher, docs_url: str, language: str = "") -> Upstream:
    """The document the docs site publishes: its spec file when linked, else merged from its pages."""
    site = read_site(fetcher, docs_url, language)
    if site.spec_links:
        return _from_spec_links(fetcher, docs_url, site)
    if not site.excerpts:
        raise DocsError(f"{site.index}: no linked page holds an excerpt of {SPEC_NAME}, and no spec file is linked")
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


def _from_spec_links(fetcher: Fetcher, docs_url: str, site: SiteRead) -> Upstream:
    first, *others = site.spec_links
    body = fetcher.get(first)
    site.digest.update(body)
    document = _parsed(first, body)
    site.sources.append(SourceRead(first, "spec", _ops(document)))
    findings = [*site.findings, *disagreements(document, first, site.excerpts)]
    for other in others:
        copy = _parsed(other, fetcher.get(other))
        site.sources.append(SourceRead(other, "spec", _ops(copy)))
        if copy != document:
            findings.append(Finding("disagreement", f"{first} and {other} are different documents", (first, other)))
    # The whole document is complete whatever the indexes left out: what it lacks is removed.
    return Upstream(
        docs_url, document, body, hashlib.sha256(body).hexdigest(), True, site.sources, findings, site.truncated
    )


def from_document(fetcher: Fetcher, url_or_path: str) -> Upstream:
    """A whole published document, kept byte for byte."""
    body = read_source(fetcher, url_or_path)
    document = _parsed(url_or_path, body)
    sources = [SourceRead(url_or_path, "spec", _ops(document))]
    return Upstream(url_or_path, document, body, hashlib.sha256(body).hexdigest(), sources=sources)
