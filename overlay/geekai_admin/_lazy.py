"""Names a package loads on first use (PEP 562): `import geekai_admin` and the command's `--help` do
not pay for httpx and the generated package. Standard library only."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from typing import Any

__all__ = ["loader"]


def loader(
    package: str,
    modules: Mapping[str, Iterable[str]],
    names: Iterable[str],
    namespace: MutableMapping[str, Any],
    *,
    subpackages: Iterable[str] = (),
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The package's `__getattr__` and `__dir__`: each name of `modules` imported from its module
    when first asked for, then kept in the package's `namespace`; `subpackages` imported as such."""
    where = {name: module for module, provided in modules.items() for name in provided}
    where |= {name: f"{package}.{name}" for name in subpackages}
    listed = sorted(names)

    def __getattr__(name: str) -> object:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        imported = importlib.import_module(module)
        value = imported if module == f"{package}.{name}" else getattr(imported, name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *listed})

    return __getattr__, __dir__
