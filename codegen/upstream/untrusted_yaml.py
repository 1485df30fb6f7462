"""Parsing YAML (or JSON) that a third party wrote: a docs page's block, a published document.

A few kilobytes of nested aliases expand to gigabytes once built ("billion laughs"), and deep
nesting exhausts the stack of the code that walks the result. Both are refused from the event
stream, before anything is built: no OpenAPI document this tracker reads needs an alias, and
none nests anywhere near the limit. The size of the text itself is capped where it is read
(codegen.upstream.fetch).
"""

from __future__ import annotations

from typing import Any

import yaml

from codegen.generate import parse_yaml

__all__ = ["MAX_DEPTH", "UntrustedYamlError", "load_untrusted"]

MAX_DEPTH = 64
"""The deepest nesting of mappings and lists accepted (the admin API's document nests 9 deep)."""


class UntrustedYamlError(ValueError):
    """The text is not YAML, or is YAML this tracker refuses to build (aliases, too deep)."""


def _check_events(text: str) -> None:
    depth = 0
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.AliasEvent):
            raise UntrustedYamlError(
                f"uses a YAML alias (*{event.anchor}); aliases are refused in upstream input, "
                "since a few of them can expand to gigabytes"
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise UntrustedYamlError(f"nests deeper than {MAX_DEPTH} levels")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def load_untrusted(text: str) -> Any:
    """The parsed value; raises UntrustedYamlError (the message says why, without the text)."""
    try:
        _check_events(text)
        return parse_yaml(text)
    except yaml.YAMLError as exc:
        raise UntrustedYamlError(f"is not YAML or JSON: {exc}") from None
