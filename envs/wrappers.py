"""Gymnasium-style env wrappers: change one thing, forward the rest.

A :class:`Wrapper` holds the env it wraps (``self.env``) and forwards every call of the
:class:`~envs.base.Env` API it does not override, so a subclass states only what it changes
(e.g. a recorder overrides ``step``). ``unwrapped`` is the simulator under all wrappers; the
optional capabilities of :mod:`envs.capabilities` are looked up there, never guessed with
``hasattr`` on a wrapper.
"""

from __future__ import annotations

from typing import Any

from envs.actions import Action
from envs.base import Env, Navigability
from envs.ground_truth import GroundTruth
from envs.types import Observation


class Wrapper(Env):
    """Wraps ``env``; every Env method not overridden goes to it unchanged.

    Args:
        env: the env to wrap (an adapter or another wrapper).
    """

    def __init__(self, env: Env) -> None:
        self.env = env

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Observation, dict[str, Any]]:
        return self.env.reset(seed=seed, options=options)

    def step(self, action: Action) -> tuple[Observation, float, bool, bool, dict[str, Any]]:
        return self.env.step(action)

    def observe(self) -> Observation:
        return self.env.observe()

    def ground_truth(self) -> GroundTruth:
        return self.env.ground_truth()

    @property
    def navigability(self) -> Navigability:
        return self.env.navigability

    def close(self) -> None:
        self.env.close()

    @property
    def unwrapped(self) -> Env:
        return self.env.unwrapped

    def __repr__(self) -> str:
        return f"<{type(self).__name__}{self.env!r}>"
