"""A conformance check any adapter can run in its tests: ``check_env_conformance(env, seed)``.

It checks the Gymnasium-style contract of :class:`envs.base.Env`: reset/step signatures and
return types, observation shapes/dtypes (``Observation.validate``), ``info["result"]``,
determinism per seed, clear ``TypeError`` for bad actions, and an idempotent ``close``.
Each failure raises :class:`ConformanceError` saying what was wrong.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from envs.actions import ActionResult, MoveForward, Stop, TurnLeft, TurnRight
from envs.base import Env
from envs.ground_truth import GroundTruth
from envs.types import Observation

logger = logging.getLogger(__name__)


class ConformanceError(AssertionError):
    """The env breaks the shared contract; the message names the rule."""


def _require(cond: bool, message: str) -> None:
    if not cond:
        raise ConformanceError(message)


def _check_obs(obs: Any, where: str) -> Observation:
    _require(
        isinstance(obs, Observation),
        f"{where}: observation must be envs.types.Observation, got {type(obs)}",
    )
    try:
        obs.validate()
    except ValueError as exc:
        raise ConformanceError(f"{where}: observation does not validate: {exc}") from exc
    _require(isinstance(obs.frame_index, int), f"{where}: frame_index must be an int")
    if obs.instance_ids is not None:
        ids = set(np.unique(obs.instance_ids).tolist()) - {0}
        missing = ids - set(obs.instance_names)
        _require(
            not missing,
            f"{where}: instance ids {sorted(missing)[:5]} have no entry in instance_names",
        )
    valid = obs.depth[np.isfinite(obs.depth) & (obs.depth > 0)]
    _require(valid.size > 0, f"{where}: depth has no valid reading at all")
    return obs


def _check_step(out: Any, where: str) -> tuple[Observation, dict[str, Any]]:
    _require(
        isinstance(out, tuple) and len(out) == 5,
        f"{where}: step must return (obs, reward, terminated, truncated, info)",
    )
    obs, reward, terminated, truncated, info = out
    _check_obs(obs, where)
    _require(isinstance(reward, (int, float)), f"{where}: reward must be a number")
    _require(
        isinstance(terminated, bool) and isinstance(truncated, bool),
        f"{where}: terminated/truncated must be bool",
    )
    _require(
        isinstance(info, dict) and isinstance(info.get("result"), ActionResult),
        f"{where}: info['result'] must be an envs.actions.ActionResult",
    )
    result = info["result"]
    _require(
        result.success or bool(result.reason),
        f"{where}: a failed action must carry a reason sentence",
    )
    return obs, info


def _rollout(env: Env, seed: int, actions: list[Any]) -> list[Observation]:
    out = env.reset(seed=seed)
    _require(
        isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], dict),
        "reset must return (obs, info: dict)",
    )
    frames = [_check_obs(out[0], "reset")]
    for k, action in enumerate(actions):
        obs, _ = _check_step(env.step(action), f"step {k} ({type(action).__name__})")
        _require(obs.frame_index > frames[-1].frame_index, f"step {k}: frame_index must increase")
        frames.append(obs)
    return frames


def _same(a: Observation, b: Observation) -> bool:
    arrays: list[tuple[np.ndarray | None, np.ndarray | None]] = [
        (a.depth, b.depth),
        (a.cam_to_world, b.cam_to_world),
    ]
    arrays += [(a.rgb, b.rgb)] if a.rgb is not None or b.rgb is not None else []
    arrays += (
        [(a.instance_ids, b.instance_ids)]
        if a.instance_ids is not None or b.instance_ids is not None
        else []
    )
    return (
        all(
            x is not None and y is not None and np.array_equal(x, y, equal_nan=True)
            for x, y in arrays
        )
        and a.agent == b.agent
        and a.time == b.time
    )


_NAV_METHODS = (
    "is_navigable",
    "snap",
    "geodesic_distance",
    "shortest_path",
    "distances_from",
    "sample_navigable",
)


def _check_world(env: Env, start: Any) -> None:
    gt = env.ground_truth()
    _require(
        isinstance(gt, GroundTruth) and len(gt.rooms) > 0,
        "ground_truth() must return GroundTruth with rooms",
    )
    nav = env.navigability
    for name in _NAV_METHODS:
        _require(callable(getattr(nav, name, None)), f"navigability lacks {name}()")
    _require(nav.is_navigable(start), "the agent's start position must be navigable")


def _check_bad_actions(env: Env) -> None:
    for bad in ("move_forward", None, 3, Stop):
        try:
            env.step(bad)  # type: ignore[arg-type]
        except TypeError as exc:
            _require(
                "MoveForward" in str(exc),
                f"TypeError for bad action {bad!r} must list the valid actions",
            )
        else:
            raise ConformanceError(f"step({bad!r}) must raise TypeError")


def _check_close(env: Env, seed: int) -> None:
    with env as entered:  # the context manager hands back the env and closes it on exit
        _require(entered is env, "__enter__ must return the env itself")
    env.close()  # a second close must be a no-op
    try:
        env.reset(seed=seed)
    except RuntimeError:
        pass
    else:
        logger.info("%s accepts reset() after close(); allowed but unusual", type(env).__name__)


def check_env_conformance(env: Env, seed: int = 0, n_steps: int = 6, close: bool = True) -> None:
    """Run the shared contract checks on ``env``; raise :class:`ConformanceError` on the first breach.

    Args:
        env: a freshly built adapter.
        seed: seed for the two determinism rollouts.
        n_steps: navigation steps per rollout.
        close: finally close the env via the context manager and again (idempotence); a
            ``reset`` after close that does not raise ``RuntimeError`` is only logged.
    """
    _require(isinstance(env, Env), f"env must subclass envs.base.Env, got {type(env).__name__}")
    cycle: list[Any] = [
        TurnLeft(),
        MoveForward(),
        TurnRight(),
        MoveForward(),
        TurnLeft(),
        MoveForward(),
    ]
    actions = (cycle * (n_steps // len(cycle) + 1))[:n_steps]
    first = _rollout(env, seed, actions)
    second = _rollout(env, seed, actions)
    for k, (a, b) in enumerate(zip(first, second, strict=True)):
        _require(
            _same(a, b),
            f"frame {k} differs between two rollouts with seed {seed}: env is not deterministic",
        )
    _check_world(env, first[0].agent.xy)
    _check_bad_actions(env)
    _check_step(env.step(Stop()), "Stop")
    if close:
        _check_close(env, seed)
