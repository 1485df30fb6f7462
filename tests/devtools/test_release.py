"""The release checks: the changelog entry, the lower bounds."""

from __future__ import annotations

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from devtools.lowest import lower_bound
from devtools.release import CHANGELOG, changelog_problems, source_version

ENTRY = """# Changelog

## [Unreleased]

## [1.2.0] - 2027-01-31

### Added

- a thing

## [1.1.0] - 2027-01-01
"""


def test_the_changelog_has_an_entry_for_the_current_version() -> None:
    assert changelog_problems(CHANGELOG.read_text(encoding="utf-8"), source_version()) == []


def test_a_dated_entry_with_a_change_passes() -> None:
    assert changelog_problems(ENTRY, "1.2.0") == []


@pytest.mark.parametrize(
    ("version", "problem"),
    [("1.3.0", "no '## [1.3.0] - YYYY-MM-DD' entry"), ("1.1.0", "the entry for 1.1.0 lists no change")],
)
def test_a_missing_or_empty_entry_is_named(version: str, problem: str) -> None:
    (found,) = changelog_problems(ENTRY, version)
    assert problem in found


def test_the_lower_bound_is_the_version_after_the_greater_or_equal() -> None:
    assert lower_bound(Requirement("httpx-aiohttp>=0.1.9,<0.3")) == Version("0.1.9")


@pytest.mark.parametrize("text", ["httpx<1", "attrs==23.1", "httpx>=0.27,>=0.28"])
def test_a_requirement_without_exactly_one_lower_bound_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="exactly one lower bound"):
        lower_bound(Requirement(text))
