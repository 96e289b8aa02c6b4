"""The one place policies call ``env.step``: budget, action log and path length.

Every policy loop acts only through :class:`ActionRunner`, so a step budget bounds every
subgoal and the trace (actions, results, distance walked) is recorded the same way for all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from envs.actions import Action, ActionResult
from envs.base import Env, Navigability
from envs.types import Observation

logger = logging.getLogger(__name__)


class BudgetExhausted(RuntimeError):
    """Raised by :meth:`ActionRunner.act` when the step budget is used up."""


@dataclass(frozen=True)
class ActionRecord:
    """One low-level action and what the env said about it."""

    action: Action
    success: bool
    reason: str | None
    position: tuple[float, float]
    yaw: float


@dataclass
class ActionRunner:
    """Steps ``env`` with a budget, keeping the latest observation and a log.

    Attributes:
        env: the environment acted in.
        obs: the latest observation (updated by every :meth:`act`).
        budget: maximum number of actions this runner may take.
        steps: actions taken so far.
        path_length: metres the agent base moved on the floor plane so far.
        log: every action with its result and the pose after it.
        observers: called with every new observation (coverage maps, detectors, recorders),
            or with every n-th of a walk's (:meth:`act`'s ``stride``, :meth:`settle`).
        nav: the map the policies plan on: the agent's own (e.g. the free-space map its memory
            builds from its frames). None falls back to the simulator's complete map
            (``env.navigability``): ORACLE, for tests of the policies and for runs that ask
            for it (``navigation.map=oracle``).
        localize: the agent's own pose estimate of a frame (e.g. the drifting pose its
            perception hands memory). When given, :attr:`obs` — what the policies plan,
            aim and check arrival on — carries that estimate, so they share memory's frame
            of reference; actions still execute in the env, and :attr:`raw_obs`, the path
            length and the log keep the env's pose (evaluation). None: the env's pose.
        raw_obs: the latest observation exactly as the env returned it.
    """

    env: Env
    obs: Observation
    budget: int
    steps: int = 0
    path_length: float = 0.0
    log: list[ActionRecord] = field(default_factory=list)
    observers: list[Callable[[Observation], None]] = field(default_factory=list)
    nav: Navigability | None = None
    localize: Callable[[Observation], Observation] | None = None
    raw_obs: Observation = field(init=False)
    _unobserved: Observation | None = field(init=False, default=None)
    _passed: int = field(init=False, default=0)

    @property
    def navigability(self) -> Navigability:
        """The map to plan on: :attr:`nav`, else the simulator's (ORACLE, see :attr:`nav`)."""
        return self.nav if self.nav is not None else self.env.navigability

    def __post_init__(self) -> None:
        if self.budget < 0:
            raise ValueError(f"budget must be >= 0 steps, got {self.budget}")
        self.raw_obs = self.obs
        if self.localize is not None:
            self.obs = self.localize(self.obs)

    @property
    def remaining(self) -> int:
        return self.budget - self.steps

    def act(self, action: Action, stride: int = 1) -> ActionResult:
        """Take one action; raise :class:`BudgetExhausted` if none is left.

        ``stride`` > 1 (a walk's moves): the observers get this frame only if it is the
        ``stride``-th since the last one they got, or the action failed; otherwise it is kept
        as the latest frame they have not seen, which :meth:`settle` (or the next frame they
        get) makes up for. :attr:`obs` is always the new frame.

        Raises:
            ValueError: ``stride`` < 1 (before anything is done).
        """
        if stride < 1:
            raise ValueError(
                f"stride must be >= 1 (1: the observers get every frame), got {stride}"
            )
        if self.steps >= self.budget:
            raise BudgetExhausted(f"step budget exhausted after {self.steps} steps")
        before = self.raw_obs.agent.xy
        obs, _reward, _term, _trunc, info = self.env.step(action)
        result = info.get("result", ActionResult.ok())
        self.steps += 1
        self.path_length += float(np.linalg.norm(obs.agent.xy - before))
        self.raw_obs = self.obs = obs
        self.log.append(
            ActionRecord(
                action,
                result.success,
                result.reason,
                (float(obs.agent.xy[0]), float(obs.agent.xy[1])),
                float(obs.agent.yaw),
            )
        )
        if result.success and self._passed + 1 < stride:
            self._passed += 1
            self._unobserved = obs
        else:
            self._hand_over(obs)
        if self.localize is not None:  # after the observers: perception's drift has stepped
            self.obs = self.localize(obs)
        if not result.success:
            logger.debug("%s failed: %s", type(action).__name__, result.reason)
        return result

    def settle(self) -> None:
        """Hand the observers the latest frame if they skipped it (see :meth:`act`'s
        ``stride``): whatever reads what they built (memory, the map) then sees where the
        agent stands now. Policies call it where a walk ends."""
        if self._unobserved is None:
            return
        self._hand_over(self._unobserved)
        if self.localize is not None:
            self.obs = self.localize(self.raw_obs)

    def _hand_over(self, obs: Observation) -> None:
        self._passed, self._unobserved = 0, None
        for observer in self.observers:
            observer(obs)

    def trace(self) -> list[dict[str, object]]:
        """The log as plain dicts (for JSON traces)."""
        return [
            {
                "action": type(r.action).__name__,
                "args": dict(vars(r.action)),
                "success": r.success,
                "reason": r.reason,
                "position": list(r.position),
                "yaw": r.yaw,
            }
            for r in self.log
        ]
