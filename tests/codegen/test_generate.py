"""The regeneration pipeline, end to end: it runs the pinned generator (seconds per test)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from codegen.generate import (
    BANNER,
    PACKAGE,
    ROOT,
    GenerationError,
    Inputs,
    _sha256,
    check,
    differences,
    generate,
    run_generator,
)
from tests.support.generated_tree import operation_drift, operation_modules

pytestmark = pytest.mark.slow
GENERATED = ROOT / "generated"


def test_the_unpatched_spec_silently_loses_the_balance_operation(tmp_path: Path) -> None:
    package = tmp_path / "raw"
    run_generator(ROOT / "adminapi.yaml", package, Inputs(), fail_on_warning=False)
    modules = operation_modules(package)
    assert not any("credit_balance" in m for m in modules)
    assert "api/default/put_api_keys_uuid.py" not in modules  # the update operation is lost as well


def test_fail_on_warning_turns_that_loss_into_a_failure(tmp_path: Path) -> None:
    with pytest.raises(GenerationError, match="Incorrect path templating for /credit/balance"):
        run_generator(ROOT / "adminapi.yaml", tmp_path / "raw", Inputs())


def test_the_committed_package_has_all_six_operations() -> None:
    assert operation_drift(GENERATED / PACKAGE) == []


def test_every_generated_python_file_starts_with_the_banner() -> None:
    files = sorted((GENERATED / PACKAGE).rglob("*.py"))
    assert files
    for path in files:
        assert path.read_text(encoding="utf-8").startswith(BANNER), path


def test_provenance_records_the_inputs_it_was_generated_from() -> None:
    record = json.loads((GENERATED / "provenance.json").read_text(encoding="utf-8"))
    assert record["spec"]["sha256"] == _sha256(ROOT / "adminapi.yaml")
    assert record["patch"]["sha256"] == _sha256(ROOT / "adminapi.patch.yaml")
    assert record["generator"] == "openapi-python-client 0.29.1"


def test_regeneration_is_deterministic_and_catches_a_hand_edit(tmp_path: Path) -> None:
    committed = tmp_path / "generated"
    shutil.copytree(GENERATED, committed, ignore=shutil.ignore_patterns("__pycache__", ".*"))
    assert check(committed) == []

    edited = committed / PACKAGE / "models" / "api_key.py"
    edited.write_text(edited.read_text(encoding="utf-8") + "# a hand edit\n", encoding="utf-8")
    (committed / PACKAGE / "stray.py").write_text("x = 1\n", encoding="utf-8")
    assert check(committed) == [
        f"differs: {PACKAGE}/models/api_key.py",
        f"only in {committed}: {PACKAGE}/stray.py",
    ]


def test_generate_refuses_to_wipe_a_folder_that_is_not_generated(tmp_path: Path) -> None:
    precious = tmp_path / "src"
    precious.mkdir()
    (precious / "mine.py").write_text("keep = True\n", encoding="utf-8")
    with pytest.raises(GenerationError, match="refusing to wipe"):
        generate(precious)
    assert (precious / "mine.py").exists()


def test_differences_ignores_caches_only(tmp_path: Path) -> None:
    left, right = tmp_path / "l", tmp_path / "r"
    for side in (left, right):
        (side / "pkg").mkdir(parents=True)
        (side / "pkg" / "a.py").write_text("a = 1\n", encoding="utf-8")
    (left / "pkg" / "__pycache__").mkdir()
    (left / ".mypy_cache").mkdir()
    assert differences(left, right) == []
    (right / "pkg" / "a.py").write_text("a = 2\n", encoding="utf-8")
    assert differences(left, right) == ["differs: pkg/a.py"]
