"""Third-party YAML: aliases and deep nesting refused before anything is built."""

from __future__ import annotations

import pytest

from codegen.generate import ROOT, load_yaml
from codegen.upstream.untrusted_yaml import MAX_DEPTH, UntrustedYamlError, load_untrusted


def test_the_vendored_document_loads_as_it_does_trusted() -> None:
    text = (ROOT / "adminapi.yaml").read_text(encoding="utf-8")
    assert load_untrusted(text) == load_yaml(ROOT / "adminapi.yaml")


def test_json_loads_too() -> None:
    assert load_untrusted('{"openapi": "3.1.0", "paths": {}}') == {"openapi": "3.1.0", "paths": {}}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: &x [1]\nb: *x\n", r"^uses a YAML alias \(\*x\)"),
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), f"^nests deeper than {MAX_DEPTH} levels$"),
        ("a: [", "^is not YAML or JSON: "),
    ],
)
def test_refused_input_says_why(text: str, message: str) -> None:
    with pytest.raises(UntrustedYamlError, match=message):
        load_untrusted(text)


def test_nesting_up_to_the_limit_is_accepted() -> None:
    assert load_untrusted("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
