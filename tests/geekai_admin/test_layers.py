"""The overlay's layers, read from every module's imports (ast): they depend one way, without cycles.

generated (geekai_admin_api) <- foundation <- transport <- clients <- ops <- the package's surface
(geekai_admin/__init__.py) <- the command. Every import counts: at the top, under TYPE_CHECKING
and inside functions. An import inside a function says why with a `# lazy: <reason>` comment, and
the only reasons are start-up time and an optional extra. The command imports only public names.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Iterator

import pytest

import geekai_admin
import geekai_admin.ops
from devtools.layers import LAYERS, OVERLAY, layer, modules

LAZY_REASONS = ("start-up time", "optional extra")
LAZY_MARKER = re.compile(r"#\s*lazy:\s*(?P<reason>[^#]*)")
MODULES = modules()
COMMAND = LAYERS.index("command")


def rank(module: str) -> int:
    """The layer's place, lowest first."""
    return LAYERS.index(layer(module))


@dataclasses.dataclass(frozen=True)
class Import:
    source: str
    target: str
    """The module imported from (an overlay module when it is one)."""
    names: tuple[str, ...]
    """The names taken from `target` (empty for `import target`)."""
    line: int
    in_function: bool
    text: str


def _package(module: str) -> str:
    return module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]


def _imports(module: str) -> Iterator[Import]:
    source = MODULES[module].read_text(encoding="utf-8")
    lines = source.splitlines()

    def visit(node: ast.AST, in_function: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if isinstance(child, ast.Import | ast.ImportFrom):
                text = "\n".join(lines[child.lineno - 1 : (child.end_lineno or child.lineno)])
                yield from _resolved(module, child, in_function, text)
            yield from visit(child, inside)

    yield from visit(ast.parse(source), False)


def _resolved(module: str, node: ast.Import | ast.ImportFrom, in_function: bool, text: str) -> Iterator[Import]:
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield Import(module, alias.name, (), node.lineno, in_function, text)
        return
    base = node.module or ""
    if node.level:
        package = _package(module).split(".")
        base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        if submodule in MODULES:  # `from geekai_admin import _calls`: the module itself
            yield Import(module, submodule, (), node.lineno, in_function, text)
        else:
            yield Import(module, base, (alias.name,), node.lineno, in_function, text)


IMPORTS = {module: list(_imports(module)) for module in MODULES}


def _ours(target: str) -> bool:
    return target == "geekai_admin" or target.startswith(("geekai_admin.", "geekai_admin_api"))


def _graph(modules: set[str]) -> dict[str, set[str]]:
    return {m: {i.target for i in IMPORTS[m] if i.target in modules and i.target != m} for m in modules}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                connect(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


LIBRARY = {m for m in MODULES if rank(m) != COMMAND}
COMMAND_MODULES = {m for m in MODULES if rank(m) == COMMAND}
PUBLIC = {"geekai_admin": set(geekai_admin.__all__), "geekai_admin.ops": set(geekai_admin.ops.__all__)}


def test_every_module_has_a_layer() -> None:
    assert {layer(m) for m in MODULES} == set(LAYERS) - {"generated"}


def test_no_module_imports_a_higher_layer() -> None:
    upward = [
        f"{i.source}:{i.line} ({layer(i.source)}) imports {i.target} ({layer(i.target)})"
        for m in MODULES
        for i in IMPORTS[m]
        if _ours(i.target) and rank(i.target) > rank(i.source)
    ]
    assert upward == []


def test_the_library_has_no_import_cycle() -> None:
    assert _cycles(_graph(LIBRARY)) == []


def test_the_command_has_no_import_cycle() -> None:
    assert _cycles(_graph(COMMAND_MODULES)) == []


def _unexplained_lazy_imports(modules: set[str]) -> list[str]:
    found = []
    for m in sorted(modules):
        for i in IMPORTS[m]:
            marker = LAZY_MARKER.search(i.text)
            reason = marker.group("reason").strip() if marker else ""
            if i.in_function and not reason.startswith(LAZY_REASONS):
                found.append(f"{m}:{i.line}: {i.text.strip()}")
    return found


def test_the_library_imports_inside_functions_only_for_a_reason() -> None:
    assert _unexplained_lazy_imports(LIBRARY) == []


def test_the_command_imports_inside_functions_only_for_a_reason() -> None:
    assert _unexplained_lazy_imports(COMMAND_MODULES) == []


def _private_names_in_the_command() -> list[str]:
    found = []
    for m in sorted(COMMAND_MODULES):
        for i in IMPORTS[m]:
            if not _ours(i.target) or i.target in COMMAND_MODULES:
                continue
            allowed = PUBLIC.get(i.target)
            if allowed is None or not set(i.names) <= allowed:
                found.append(f"{m}:{i.line}: {i.target} {', '.join(i.names)}".rstrip())
    return found


def test_the_command_uses_only_public_names() -> None:
    assert _private_names_in_the_command() == []


# --- the checks check what they should ----------------------------------------------------------


def test_the_reader_sees_every_kind_of_import() -> None:
    rotation = {(i.target, i.names, i.in_function) for i in IMPORTS["geekai_admin.ops._rotation"]}
    assert ("geekai_admin._calls", (), False) in rotation  # `from geekai_admin import _calls as calls`
    assert ("geekai_admin._client", ("Keys",), False) in rotation
    typed = {i.target for i in IMPORTS["geekai_admin"]}  # only under TYPE_CHECKING
    assert {"geekai_admin._client", "geekai_admin.ops"} <= typed
    aiohttp = [i for i in IMPORTS["geekai_admin._transport._aiohttp"] if i.in_function]
    assert [i.target for i in aiohttp] == ["geekai_admin._transport._aiohttp_transport"]


def test_the_cycle_finder_finds_cycles() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_an_unknown_module_has_no_layer() -> None:
    with pytest.raises(ValueError, match="has no layer"):
        layer("geekai_admin._somewhere_new")


def test_the_overlay_readme_lists_every_module_in_its_layer() -> None:
    readme = (OVERLAY / ".." / "README.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"^\| `([\w/]+\.py)` \| (\w+) \|", readme, re.MULTILINE))
    present = {path.relative_to(OVERLAY).as_posix(): layer(module) for module, path in MODULES.items()}
    assert set(listed) - set(present) == set(), "listed, but no such module"
    assert set(present) - set(listed) == set(), "not listed in overlay/README.md"
    assert listed == present
