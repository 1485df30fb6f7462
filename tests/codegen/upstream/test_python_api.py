"""The public Python surface of two generated trees, compared with griffe."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.generate import PACKAGE
from codegen.upstream.python_api import SurfaceError, compare_packages


def _tree(root: Path, source: str) -> Path:
    package = root / "generated" / PACKAGE
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "models.py").write_text(source, encoding="utf-8")
    return root / "generated"


def test_removed_changed_and_added_names(tmp_path: Path) -> None:
    old = _tree(
        tmp_path / "old", "def get(uuid: str) -> int: ...\ndef gone() -> None: ...\ndef _private() -> None: ...\n"
    )
    new = _tree(tmp_path / "new", "def get(uuid: str, page: int) -> int: ...\ndef logs() -> None: ...\n")
    diff = compare_packages(old, new)
    assert diff.removed == [f"{PACKAGE}.models.gone"]
    assert diff.changed == [f"{PACKAGE}.models.get: Parameter was added as required"]
    assert diff.added == [f"{PACKAGE}.models.logs"]
    assert diff.breaking


def test_an_added_optional_parameter_is_not_breaking(tmp_path: Path) -> None:
    old = _tree(tmp_path / "old", "class ApiKey:\n    def __init__(self, uuid: str = '') -> None: ...\n")
    new = _tree(
        tmp_path / "new",
        "class ApiKey:\n    remark: str\n    def __init__(self, uuid: str = '', remark: str = '') -> None: ...\n",
    )
    diff = compare_packages(old, new)
    assert (diff.removed, diff.changed, diff.added) == ([], [], [f"{PACKAGE}.models.ApiKey.remark"])
    assert not diff.breaking


def test_a_missing_package_is_an_error_naming_the_folder(tmp_path: Path) -> None:
    with pytest.raises(SurfaceError, match=f"no {PACKAGE} package in {tmp_path}"):
        compare_packages(tmp_path, tmp_path)
