"""Wrappers forward what they do not change; optional capabilities are found by type."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from embodied_mem.benchmark.recorder import RecordingEnv
from envs.actions import Action, TurnLeft
from envs.base import Env, Navigability
from envs.builtin.env import BuiltinHouseEnv
from envs.capabilities import (
    SupportsClock,
    SupportsSnapshots,
    SupportsViewpoints,
    SupportsVisibility,
    capability,
    require_capability,
)
from envs.ground_truth import GroundTruth
from envs.types import Observation
from envs.wrappers import Wrapper

ALL = (SupportsClock, SupportsSnapshots, SupportsViewpoints, SupportsVisibility)


class _BareEnv(Env):
    """The Env API and nothing else: no clock, snapshots or oracle viewpoints."""

    def __init__(self, inner: BuiltinHouseEnv) -> None:
        self.inner = inner
        self.closed = 0

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Observation, dict[str, Any]]:
        return self.inner.reset(seed=seed, options=options)

    def step(self, action: Action) -> tuple[Observation, float, bool, bool, dict[str, Any]]:
        return self.inner.step(action)

    def observe(self) -> Observation:
        return self.inner.observe()

    def ground_truth(self) -> GroundTruth:
        return self.inner.ground_truth()

    @property
    def navigability(self) -> Navigability:
        return self.inner.navigability

    def close(self) -> None:
        self.closed += 1


class _CountingWrapper(Wrapper):
    """Changes one thing (counts steps); everything else must pass through."""

    steps = 0

    def step(self, action: Action) -> tuple[Observation, float, bool, bool, dict[str, Any]]:
        self.steps += 1
        return super().step(action)


def test_a_wrapper_forwards_every_env_call_it_does_not_override(small_env) -> None:
    bare = _BareEnv(small_env)
    wrapped = _CountingWrapper(_CountingWrapper(bare))
    obs, _ = wrapped.reset(seed=0)
    after, _, _, _, info = wrapped.step(TurnLeft())
    assert info["result"].success and wrapped.steps == 1 and wrapped.env.steps == 1
    assert after.agent.yaw != obs.agent.yaw
    assert wrapped.observe().frame_index == after.frame_index
    assert wrapped.ground_truth().objects.keys() == small_env.ground_truth().objects.keys()
    xy = np.asarray(obs.agent.position[:2])
    assert wrapped.navigability.is_navigable(xy)
    assert wrapped.unwrapped is bare and bare.unwrapped is bare
    wrapped.close()
    assert bare.closed == 1


def test_capabilities_are_found_through_wrappers_by_type(small_env) -> None:
    recording = RecordingEnv(_CountingWrapper(small_env), None)
    for kind in ALL:
        assert capability(recording, kind) is small_env
        assert isinstance(small_env, kind)
    assert recording.unwrapped is small_env


def test_a_missing_capability_is_none_or_a_clear_error(small_env) -> None:
    bare = RecordingEnv(_BareEnv(small_env), None)
    for kind in ALL:
        assert capability(bare, kind) is None
    with pytest.raises(TypeError, match="the oracle solver needs an env with SupportsViewpoints"):
        require_capability(bare, SupportsViewpoints, "the oracle solver")


def test_recording_env_leaves_the_env_it_wraps_open(small_env) -> None:
    bare = _BareEnv(small_env)
    RecordingEnv(bare, None).close()
    assert bare.closed == 0
