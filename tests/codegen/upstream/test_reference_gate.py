"""The check before any resolver: where each non-local reference is, shown so it cannot abuse the report."""

from __future__ import annotations

import pytest

from codegen.upstream.coverage import SourceRead
from codegen.upstream.reference_gate import MAX_LISTED, MAX_SHOWN, ExternalReferencesError, check_references, shown


def test_shown_keeps_uri_characters_and_escapes_everything_else() -> None:
    assert shown("https://a.example/x.yaml#/components/schemas/A%20B") == (
        "https://a.example/x.yaml#/components/schemas/A%20B"
    )
    assert shown("a`b|c\n<script>\\é\U0001f600") == "a\\x60b\\x7cc\\x0a\\x3cscript\\x3e\\x5c\\xe9\\U0001f600"


def test_shown_cuts_a_long_reference_and_says_how_long_it_was() -> None:
    text = "x" * 5000
    assert shown(text) == "x" * MAX_SHOWN + "... (5000 characters)"


def test_every_reference_is_named_up_to_the_limit_then_counted() -> None:
    document = {"components": {"schemas": {f"S{n}": {"$ref": f"../s{n}.yaml"} for n in range(MAX_LISTED + 5)}}}
    with pytest.raises(ExternalReferencesError) as raised:
        check_references([("https://docs.test/adminapi.yaml", document)], [SourceRead("u", "spec")])
    findings = raised.value.findings
    assert len(findings) == MAX_LISTED + 1
    assert findings[0].message == (
        "https://docs.test/adminapi.yaml: `/components/schemas/S0/$ref` refers outside the document: "
        "`../s0.yaml` (only local #/... references are followed)"
    )
    assert findings[-1].message == "5 more reference(s) outside the document"
    assert raised.value.sources == [SourceRead("u", "spec")]


def test_a_hostile_key_and_value_are_escaped_in_the_message() -> None:
    document = {"paths": {"/a`\n## Injected": {"$ref": "`\n@everyone [x](https://evil.test)"}}}
    with pytest.raises(ExternalReferencesError) as raised:
        check_references([("page.md", document)], [])
    [finding] = raised.value.findings
    assert "\n" not in finding.message
    assert finding.message.count("`") == 4  # the two quoted parts' own, nothing from the document
    assert "~1a\\x60\\x0a##\\x20Injected" in finding.message


@pytest.mark.parametrize("ref", ["#", "#/components/schemas/ApiKey", "#/components/schemas/%2e%2e"])
def test_local_pointers_pass(ref: str) -> None:
    check_references([("doc", {"paths": {"/a": {"get": {"responses": {"200": {"$ref": ref}}}}}})], [])
