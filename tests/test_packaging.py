"""One distribution, two typed import packages: built as a wheel and installed into a fresh venv."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

from devtools.release import metadata_problems

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # hatchling itself, not pip: a uv-made environment has no pip.
    subprocess.run([sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(out)], cwd=ROOT, check=True)
    (found,) = out.glob("geekai_admin-*.whl")
    return found


def test_the_wheel_ships_both_packages_typed_and_nothing_else(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert tops == {"geekai_admin", "geekai_admin_api"}
    assert "geekai_admin/py.typed" in names
    assert "geekai_admin_api/py.typed" in names
    assert not any("/tests/" in n or n.endswith(".yaml") for n in names)
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "geekai-admin = geekai_admin.cli:main" in entry_points


def test_the_wheel_metadata_carries_the_license_expression_and_every_classifier(wheel: Path) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert metadata_problems(wheel, project) == []


def test_the_classifiers_name_each_python_from_the_lowest_supported_on() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    prefix = "Programming Language :: Python :: 3."
    minors = [int(c.removeprefix(prefix)) for c in project["classifiers"] if c.startswith(prefix)]
    assert project["requires-python"] == f">=3.{minors[0]}"
    assert minors == list(range(minors[0], minors[0] + len(minors)))


def test_the_wheel_installs_and_runs_in_a_fresh_venv(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], check=True)
    imported = subprocess.run(
        [str(python), "-c", "import geekai_admin, geekai_admin_api; print(geekai_admin.GeekAIAdmin.__name__)"],
        check=True,
        capture_output=True,
        text=True,
    )
    assert imported.stdout.strip() == "GeekAIAdmin"
    version = subprocess.run(
        [str(env_dir / "bin" / "geekai-admin"), "--version"], check=True, capture_output=True, text=True
    )
    assert "0.1.0" in version.stdout
