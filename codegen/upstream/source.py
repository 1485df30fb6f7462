"""The upstream document: merged from the docs site's pages, or read whole; checked before use."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from openapi_spec_validator import OpenAPIV31SpecValidator
from openapi_spec_validator.validation.exceptions import ExtraParametersError, UnresolvableParameterError

from codegen.generate import dump_yaml, parse_yaml
from codegen.upstream.docs_site import read_site
from codegen.upstream.fetch import Fetcher, read_source
from codegen.upstream.merge import merge_excerpts

__all__ = ["InvalidDocumentError", "Upstream", "from_docs", "from_document", "validate_document"]

# Path templates that disagree with path parameters are upstream's known kind of error, and what
# adminapi.patch.yaml exists to fix: they are checked, both ways, on the patched document before
# generation (codegen.spec_checks). Everything else must hold for the document as published.
_FIXED_BY_THE_PATCH = (ExtraParametersError, UnresolvableParameterError)


class InvalidDocumentError(ValueError):
    """The upstream document is not OpenAPI 3.1."""


@dataclass(frozen=True)
class Upstream:
    url: str
    document: dict[str, Any]
    content: bytes  # what --apply writes as adminapi.yaml
    sha256: str  # of what was fetched

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


def from_docs(fetcher: Fetcher, docs_url: str) -> Upstream:
    """The document the docs site's pages are cut from."""
    site = read_site(fetcher, docs_url)
    document = validate_document(f"the document merged from {site.index}", merge_excerpts(site.excerpts))
    return Upstream(docs_url, document, dump_yaml(document).encode("utf-8"), site.sha256)


def from_document(fetcher: Fetcher, url_or_path: str) -> Upstream:
    """A whole published document, kept byte for byte."""
    body = read_source(fetcher, url_or_path)
    try:
        text = body.decode("utf-8")
        document = parse_yaml(text)
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InvalidDocumentError(f"{url_or_path}: not a YAML or JSON document: {exc}") from None
    return Upstream(url_or_path, validate_document(url_or_path, document), body, hashlib.sha256(body).hexdigest())
