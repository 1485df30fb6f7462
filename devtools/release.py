"""Checks of the built sdist and wheel, for `nox -s release-check` (and the packaging test).

    python -m devtools.release check SDIST WHEEL   # METADATA, the changelog's entry, the sdist's files
    python -m devtools.release smoke               # run by the fresh venv's python that holds the wheel
    python -m devtools.release unpack SDIST DIR    # prints the unpacked source folder
    python -m devtools.release version             # prints the version (the release workflow's tag check)

Each check returns the problems it found, as sentences; `check` prints them and exits 1 if any.
The version has one source, overlay/geekai_admin/_version.py, which hatch reads too.
"""

from __future__ import annotations

import email
import email.message
import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

__all__ = [
    "LICENSE_EXPRESSION",
    "ROOT",
    "changelog_problems",
    "metadata_problems",
    "sdist_problems",
    "source_version",
    "unpack",
    "wheel_metadata",
]

ROOT = Path(__file__).resolve().parent.parent
VERSION_FILE = ROOT / "overlay" / "geekai_admin" / "_version.py"
CHANGELOG = ROOT / "CHANGELOG.md"
LICENSE_EXPRESSION = "Apache-2.0"
# A released entry in Keep a Changelog form: "## [1.2.0] - 2027-01-31".
_RELEASE_HEADING = re.compile(r"^## \[(?P<version>[^\]]+)\] - (?P<date>\d{4}-\d{2}-\d{2})\s*$", re.MULTILINE)


def source_version() -> str:
    """The package's version, as written in its one source."""
    found = re.search(r'^__version__ = "([^"]+)"$', VERSION_FILE.read_text(encoding="utf-8"), re.MULTILINE)
    if found is None:
        raise ValueError(f'no __version__ = "..." line in {VERSION_FILE}')
    return found.group(1)


def changelog_problems(changelog: str, version: str) -> list[str]:
    """Whether CHANGELOG.md has a dated entry for `version`, with something under it."""
    headings = list(_RELEASE_HEADING.finditer(changelog))
    for index, heading in enumerate(headings):
        if heading["version"] == version:
            end = headings[index + 1].start() if index + 1 < len(headings) else len(changelog)
            body = changelog[heading.end() : end]
            if not re.search(r"^- ", body, re.MULTILINE):
                return [f"CHANGELOG.md: the entry for {version} lists no change"]
            return []
    return [f"CHANGELOG.md has no '## [{version}] - YYYY-MM-DD' entry"]


def wheel_metadata(wheel: Path) -> tuple[email.message.Message, list[str]]:
    """The wheel's METADATA, parsed, and the names of the files it holds."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata_name = next(name for name in names if name.endswith(".dist-info/METADATA"))
        return email.message_from_bytes(archive.read(metadata_name)), names


def metadata_problems(wheel: Path, project: dict[str, object]) -> list[str]:
    """What the wheel's METADATA lacks: the license expression and file, every classifier, the version."""
    metadata, names = wheel_metadata(wheel)
    problems = []
    if metadata.get("License-Expression") != LICENSE_EXPRESSION:
        found = metadata.get("License-Expression")
        problems.append(f"METADATA: License-Expression is {found!r}, not {LICENSE_EXPRESSION}")
    if metadata.get_all("License-File") != ["LICENSE"]:
        problems.append(f"METADATA: License-File is {metadata.get_all('License-File')!r}, not ['LICENSE']")
    if not any(name.endswith(".dist-info/licenses/LICENSE") for name in names):
        problems.append("the wheel does not carry .dist-info/licenses/LICENSE")
    classifiers = project.get("classifiers")
    declared = set(classifiers if isinstance(classifiers, list) else [])
    missing = sorted(declared - set(metadata.get_all("Classifier") or []))
    if missing:
        problems.append(f"METADATA lacks the classifiers {missing}")
    if any(c.startswith("License ::") for c in metadata.get_all("Classifier") or []):
        problems.append("METADATA has a License :: classifier beside the license expression (PEP 639)")
    if metadata.get("Version") != source_version():
        problems.append(f"METADATA: Version is {metadata.get('Version')!r}, the source says {source_version()!r}")
    return problems


def sdist_problems(sdist: Path, tracked: Iterable[str]) -> list[str]:
    """The tracked files that the sdist leaves out (its tests and nox sessions need them all)."""
    with tarfile.open(sdist) as archive:
        members = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    missing = sorted(set(tracked) - members)
    return [f"the sdist lacks {len(missing)} tracked files: {missing}"] if missing else []


def unpack(sdist: Path, into: Path) -> Path:
    """Unpack the sdist into `into`; the source folder it holds."""
    with tarfile.open(sdist) as archive:
        archive.extractall(into, filter="data")
        top = archive.getnames()[0].split("/", 1)[0]
    return into / top


def _tracked_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)  # noqa: S607
    return [name for name in listed.stdout.decode().split("\0") if name]


def _check(sdist: Path, wheel: Path) -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [
        *metadata_problems(wheel, project),
        *changelog_problems(CHANGELOG.read_text(encoding="utf-8"), source_version()),
        *sdist_problems(sdist, _tracked_files()),
    ]


def _smoke() -> list[str]:
    """Run by the python of a fresh venv that holds only the wheel: it imports and runs from there."""
    import geekai_admin  # noqa: PLC0415 - the installed copy, imported by the venv under test
    import geekai_admin_api  # noqa: PLC0415

    problems = []
    for module in (geekai_admin, geekai_admin_api):
        if not Path(module.__file__ or "").resolve().is_relative_to(Path(sys.prefix).resolve()):
            problems.append(f"{module.__name__} was imported from {module.__file__}, not the venv holding the wheel")
    unresolved = [name for name in geekai_admin.__all__ if getattr(geekai_admin, name, None) is None]
    if unresolved:
        problems.append(f"public names that do not import: {unresolved}")
    command = Path(sys.executable).parent / "geekai-admin"
    shown = subprocess.run([command, "--version"], capture_output=True, text=True, check=False)
    if shown.returncode != 0 or shown.stdout.strip() != f"geekai-admin {source_version()}":
        problems.append(f"`geekai-admin --version` said {shown.stdout.strip()!r} (exit {shown.returncode})")
    print(f"installed wheel: {shown.stdout.strip()}, {len(geekai_admin.__all__)} public names import")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    match args:
        case ["check", sdist, wheel]:
            problems = _check(Path(sdist), Path(wheel))
        case ["version"]:
            print(source_version())
            return 0
        case ["smoke"]:
            problems = _smoke()
        case ["unpack", sdist, into]:
            print(unpack(Path(sdist), Path(into)))
            return 0
        case _:
            print(__doc__, file=sys.stderr)
            return 2
    for problem in problems:
        print(f"release-check: {problem}", file=sys.stderr)
    if not problems and args[0] == "check":
        print(f"release-check: METADATA, CHANGELOG.md's {source_version()} entry and the sdist's files are complete")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
