"""How the oracle acts: the low-level policies first, the env's own viewpoints as a fallback.

The oracle knows ground-truth ids and positions (it is the scripted phase-1 agent), so it hands
the policies exact targets. When a policy fails (an occluded view, a cramped corner), it walks
to one of the env's viewpoints of the target (``env.viewpoints_for``), aims the camera
(``env.look_pitch``) and acts from there; as a last resort it teleports to that viewpoint.
Overnight changes use teleports only: the agent under test is away and sees none of it.
"""

from __future__ import annotations

import logging
import math

import numpy as np

from embodied_mem.benchmark.episode import OvernightChange
from embodied_mem.benchmark.recorder import RecordingEnv
from envs.actions import Action, Close, LookDown, LookUp, Open, Pick, Place, Teleport
from envs.capabilities import SupportsViewpoints, capability
from envs.ground_truth import GroundTruth
from envs.types import Observation
from policies.executor import ExecutorConfig, execute
from policies.manipulation import ManipulationConfig
from policies.subgoals import (
    CloseSubgoal,
    NavigateToPose,
    OpenSubgoal,
    PickSubgoal,
    PlaceSubgoal,
    Subgoal,
)

logger = logging.getLogger(__name__)


#: The experience actor's policies: its own fallback is the env's viewpoints of the target, so
#: the manipulation policy does not search other viewpoints for a target too small in view
#: (that search only spent the day: a short day ran past 22:00 with it).
EXPERIENCE_POLICIES = ExecutorConfig(manipulation=ManipulationConfig(other_viewpoints=0))


class OracleError(RuntimeError):
    """The oracle could not complete an action even with its fallbacks."""


def _centre(gt: GroundTruth, eid: str) -> tuple[float, float, float]:
    return tuple(float(v) for v in gt.objects[eid].center)  # type: ignore[return-value]


def _spare_receptacles(gt: GroundTruth, oid: str, goal: str, n: int) -> list[str]:
    """Up to ``n`` other open-top receptacles ``oid`` fits, nearest to ``goal`` first."""
    from embodied_mem.benchmark.experience import box_fits

    obj, centre = gt.objects[oid], gt.objects[goal].center
    others = [
        r
        for r in gt.receptacles()
        if r.id not in (goal, obj.parent_receptacle) and not r.openable and box_fits(obj, r)
    ]
    others.sort(key=lambda r: (float(np.linalg.norm(r.center[:2] - centre[:2])), r.id))
    return [r.id for r in others[:n]]


class OracleActor:
    """Executes pick-and-place with the policies through a :class:`RecordingEnv`."""

    def __init__(
        self,
        env: RecordingEnv,
        budget: int,
        fallback_viewpoints: int = 4,
        fallback_budget: int = 120,
        prefer_viewpoints: bool = True,
    ) -> None:
        self.env = env
        self.prefer_viewpoints = prefer_viewpoints
        self.budget = budget
        self.fallback_budget = fallback_budget
        self.fallback_viewpoints = fallback_viewpoints
        self.obs: Observation | None = None
        self.fallbacks = 0

    # --- primitives ---------------------------------------------------------------------
    def _step(self, action: Action) -> bool:
        obs, _, _, _, info = self.env.step(action)
        self.obs = obs
        result = info.get("result")
        return bool(result is None or result.success)

    def teleport(self, x: float, y: float, yaw: float, pitch: float = 0.0) -> None:
        if not self._step(Teleport(x, y, yaw, pitch)):
            raise OracleError(f"teleport to ({x:.2f}, {y:.2f}) refused")

    def _look(self, pitch: float) -> None:
        assert self.obs is not None
        diff = math.degrees(pitch - self.obs.agent.pitch)
        if abs(diff) > 0.5:
            self._step(LookUp(diff) if diff > 0 else LookDown(-diff))

    def _viewpoints(self, eid: str) -> list[tuple[float, float, float]]:
        """The env's viewpoints of ``eid`` from which it shows: the agent under test learns
        where an interaction happened only from what its frames show (a place acted through a
        wall, or looking at the floor, left it nothing but a guess)."""
        oracle = capability(self.env, SupportsViewpoints)
        if oracle is None:
            return []
        views = oracle.viewpoints_for(eid, max_count=12, visible_only=True)
        return list(views)[: self.fallback_viewpoints]

    def _pitch(self, eid: str, xy: tuple[float, float]) -> float:
        oracle = capability(self.env, SupportsViewpoints)
        return float(oracle.look_pitch(eid, xy)) if oracle is not None else 0.0

    def _from_viewpoint(
        self, target: str, view: tuple[float, float, float], action: Action
    ) -> bool:
        """Walk (navigation policy) to an env viewpoint of ``target``, aim the camera, act."""
        assert self.obs is not None
        x, y, yaw = view
        nav, self.obs = execute(self.env, NavigateToPose(x, y, yaw), self.obs, self.fallback_budget)
        if not nav.success:
            return False
        self._look(self._pitch(target, (x, y)))
        return self._step(action)

    def do(self, subgoal: Subgoal, target: str, action: Action) -> None:
        """Act on ``target``: from the env's best viewpoint, else via the manipulation policy,
        else from the other viewpoints, else teleported to the best viewpoint."""
        assert self.obs is not None
        views = self._viewpoints(target)
        if self.prefer_viewpoints and views and self._from_viewpoint(target, views[0], action):
            return
        outcome, self.obs = execute(
            self.env, subgoal, self.obs, self.budget, config=EXPERIENCE_POLICIES
        )
        if outcome.success:
            return
        logger.debug(
            "policy failed on %s (%s); oracle fallback", type(subgoal).__name__, outcome.reason
        )
        self.fallbacks += 1
        for view in views[1:] if self.prefer_viewpoints else views:
            if self._from_viewpoint(target, view, action):
                return
        for x, y, yaw in views:
            self.teleport(x, y, yaw, self._pitch(target, (x, y)))
            if self._step(action):
                return
        raise OracleError(f"{type(action).__name__} on {target} failed: {outcome.reason}")

    # --- one pick-and-place -------------------------------------------------------------
    def rearrange(self, oid: str, goal: str, gt: GroundTruth, spare: int = 2) -> str:
        """Move ``oid`` onto/into ``goal``, opening and closing containers on the way.

        Once the object is picked up it is always put down, and wherever it lands is the
        interaction the agent under test saw: if ``goal`` refuses it, up to ``spare`` other
        receptacles it fits (nearest to ``goal`` first), then the one it came from, are tried.
        Returns the receptacle it ended on.

        Raises:
            OracleError: the pick failed (nothing moved), or nothing would take the object back.
        """
        src = gt.objects[oid].parent_receptacle
        src_closed = src is not None and gt.objects[src].openable and not gt.objects[src].is_open
        if src_closed:
            self.do(OpenSubgoal(env_id=src, position=_centre(gt, src)), src, Open(src))  # type: ignore[arg-type]
        try:
            self.do(
                PickSubgoal(
                    env_id=oid, position=_centre(gt, oid), category=gt.objects[oid].category
                ),
                oid,
                Pick(oid),
            )
        except OracleError:
            if src_closed:  # leave the world as we found it for the next candidate
                self.do(CloseSubgoal(env_id=src, position=_centre(gt, src)), src, Close(src))  # type: ignore[arg-type]
            raise
        if src_closed:
            self.do(CloseSubgoal(env_id=src, position=_centre(gt, src)), src, Close(src))  # type: ignore[arg-type]
        tried: list[str] = []
        for rid in [goal, *_spare_receptacles(gt, oid, goal, spare), src]:
            if rid is None or rid in tried:
                continue
            tried.append(rid)
            try:
                self.put(rid, gt)
                return rid
            except OracleError as exc:
                logger.info("oracle could not put %s on %s: %s", oid, rid, exc)
        raise OracleError(f"holding {oid} and no receptacle of {tried} would take it")

    def put(self, rid: str, gt: GroundTruth) -> None:
        """Place the held object on/in ``rid``; a container opened for it is closed again,
        also when the place fails (the world is left as it was found)."""
        rec = gt.objects[rid]
        closed = rec.openable and not self.env.ground_truth().objects[rid].is_open
        if closed:
            self.do(OpenSubgoal(env_id=rid, position=_centre(gt, rid)), rid, Open(rid))
        held = self.obs.held_object if self.obs is not None else None
        try:
            self.do(PlaceSubgoal(env_id=rid, position=_centre(gt, rid)), rid, Place(rid))
            if held and self.env.place_pending:
                self._look_at_placed(held)
            self.env.settle()
        finally:
            if closed:
                self.do(CloseSubgoal(env_id=rid, position=_centre(gt, rid)), rid, Close(rid))

    def _look_at_placed(self, oid: str) -> None:
        """After a place the frame did not show (into a container, behind its rim): walk to
        the env's viewpoints of the object until one shows it, as a person putting something
        away glances at it. The agent under test learns where it went only from its frames
        (it rests on the container's floor, not on the top the frame showed)."""
        assert self.obs is not None
        for x, y, yaw in self._viewpoints(oid):
            nav, self.obs = execute(
                self.env, NavigateToPose(x, y, yaw), self.obs, self.fallback_budget
            )
            if not nav.success:
                continue
            self._look(self._pitch(oid, (x, y)))
            if not self.env.place_pending:
                return
        logger.debug("placed %s shows from none of its viewpoints", oid)

    # --- overnight ------------------------------------------------------------------------
    def _teleport_act(self, eid: str, action: Action) -> bool:
        for x, y, yaw in self._viewpoints(eid):
            self.teleport(x, y, yaw, self._pitch(eid, (x, y)))
            if self._step(action):
                return True
        return False

    def shuffle(self, n: int, day: int, rng: np.random.Generator) -> list[OvernightChange]:
        """Move ``n`` objects between open (non-container) receptacles, unseen. Returns the changes."""
        gt = self.env.ground_truth()
        closed = {r.id for r in gt.receptacles() if r.openable}
        objs = [
            o
            for o in sorted(gt.pickupables(), key=lambda o: o.id)
            if o.parent_receptacle is not None and o.parent_receptacle not in closed
        ]
        recs = [r.id for r in sorted(gt.receptacles(), key=lambda r: r.id) if r.id not in closed]
        changes: list[OvernightChange] = []
        for k in rng.permutation(len(objs)):
            if len(changes) >= n:
                break
            o = objs[int(k)]
            goals = [r for r in recs if r != o.parent_receptacle]
            goal = goals[int(rng.integers(len(goals)))] if goals else None
            if goal is None or not self._teleport_act(o.id, Pick(o.id)):
                continue
            if not self._teleport_act(goal, Place(goal)):
                if not self._teleport_act(o.parent_receptacle, Place(o.parent_receptacle)):  # type: ignore[arg-type]
                    raise OracleError(f"overnight: holding {o.id} and cannot put it anywhere")
                continue
            changes.append(OvernightChange(day, o.id, o.category, o.parent_receptacle, goal))  # type: ignore[arg-type]
        if len(changes) < n:
            logger.warning(
                "overnight after day %d: only %d of %d objects could be moved", day, len(changes), n
            )
        return changes
