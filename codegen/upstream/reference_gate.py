"""The check every fetched document passes before any tool resolves it: local references only.

A published document (a spec file, a page's excerpt) that refers outside itself is refused whole:
not validated, linted, merged or compared, so no file is read and no URL fetched on its account.
Each such reference becomes a finding naming where it is and what it says; both are third-party
text going into a report and a pull request, so they are shown escaped (anything but the
characters of a URI as `\\xNN`) and cut short, and at most `MAX_LISTED` are listed.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from typing import Any

from codegen.local_references import NonLocalReference, non_local_references
from codegen.upstream.coverage import Finding, SourceRead

__all__ = ["MAX_LISTED", "MAX_SHOWN", "ExternalReferencesError", "check_references", "shown"]

MAX_SHOWN = 120
"""Characters of a reference or its location shown in a finding."""
MAX_LISTED = 20
"""References listed one by one; the rest are counted in one more finding."""
_PLAIN = frozenset(string.ascii_letters + string.digits + "-._~:/?#[]@!$&'()*+,;=%")


class ExternalReferencesError(Exception):
    """The fetched documents refer outside themselves: the findings say where; nothing was resolved."""

    def __init__(self, findings: list[Finding], sources: list[SourceRead]) -> None:
        super().__init__(f"{len(findings)} finding(s): references outside the document")
        self.findings = findings
        self.sources = sources


def _escape(char: str) -> str:
    if char in _PLAIN:
        return char
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def shown(text: str) -> str:
    """`text` safe to put in a report: URI characters kept, anything else escaped; at most MAX_SHOWN of them."""
    head = "".join(_escape(char) for char in text[:MAX_SHOWN])
    return head if len(text) <= MAX_SHOWN else f"{head}... ({len(text)} characters)"


def _message(source: str, found: NonLocalReference) -> str:
    where = f"{source}: `{shown(found.pointer)}`"
    key = found.pointer.rsplit("/", 1)[-1]
    if not isinstance(found.value, str):
        return f"{where} is not a reference string but {type(found.value).__name__} `{shown(repr(found.value))}`"
    if key in ("externalValue", "$id"):
        return f"{where} points outside the document: `{shown(found.value)}`"
    return f"{where} refers outside the document: `{shown(found.value)}` (only local #/... references are followed)"


def check_references(documents: Iterable[tuple[str, Any]], sources: list[SourceRead]) -> None:
    """Raise ExternalReferencesError if any (source, parsed document) refers outside itself."""
    findings: list[Finding] = []
    unlisted = 0
    for source, document in documents:
        for found in non_local_references(document):
            if len(findings) < MAX_LISTED:
                findings.append(Finding("external reference", _message(source, found), (source,)))
            else:
                unlisted += 1
    if unlisted:
        findings.append(Finding("external reference", f"{unlisted} more reference(s) outside the document", ()))
    if findings:
        raise ExternalReferencesError(findings, sources)
