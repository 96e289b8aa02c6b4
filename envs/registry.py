"""A small registry of named backends with lazy imports and "did you mean" errors."""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class _Entry:
    entry_point: str | Callable[..., Any]
    extra: str | None
    description: str


class Registry(Generic[T]):
    """Maps names to factories given as ``"module:attr"`` strings (imported only when built).

    Args:
        kind: what the registry holds, used in error messages ("env", "segmenter", ...).
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, _Entry] = {}

    def register(
        self,
        name: str,
        entry_point: str | Callable[..., T],
        *,
        extra: str | None = None,
        description: str = "",
    ) -> None:
        if name in self._entries:
            raise ValueError(f"{self.kind} {name!r} is already registered")
        self._entries[name] = _Entry(entry_point, extra, description)

    def names(self) -> list[str]:
        return sorted(self._entries)

    def describe(self, name: str) -> str:
        return self._entry(name).description

    def extra_of(self, name: str) -> str | None:
        return self._entry(name).extra

    def _entry(self, name: str) -> _Entry:
        if name not in self._entries:
            close = difflib.get_close_matches(name, self._entries, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise KeyError(f"unknown {self.kind} {name!r}{hint} (known: {', '.join(self.names())})")
        return self._entries[name]

    def resolve(self, name: str) -> Callable[..., T]:
        """The factory behind ``name``, importing its module now."""
        entry = self._entry(name)
        if callable(entry.entry_point):
            return entry.entry_point
        module_name, _, attr = entry.entry_point.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            if entry.extra is None:
                raise
            # Imported here, not at module level, to keep this module free of cycles.
            from envs.extras import MissingExtraError

            raise MissingExtraError(
                f"{self.kind} {name!r} needs an optional dependency ({exc.name}): "
                f"pip install 'embodied-mem[{entry.extra}]'"
            ) from exc
        return getattr(module, attr)

    def build(self, name: str, *args: Any, **kwargs: Any) -> T:
        return self.resolve(name)(*args, **kwargs)


ENVS: Registry[Any] = Registry("env")
ENVS.register(
    "builtin",
    "envs.builtin.env:BuiltinHouseEnv",
    description="built-in MuJoCo household simulator (default)",
)
ENVS.register(
    "ai2thor",
    "envs.ai2thor.env:AI2ThorEnv",
    extra="ai2thor",
    description="AI2-THOR FloorPlans (needs the Unity build)",
)
ENVS.register(
    "habitat",
    "envs.habitat.env:HabitatEnv",
    extra="habitat",
    description="habitat-sim scenes (habitat-sim from conda)",
)


def make_env(name: str, config: Any = None) -> Any:
    """Build the env registered as ``name`` from its config dataclass (None = defaults)."""
    factory = ENVS.resolve(name)
    return factory(config) if config is not None else factory()


def registered_envs() -> list[str]:
    return ENVS.names()
