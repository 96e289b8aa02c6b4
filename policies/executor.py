"""Execute any subgoal: dispatch to navigation, exploration or manipulation, record the actions.

``execute(env, subgoal, obs, budget)`` returns the :class:`PolicyOutcome` and the latest
observation. ``outcome.details["actions"]`` lists every low-level action with its result and
the pose after it; ``outcome.path_length`` is the distance walked (for SPL).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from envs.actions import Stop
from envs.base import Env, Navigability
from envs.types import Observation
from policies.exploration import ExplorationConfig, FrontierExplorer
from policies.manipulation import ManipulationConfig, Manipulator
from policies.navigation import NavigationConfig, Navigator
from policies.runner import ActionRunner, BudgetExhausted
from policies.subgoals import (
    Answer,
    CloseSubgoal,
    Explore,
    NavigateToFrame,
    NavigateToObject,
    NavigateToPose,
    NavigateToReceptacle,
    NavigateToRoom,
    OpenSubgoal,
    PickSubgoal,
    PlaceSubgoal,
    PolicyOutcome,
    StopSubgoal,
    Subgoal,
)

logger = logging.getLogger(__name__)

NAVIGATION_SUBGOALS = (
    NavigateToObject,
    NavigateToReceptacle,
    NavigateToRoom,
    NavigateToPose,
    NavigateToFrame,
)
#: Manipulation subgoal types and the interaction each one is (for memory's interaction log).
INTERACTION_OF = {
    PickSubgoal: "pick",
    PlaceSubgoal: "place",
    OpenSubgoal: "open",
    CloseSubgoal: "close",
}
_MANIP = tuple(INTERACTION_OF)


@dataclass
class ExecutorConfig:
    """Configs of the policies the executor dispatches to."""

    navigation: NavigationConfig = field(default_factory=NavigationConfig)
    exploration: ExplorationConfig = field(default_factory=ExplorationConfig)
    manipulation: ManipulationConfig = field(default_factory=ManipulationConfig)
    send_stop: bool = True
    """Send the env's Stop action for a StopSubgoal (FindingDory ends an attempt with it)."""


def execute(
    env: Env,
    subgoal: Subgoal,
    obs: Observation,
    budget: int,
    *,
    config: ExecutorConfig | None = None,
    target_found: Callable[[Observation], bool] | None = None,
    observers: list[Callable[[Observation], None]] | None = None,
    target_seen: Callable[[Observation], str | None] | None = None,
    navigability: Navigability | None = None,
    localize: Callable[[Observation], Observation] | None = None,
) -> tuple[PolicyOutcome, Observation]:
    """Run ``subgoal`` in ``env`` from ``obs`` with at most ``budget`` actions.

    Args:
        env: the environment.
        subgoal: one of :data:`policies.subgoals.Subgoal`.
        obs: the current observation (the one the planner decided on).
        budget: most low-level actions this subgoal may take.
        config: policy configs (defaults when None).
        target_found: for ``Explore(category=...)``: a detector that says whether the current
            frame shows the target (built by ``embodied_mem`` from perception).
        observers: called with every new observation while the subgoal runs (memory
            ingest, recorders).
        target_seen: for navigation to an object or receptacle: asked once depth says the
            target is in view; None accepts the arrival, a reason rejects it (perception does
            not see the target there) and the next viewpoint is tried. Built by
            ``embodied_mem`` from perception; without it depth alone decides.
        navigability: the map navigation and exploration plan on, normally the agent's own
            (its memory's free-space map, which must grow with the frames ``observers`` get);
            None = the simulator's complete map, ORACLE (see :class:`ActionRunner`).
        localize: the agent's own pose estimate of a frame; the policies act on it (see
            :class:`ActionRunner`). ``obs`` must be the env's frame, not a localized one.

    Returns:
        The outcome (with ``details["actions"]``) and the latest observation as the env
        returned it.

    Raises:
        TypeError: ``subgoal`` is not a subgoal type.
        ValueError: ``budget`` is negative, or an Explore with a category has no detector.
    """
    cfg = config or ExecutorConfig()
    if budget < 0:
        raise ValueError(f"budget must be >= 0 actions, got {budget}")
    runner = ActionRunner(
        env,
        obs,
        budget,
        observers=list(observers or []),
        nav=navigability,
        localize=localize,
    )
    try:
        outcome = _dispatch(runner, subgoal, cfg, target_found, target_seen)
    finally:
        runner.settle()  # the frame returned is one the observers saw
    outcome.details["subgoal"] = type(subgoal).__name__
    outcome.details["actions"] = runner.trace()
    outcome.steps, outcome.path_length = runner.steps, runner.path_length
    logger.debug(
        "%s -> %s in %d steps%s",
        type(subgoal).__name__,
        "ok" if outcome.success else "failed",
        runner.steps,
        f" ({outcome.reason})" if outcome.reason else "",
    )
    return outcome, runner.raw_obs


def _dispatch(
    runner: ActionRunner,
    subgoal: Subgoal,
    cfg: ExecutorConfig,
    target_found: Callable[[Observation], bool] | None,
    target_seen: Callable[[Observation], str | None] | None = None,
) -> PolicyOutcome:
    if isinstance(subgoal, NAVIGATION_SUBGOALS):
        return Navigator(runner, cfg.navigation).navigate(subgoal, confirm=target_seen)
    if isinstance(subgoal, _MANIP):
        return Manipulator(runner, cfg.manipulation).run(subgoal)
    if isinstance(subgoal, Explore):
        if subgoal.category is not None and target_found is None:
            raise ValueError(
                f"Explore(category={subgoal.category!r}) needs target_found, a detector "
                "that says when the frame shows the target"
            )
        runner.budget = min(runner.budget, subgoal.max_steps)
        return FrontierExplorer(runner, cfg.exploration, cfg.navigation).explore(
            target_found, inspect=subgoal.inspect
        )
    if isinstance(subgoal, Answer):
        return PolicyOutcome(True, 0, None, 0.0, {"answer": subgoal.text})
    if isinstance(subgoal, StopSubgoal):
        if cfg.send_stop:
            try:
                runner.act(Stop())
            except BudgetExhausted as exc:
                return PolicyOutcome(False, runner.steps, str(exc))
        return PolicyOutcome(True, runner.steps)
    raise TypeError(f"not a subgoal: {subgoal!r}; expected one of policies.subgoals.Subgoal")
