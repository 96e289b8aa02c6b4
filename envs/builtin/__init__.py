"""The built-in MuJoCo household simulator (the default env). See README.md in this folder.

``BuiltinHouseEnv`` and ``BuiltinEnvConfig`` are imported lazily so that importing
``envs.builtin.catalog`` (category tables) does not load MuJoCo.
"""

from __future__ import annotations

from typing import Any

__all__ = ["BuiltinEnvConfig", "BuiltinHouseEnv", "scripted_walk"]


def __getattr__(name: str) -> Any:
    if name == "BuiltinHouseEnv":
        from envs.builtin.env import BuiltinHouseEnv

        return BuiltinHouseEnv
    if name == "BuiltinEnvConfig":
        from envs.builtin.config import BuiltinEnvConfig

        return BuiltinEnvConfig
    if name == "scripted_walk":
        from envs.builtin.walk import scripted_walk

        return scripted_walk
    raise AttributeError(f"module 'envs.builtin' has no attribute {name!r}")
