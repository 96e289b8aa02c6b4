"""Lazy package exports (PEP 562): a package names what it exports and where it lives, and a
name's module is imported on first use.

Why: ``import embodied_mem.memory.keyframing`` runs ``embodied_mem/memory/__init__.py`` first;
an ``__init__`` that imports every sibling makes each small import (a config class, a
constant) load the whole stack, and the command line pays that on every call.

An exported name must not also be a submodule's name: importing the submodule sets the
package attribute of that name to the module, which the hook cannot see.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_exports(
    package: str, exports: dict[str, tuple[str, ...]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``'s ``__init__``.

    Args:
        package: the package's ``__name__``.
        exports: module (absolute, or relative to ``package`` when it starts with ".") ->
            names it provides.
    """
    absolute = {
        (package + module if module.startswith(".") else module): names
        for module, names in exports.items()
    }
    where = {name: module for module, names in absolute.items() for name in names}

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module-level hook's name
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        loaded, home = importlib.import_module(module), importlib.import_module(package)
        for other in absolute[module]:  # later lookups skip this hook
            setattr(home, other, getattr(loaded, other))
        return getattr(loaded, name)

    def __dir__() -> list[str]:  # noqa: N807
        return sorted(set(where) | set(vars(importlib.import_module(package))))

    return __getattr__, __dir__
