"""Which simulator an episode runs in, with which settings and scene (the CLI → env path).

The run config holds one config dataclass per simulator (``env.builtin``, ``env.ai2thor``,
``env.habitat``). A suite freezes into every ``EpisodeSpec.env_options`` the fields of the
selected simulator's config that differ from its defaults, ``benchmark.env_options`` on top,
and the episode's scene; :func:`make_episode_env` rebuilds the config from them. So every
``env.<simulator>.<key>=...`` the user gives reaches the simulator, and a frozen suite runs the
same way on another machine.
"""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any

import numpy as np
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from embodied_mem.config import schema_node
from envs.base import Env
from envs.extras import SimulatorUnavailableError
from envs.registry import make_env

ENV_CONFIGS = {
    "builtin": "envs.builtin.config:BuiltinEnvConfig",
    "ai2thor": "envs.ai2thor.config:AI2ThorConfig",
    "habitat": "envs.habitat.config:HabitatConfig",
}


def env_config_class(name: str) -> type:
    if name not in ENV_CONFIGS:
        raise ValueError(f"unknown env {name!r}; known: {', '.join(sorted(ENV_CONFIGS))}")
    module, _, attr = ENV_CONFIGS[name].partition(":")
    return getattr(importlib.import_module(module), attr)


def config_overrides(config: Any) -> dict[str, Any]:
    """The fields of an env config dataclass that differ from its defaults (JSON-ready)."""
    defaults = dataclasses.asdict(type(config)())
    return {k: v for k, v in dataclasses.asdict(config).items() if defaults.get(k) != v}


def build_env_config(name: str, options: dict[str, Any]) -> Any:
    """The config dataclass of env ``name`` with ``options`` applied (types checked).

    Raises:
        ValueError: an option the config does not have (the valid ones are listed), or a value
            of the wrong type or out of range.
    """
    cls = env_config_class(name)
    valid = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(options) - set(valid))
    if unknown:
        raise ValueError(f"unknown {name} env option(s) {unknown}; valid: {valid}")
    try:
        merged = OmegaConf.merge(schema_node(cls), OmegaConf.create(dict(options)))
        return OmegaConf.to_object(merged)
    except OmegaConfBaseException as exc:
        raise ValueError(f"invalid {name} env option: {exc}") from exc


def episode_scenes(name: str, entries: list[str], config: Any, seed: int) -> list[str] | None:
    """The scenes episodes cycle through (a seeded order), or None for the procedural builtin.

    ``entries`` are ``benchmark.scenes``; empty means the env config's own scene.
    """
    if name == "builtin":
        if entries:
            raise ValueError(
                "benchmark.scenes does not apply to the builtin env: it generates a house per "
                "episode from the episode's house seed"
            )
        return None
    if name == "ai2thor":
        from envs.ai2thor.scenes import expand_scenes

        scenes = expand_scenes(list(entries) or [config.scene])
    else:
        from envs.habitat.scenes import expand_scenes as expand_habitat

        scenes = expand_habitat(list(entries) or [config.scene], config.scene_dataset)
    order = np.random.default_rng([seed, 11]).permutation(len(scenes))
    return [scenes[int(k)] for k in order]


def check_simulator(name: str, config: Any) -> None:
    """Stop before any episode if the simulator cannot start here.

    Raises:
        SimulatorUnavailableError: naming what to install or set (an ``ImportError``, so the CLI
            prints it as a one-line error).
    """
    if name == "ai2thor":
        from envs.ai2thor.doctor import blocking_problems

        problems, what = blocking_problems(config), "AI2-THOR"
    elif name == "habitat":
        from envs.habitat.doctor import blocking_problems as habitat_problems

        problems, what = habitat_problems(config), "habitat-sim"
    else:
        return
    if problems:
        raise SimulatorUnavailableError(
            f"{what} cannot start on this machine: {'; '.join(problems)}. "
            "Run `embodied-mem doctor` and see docs/simulators.md."
        )


def make_episode_env(spec: Any) -> Env:
    """Build the env an :class:`EpisodeSpec` names, configured from its ``env_options``."""
    return make_env(spec.env, build_env_config(spec.env, dict(spec.env_options)))
