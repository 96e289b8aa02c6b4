"""Pick, place, open and close through the env's actions, with their preconditions.

Each interaction first *approaches* the target (navigation to a viewpoint within reach,
facing it, depth-confirmed visible), then acts. Place opens a closed openable receptacle
first (and closes it again when asked). Every failure ends in a :class:`PolicyOutcome` whose
reason says what went wrong: the env's own reason for a refused action, or the precondition
the policy found unmet.

**Magic grasp at a pixel.** When a subgoal gives a position (from memory) instead of the env's
id, the id is resolved the way AI2-THOR's ``x, y`` interaction does: the point is projected
into the current frame and the env's instance id at (or near, within ``window_px``) that pixel
is read, keeping only pixels whose depth agrees with the point. This is the simulator's
interaction interface — which thing is under the gripper at this pixel — not perception: the
id is only passed back to the env's action and never reasoned about.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from envs.actions import (
    Action,
    ActionResult,
    Close,
    LookDown,
    LookUp,
    MoveForward,
    Open,
    Pick,
    Place,
)
from envs.types import Observation
from policies.geometry import project_point, yaw_to
from policies.navigation import NavigationConfig, Navigator, TargetSpec
from policies.runner import ActionRunner, BudgetExhausted
from policies.subgoals import CloseSubgoal, OpenSubgoal, PickSubgoal, PlaceSubgoal, PolicyOutcome

logger = logging.getLogger(__name__)

#: AI2-THOR categories that open (the built-in env's are a subset).
DEFAULT_OPENABLE = ("Box", "Cabinet", "Drawer", "Fridge", "Laptop", "Microwave", "Safe", "Toilet")


@dataclass
class ManipulationConfig:
    """Approach distances, pixel interaction and which categories open."""

    reach: float = 1.2
    """Farthest standing distance (metres) from the target centre before acting."""
    window_px: int = 8
    """Half-size (pixels) of the window searched around the projected point."""
    openable_categories: tuple[str, ...] = DEFAULT_OPENABLE
    """Receptacle categories opened before placing into them."""
    closer_radius: float = 0.5
    """Smallest standing distance (metres) from the target point when stepping closer after
    the env said it was beyond reach (half the approach radius, but not less than this)."""
    closer_steps: int = 3
    """Short steps edged forward (facing the target) when stepping to a closer viewpoint did
    not bring it within the env's reach."""
    closer_step: float = 0.15
    """Metres of each of those steps."""
    other_viewpoints: int = 2
    """Viewpoints walked to (remembered ones first) when the env still finds the target too
    small in view after stepping closer: a tomato low in a fridge shows 7 px past the side
    wall from one spot and plenty from 20 cm to the right."""
    look_inside_tilt: float = 10.0
    """Degrees the camera tilts down and back up to look into a container a search opened."""
    max_pick_refusals: int = 2
    """Things the env refused to pick (furniture under the point) skipped before giving up."""
    navigation: NavigationConfig = field(default_factory=NavigationConfig)

    def __post_init__(self) -> None:
        if self.reach <= 0:
            raise ValueError(f"ManipulationConfig.reach must be > 0 metres, got {self.reach}")
        if self.window_px < 0:
            raise ValueError(f"ManipulationConfig.window_px must be >= 0, got {self.window_px}")
        if self.closer_steps < 0 or self.closer_step <= 0:
            raise ValueError(
                "ManipulationConfig needs closer_steps >= 0 and closer_step > 0 metres, got "
                f"{self.closer_steps} and {self.closer_step}"
            )
        if self.closer_radius <= 0:
            raise ValueError(
                f"ManipulationConfig.closer_radius must be > 0 metres, got {self.closer_radius}"
            )
        if self.other_viewpoints < 0:
            raise ValueError(
                f"ManipulationConfig.other_viewpoints must be >= 0, got {self.other_viewpoints}"
            )
        if self.max_pick_refusals < 0:
            raise ValueError(
                f"ManipulationConfig.max_pick_refusals must be >= 0, got {self.max_pick_refusals}"
            )


def object_at_point(
    obs: Observation,
    point: np.ndarray,
    *,
    depth_tolerance: float,
    window_px: int = 8,
    majority: bool = False,
    exclude: tuple[str, ...] = (),
    far_tolerance: float | None = None,
) -> tuple[str | None, str | None]:
    """The env id under the projection of ``point`` ("magic grasp at a pixel").

    Args:
        obs: the current :class:`envs.Observation` (needs ``instance_ids``).
        point: (3,) world point from memory.
        depth_tolerance: metres a pixel's depth may differ from the point's and still count.
        window_px: half-size of the square window searched around the pixel.
        majority: take the id with most pixels in the window, each weighted by how well its
            depth agrees with the point's (receptacles, whose centre pixel may show an object
            lying on them or a nearer piece of furniture), instead of the one nearest the
            pixel (objects).
        exclude: env ids never returned (e.g. the held object).
        far_tolerance: if given, pixels more than this behind the point never count (the
            wall behind a sofa is within ``depth_tolerance`` of its centre, but behind it).

    Returns:
        ``(env_id, None)`` or ``(None, reason)``.
    """
    if obs.instance_ids is None:
        return None, "the env renders no instance ids, so pixel interaction is unavailable"
    proj = project_point(obs, point)
    k = obs.intrinsics
    if proj is None or not (
        -window_px <= proj[0] < k.width + window_px and -window_px <= proj[1] < k.height + window_px
    ):
        return None, "the target point is not in the current frame"
    u, v, z = proj
    r0, r1 = max(int(round(v)) - window_px, 0), min(int(round(v)) + window_px + 1, k.height)
    c0, c1 = max(int(round(u)) - window_px, 0), min(int(round(u)) + window_px + 1, k.width)
    ids = obs.instance_ids[r0:r1, c0:c1]
    depth = np.asarray(obs.depth[r0:r1, c0:c1], dtype=float)
    ok = (ids > 0) & np.isfinite(depth) & (np.abs(depth - z) <= depth_tolerance)
    if far_tolerance is not None:
        ok &= depth - z <= far_tolerance
    ok &= ~np.isin(ids, [i for i, n in obs.instance_names.items() if n in exclude])
    if not ok.any():
        return None, f"nothing at the target's pixel ({u:.0f}, {v:.0f}) has a depth near {z:.2f} m"
    if majority:
        # Each pixel votes by how well its depth agrees with the point: where a dining table
        # stands in front of the remembered counter, both fill the window, but the table's
        # surface lies twice as far in front of the counter's centre as the counter's own.
        agreement = 1.0 - np.abs(depth[ok] - z) / max(depth_tolerance, 1e-6)
        best = int(np.argmax(np.bincount(ids[ok], weights=np.clip(agreement, 0.05, 1.0))))
    else:
        rows, cols = np.nonzero(ok)
        d2 = (rows + r0 - v) ** 2 + (cols + c0 - u) ** 2
        best = int(ids[rows[np.argmin(d2)], cols[np.argmin(d2)]])
    name = obs.instance_names.get(best)
    if name is None:
        return None, f"instance {best} at the target's pixel has no name in the observation"
    return name, None


def pixel_of(obs: Observation, eid: str) -> tuple[int, int] | None:
    """Where ``eid`` shows in ``obs``: its mask pixel nearest the mask's centroid, with a valid
    depth (the simulator's "what is at this pixel" interface, as for the magic grasp); None
    when it does not show."""
    if obs.instance_ids is None:
        return None
    ids = [k for k, name in obs.instance_names.items() if name == eid]
    shown = np.isin(obs.instance_ids, ids) & np.isfinite(obs.depth) & (obs.depth > 0)
    rows, cols = np.nonzero(shown)
    if not len(rows):
        return None
    k = int(np.argmin((rows - rows.mean()) ** 2 + (cols - cols.mean()) ** 2))
    return int(cols[k]), int(rows[k])


def _acted_at(obs: Observation, eid: str) -> tuple[int, int, int] | None:
    """``(frame index, u, v)`` of ``eid`` in ``obs``: the agent turns it into a point with its
    own depth and pose of that frame (its own, possibly drifted, frame of reference)."""
    pixel = pixel_of(obs, eid)
    return None if pixel is None else (int(obs.frame_index), *pixel)


def _not_openable(result: ActionResult) -> bool:
    """The env refused an open/close because the thing is no container (an object in front of
    it, say): the built-in env says "not a receptacle", others "cannot be opened"."""
    reason = (result.reason or "").lower()
    return "not a receptacle" in reason or "cannot be opened" in reason


def _no_room(reason: str | None) -> bool:
    """The env refused a place because the receptacle has no free spot for the object (the
    built-in env's words; other adapters pass the simulator's own message on)."""
    return "no free spot" in (reason or "").lower()


def _too_far(result: ActionResult) -> bool:
    """The env refused because the agent stands beyond its reach: the built-in and Habitat
    adapters end the sentence with "move closer", others say "out of reach"."""
    reason = (result.reason or "").lower()
    return "move closer" in reason or "out of reach" in reason


def _unseen(result: ActionResult) -> bool:
    """The env refused because the target is not (enough) in view: every adapter's message
    says "visible"."""
    return "visible" in (result.reason or "")


def _not_pickable(result: ActionResult) -> bool:
    """The env refused a pick because the thing is not pickable (furniture), not for reach/sight.

    ActionResult carries only a sentence; both the built-in env and AI2-THOR-style adapters
    say "cannot be picked up" for this case.
    """
    return "cannot be picked up" in (result.reason or "").lower()


class Manipulator:
    """Runs pick/place/open/close subgoals through an :class:`ActionRunner`."""

    def __init__(self, runner: ActionRunner, config: ManipulationConfig | None = None) -> None:
        self.runner = runner
        self.config = config or ManipulationConfig()
        self.navigator = Navigator(runner, self.config.navigation)
        nav_cfg = self.config.navigation
        self.object_spec = replace(
            nav_cfg.object, max_radius=min(nav_cfg.object.max_radius, self.config.reach)
        )
        # An interaction is judged by what it did, not by the walk that navigation goals are
        # scored by (``max_centre_walk``): a place reaching over a stool is fine.
        self.receptacle_spec = replace(
            nav_cfg.receptacle,
            max_radius=min(nav_cfg.receptacle.max_radius, self.config.reach),
            max_centre_walk=None,
        )

    def run(
        self, subgoal: PickSubgoal | PlaceSubgoal | OpenSubgoal | CloseSubgoal
    ) -> PolicyOutcome:
        """Execute one manipulation subgoal; failures come back as outcomes, never exceptions."""
        details: dict[str, object] = {}
        try:
            if isinstance(subgoal, PickSubgoal):
                ok, reason = self._pick(subgoal, details)
            elif isinstance(subgoal, PlaceSubgoal):
                ok, reason = self._place(subgoal, details)
            elif isinstance(subgoal, OpenSubgoal | CloseSubgoal):
                ok, reason = self._open_close(subgoal, details)
            else:
                raise TypeError(f"Manipulator cannot execute {type(subgoal).__name__}")
        except BudgetExhausted as exc:
            ok, reason = False, str(exc)
        return PolicyOutcome(ok, self.runner.steps, reason, self.runner.path_length, details)

    # ----------------------------------------------------------------- subgoals
    def _pick(self, sg: PickSubgoal, details: dict) -> tuple[bool, str | None]:
        held = self.runner.obs.held_object
        if held is not None:
            return (
                False,
                f"precondition: already holding {held}; place it before picking something up",
            )
        refused: list[str] = []
        last = ""
        while True:
            eid, why = self._approach_and_resolve(
                sg.env_id,
                sg.position,
                self.object_spec,
                majority=False,
                exclude=(*sg.exclude, *refused),
                known=sg.viewpoints,
            )
            if eid is None:
                return False, why if not refused else f"{last}; without it: {why}"
            before = self.runner.obs
            result = self._act_with_retry(
                Pick(eid), sg.position, self.object_spec, known=sg.viewpoints
            )
            last = f"pick {eid} failed: {result.reason}"
            if result.success:  # where it was grabbed, in the frame that showed it
                details["acted_at"] = _acted_at(before, eid) or _acted_at(self.runner.obs, eid)
            if (
                result.success
                or sg.env_id is not None
                or sg.position is None
                or not _not_pickable(result)
                or len(refused) >= self.config.max_pick_refusals
            ):
                break
            # The pixel nearest the remembered point showed furniture — the table under the
            # object, the container it is in: look again without it, from here if the object
            # shows a few pixels away, else from another viewpoint (into the open container).
            # A closed container there may hold it: open it first (a refused Open costs a step).
            opened = self._act_with_retry(Open(eid), sg.position, self.object_spec)
            if opened.success:
                details.setdefault("opened", []).append(eid)
            refused.append(eid)
        details["env_id"] = eid
        if refused:
            details["refused"] = refused
        if not result.success:
            return False, f"pick {eid} failed: {result.reason}"
        if self.runner.obs.held_object != eid:
            return (
                False,
                f"pick {eid} reported success but the agent holds {self.runner.obs.held_object!r}",
            )
        return True, None

    def _place(self, sg: PlaceSubgoal, details: dict) -> tuple[bool, str | None]:
        held = self.runner.obs.held_object
        if held is None:
            return False, "precondition: not holding anything; pick an object up first"
        refused: list[str] = []
        reason: str | None = None
        alternatives = list(sg.alternatives)
        while True:
            eid, why = self._approach_and_resolve(
                sg.env_id,
                sg.position,
                self._receptacle(sg),
                majority=True,
                exclude=(held, *refused),
                known=sg.viewpoints,
            )
            if eid is None:
                return False, why if not refused else f"{reason}; without it: {why}"
            ok, reason = self._place_on(eid, sg, details)
            if not ok and alternatives and _no_room(reason):
                # Full: another receptacle of the asked kind does as well.
                details.setdefault("full", []).append(eid)
                sg = replace(sg, position=alternatives.pop(0), viewpoints=(), box=None)
                continue
            if ok or sg.env_id is not None or len(refused) >= self.config.max_pick_refusals:
                break
            if "not a receptacle" not in (reason or ""):
                break
            # The most common thing at the receptacle's pixel was an object lying on it.
            refused.append(eid)
        if refused:
            details["refused"] = refused
        if not ok:
            return False, reason
        if self.runner.obs.held_object is not None:  # the world did not change as reported
            return False, (
                f"place on {eid} reported success but the agent still holds "
                f"{self.runner.obs.held_object!r}"
            )
        return True, None

    def _place_on(self, eid: str, sg: PlaceSubgoal, details: dict) -> tuple[bool, str | None]:
        """Place the held object on/into ``eid``, opening it first if needed (and closing it
        after when asked)."""
        details["env_id"] = eid
        held = self.runner.obs.held_object
        opened = False
        spec = self._receptacle(sg)
        if sg.category in self.config.openable_categories:
            opened = self._open_if_closed(eid, sg.position, details, spec)
        result = self._act_with_retry(Place(eid), sg.position, spec)
        if not result.success and not opened and "closed" in (result.reason or "").lower():
            # The category was not known openable, but the env says it is closed: open, retry.
            opened = self._open_if_closed(eid, sg.position, details, spec)
            result = self._act_with_retry(Place(eid), sg.position, spec) if opened else result
        if not result.success:
            if opened and _no_room(result.reason):
                self.runner.act(Close(eid))  # leave a full container as it was found
            return False, f"place into/on {eid} failed: {result.reason}"
        details["acted_at"] = self._find_placed(str(held))
        if sg.close_after and (opened or sg.category in self.config.openable_categories):
            closed = self._act_with_retry(Close(eid), sg.position, spec)
            details["closed_after"] = closed.success
            if not closed.success:
                return False, f"placed on {eid}, but closing it afterwards failed: {closed.reason}"
        return True, None

    def _find_placed(self, eid: str) -> tuple[int, int, int] | None:
        """Where the placed object landed (the env chose the spot, usually the edge nearest the
        agent): in the frame right after, else after one glance down."""
        acted = _acted_at(self.runner.obs, eid)
        if acted is None and self.runner.steps < self.runner.budget:
            self.runner.act(LookDown(degrees=30.0))
            acted = _acted_at(self.runner.obs, eid)
        return acted

    def _open_close(self, sg: OpenSubgoal | CloseSubgoal, details: dict) -> tuple[bool, str | None]:
        wanted = "open" if isinstance(sg, OpenSubgoal) else "closed"
        if sg.env_id is not None:
            # A container this agent has just acted on (the door it opened to pick from):
            # from where it stands it is within reach; walk only if the env says otherwise.
            # Walking first judged the opened cabinet by depth, and its open front did not
            # look like the remembered shut one (seed 8383 full-0001).
            action: Action = Open(sg.env_id) if isinstance(sg, OpenSubgoal) else Close(sg.env_id)
            result = self.runner.act(action)
            if result.success or f"already {wanted}" in (result.reason or ""):
                details["env_id"] = sg.env_id
                details["unchanged"] = not result.success
                return True, None
        refused: list[str] = []
        last = ""
        while True:
            eid, why = self._approach_and_resolve(
                sg.env_id,
                sg.position,
                self._receptacle(sg),
                majority=True,
                exclude=tuple(refused),
                known=sg.viewpoints,
            )
            if eid is None:
                return False, why if not refused else f"{last}; without it: {why}"
            details["env_id"] = eid
            action = Open(eid) if isinstance(sg, OpenSubgoal) else Close(eid)
            result = self._act_with_retry(action, sg.position, self._receptacle(sg))
            if not result.success and f"already {wanted}" in (result.reason or ""):
                # Already as asked: the subgoal holds, but nothing happened to record.
                details["unchanged"] = True
                return True, None
            if result.success:
                if isinstance(sg, OpenSubgoal) and sg.look_inside and sg.position is not None:
                    self._look_inside(np.asarray(sg.position, dtype=float), self._receptacle(sg))
                return True, None
            last = f"{type(action).__name__.lower()} {eid} failed: {result.reason}"
            if (
                sg.env_id is not None
                or not _not_openable(result)
                or len(refused) >= self.config.max_pick_refusals
            ):
                return False, last
            refused.append(eid)  # an object standing in front of (or in) the container

    def _look_inside(self, point: np.ndarray, spec: TargetSpec) -> None:
        """Face the opened container and tilt the camera down and back: frames of its inside
        from two pitches, so a thing shut in it all along is seen often enough to remember."""
        degrees = self.config.look_inside_tilt
        try:
            self.navigator.look_at(point, spec)
            for tilt in (LookDown(degrees=degrees), LookUp(degrees=degrees)):
                if not self.runner.act(tilt).success:  # at the pitch limit: one frame less
                    break
        except BudgetExhausted:
            logger.debug("no steps left to look inside the container at %s", point)

    # ----------------------------------------------------------------- helpers
    def _receptacle(self, sg: PlaceSubgoal | OpenSubgoal | CloseSubgoal) -> TargetSpec:
        """The receptacle spec, with the box memory gave for this one (a deep fridge)."""
        return self.receptacle_spec if sg.box is None else replace(self.receptacle_spec, box=sg.box)

    def _approach_and_resolve(
        self,
        env_id: str | None,
        position: tuple[float, float, float] | None,
        spec: TargetSpec,
        *,
        majority: bool,
        exclude: tuple[str, ...] = (),
        known: tuple[tuple[float, float, float], ...] = (),
    ) -> tuple[str | None, str | None]:
        """Walk to the target (from a ``known`` viewpoint first) and find its env id;
        ``(None, reason)`` when either fails."""
        if position is None:
            if env_id is None:
                return (
                    None,
                    "bad subgoal: give the target's env_id or its position (neither was given)",
                )
            return env_id, None  # nothing to walk to: act from here, the env judges reach
        point = np.asarray(position, dtype=float)

        def resolve(obs: Observation) -> tuple[str | None, str | None]:
            if env_id is not None:
                return env_id, None
            return object_at_point(
                obs,
                point,
                depth_tolerance=spec.near_tolerance + spec.far_tolerance,
                window_px=self.config.window_px,
                majority=majority,
                exclude=exclude,
                far_tolerance=spec.far_tolerance,
            )

        ok, reason, _ = self.navigator.reach_target(
            point, spec, confirm=lambda obs: resolve(obs)[1], known=known
        )
        if not ok:
            return None, f"approach failed: {reason}"
        eid, why = resolve(self.runner.obs)
        if eid is None:
            return None, f"magic grasp found no target: {why}"
        return eid, None

    def _act_with_retry(
        self,
        action: Action,
        position: tuple[float, float, float] | None,
        spec: TargetSpec,
        known: tuple[tuple[float, float, float], ...] = (),
    ) -> ActionResult:
        """Act; if the env says the target is not visible, look at it once more and retry,
        then step closer, then act from other viewpoints (``known`` ones first); if it says
        the target is beyond reach, step closer to it and retry.

        The approach stands within ``spec.max_radius`` of the *remembered* point, but the env
        measures reach to the thing itself: a point on the drawer's near edge left the agent
        1.54 m from the drawer's centre, 4 cm beyond reach, and the open was refused.
        """
        result = self.runner.act(action)
        if result.success or position is None:
            return result
        point = np.asarray(position, dtype=float)
        if _unseen(result):
            self.navigator.look_at(point, spec)
            result = self.runner.act(action)
            if not result.success and _unseen(result):
                # Looked straight at it and still too few pixels (a credit card in an
                # opened drawer, 8 px where the env wants 10): nearer, it fills more.
                result = self._step_closer(action, point, spec, result, _unseen)
            if not result.success and _unseen(result):
                result = self._act_elsewhere(action, point, spec, known, result)
        elif _too_far(result):
            result = self._step_closer(action, point, spec, result, _too_far)
        return result

    def _step_closer(
        self,
        action: Action,
        point: np.ndarray,
        spec: TargetSpec,
        result: ActionResult,
        still: Callable[[ActionResult], bool],
    ) -> ActionResult:
        """Re-approach ``point`` at half the radius and act again; if the env still refuses
        for the same reason (``still``), edge closer (:meth:`_edge_closer`)."""
        radius = max(self.config.closer_radius, spec.max_radius / 2)
        closer = replace(spec, max_radius=radius, max_reach=radius)
        ok, why, _ = self.navigator.reach_target(point, closer)
        if ok:
            result = self.runner.act(action)
        else:
            logger.debug("could not step closer for %s: %s", action, why)
        if not result.success and still(result):
            result = self._edge_closer(action, point, spec, result, still)
        return result

    def _act_elsewhere(
        self,
        action: Action,
        point: np.ndarray,
        spec: TargetSpec,
        known: tuple[tuple[float, float, float], ...],
        result: ActionResult,
    ) -> ActionResult:
        """Still too little of the target in view from here and nearer (a side wall or shelf
        hides most of it): walk to other viewpoints, away from the spots already tried, and
        act from each until the env accepts or refuses for another reason."""
        tried = [self.runner.obs.agent.xy.copy()]
        for _ in range(self.config.other_viewpoints):
            ok, why, _ = self.navigator.reach_target(point, spec, known=known, avoid=tried)
            if not ok:
                logger.debug("no other viewpoint for %s: %s", action, why)
                break
            tried.append(self.runner.obs.agent.xy.copy())
            result = self.runner.act(action)
            if result.success or not _unseen(result):
                break
        return result

    def _edge_closer(
        self,
        action: Action,
        point: np.ndarray,
        spec: TargetSpec,
        result: ActionResult,
        still: Callable[[ActionResult], bool],
    ) -> ActionResult:
        """Still refused (a bed's remembered point is its far side: no standing point is
        near it): face the point and edge forward a short step at a time, acting after each,
        until the env accepts, says something else, or refuses the move."""
        self.navigator.turn_to(yaw_to(self.runner.obs.agent.xy, point[:2]))
        for _ in range(self.config.closer_steps):
            moved = self.runner.act(MoveForward(distance=self.config.closer_step))
            if not moved.success:
                break
            self.navigator.look_at(point, spec)
            result = self.runner.act(action)
            if result.success or not still(result):
                break
        return result

    def _open_if_closed(
        self,
        eid: str,
        position: tuple[float, float, float] | None,
        details: dict,
        spec: TargetSpec,
    ) -> bool:
        """Open ``eid``; True if it is open afterwards (an 'already open' refusal counts)."""
        result = self._act_with_retry(Open(eid), position, spec)
        already = not result.success and "already open" in (result.reason or "")
        details["opened"] = result.success
        if not (result.success or already):
            logger.debug("could not open %s: %s", eid, result.reason)
        return result.success or already
