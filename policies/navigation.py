"""Navigate to an object, receptacle, room, pose or remembered frame with discrete actions.

The path comes from the agent's map (:attr:`policies.runner.ActionRunner.navigability`: the
free-space map its memory builds from its own frames; the simulator's complete map only as
ORACLE) through :mod:`policies.paths`; the agent turns toward the next waypoint and moves
forward, re-planning around places where a move was blocked and when a map that grows while
it walks shows the way ahead closed.
For object and receptacle targets it stops when the target is within reach, faced and
*visible* — visibility is judged from the depth frame alone (the target point projected into
the image must meet a consistent depth reading; :func:`policies.geometry.check_visibility`),
never from ground truth or instance masks. Every run ends in a :class:`PolicyOutcome`; the
step budget (:class:`policies.runner.ActionRunner`) bounds every loop.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from envs.actions import LookDown, LookUp, MoveForward, TurnLeft, TurnRight
from envs.types import Observation
from policies.geometry import (
    VisibilityCheck,
    check_visibility,
    depth_inside_box,
    facing_error,
    on_floor,
    walk_and_reach,
    wrap_angle,
    yaw_to,
)
from policies.paths import PathConfig, PathPlanner
from policies.runner import ActionRunner, BudgetExhausted
from policies.subgoals import (
    Box,
    NavigateToFrame,
    NavigateToObject,
    NavigateToPose,
    NavigateToReceptacle,
    NavigateToRoom,
    PolicyOutcome,
)
from policies.viewpoints import Viewpoint, ViewpointConfig, drop_near, sample_viewpoints

logger = logging.getLogger(__name__)

_SMALLEST_STEP = 0.05
"""Metres: the shortest forward move the navigator makes (finer ones do not pay)."""
_BOX_MARGIN = 0.1
"""Metres a surface may stand in front of a remembered box and still be its face (the box is
built from noisy depth)."""
_NEARER_STEP = 0.15
"""Metres nearer than the last view a view asked to be nearer must stand."""
NEARER_VIEW = "a nearer view is needed"
"""What an arrival check (``confirm``) says when it sees the target too small to count: the
navigator then tries a nearer viewpoint next."""
_MAX_RETURNS = 2
"""Times a walk to one goal may come back to a spot it moved to before it counts as stuck."""
_SAME_GRAZE = 0.1
"""Metres within which a refused grazing move counts as the same graze repeated."""
_SHORT_STEP = 0.1
"""Metres of the move tried after a graze was refused twice at one spot (the env checks the
agent's radius along the whole step)."""
_MIN_TILT = math.radians(2.0)
"""Smallest camera tilt :meth:`Navigator.look_at` makes to bring a point into the frame (about
three pixel rows of a 160 x 120 frame)."""

NavigateSubgoal = (
    NavigateToObject | NavigateToReceptacle | NavigateToRoom | NavigateToPose | NavigateToFrame
)


@dataclass
class TargetSpec:
    """How close, how squarely and how visibly one kind of target must be reached."""

    max_radius: float
    """Farthest standing point from the target centre (metres)."""
    facing_tolerance: float
    """Largest heading error (radians) still counted as facing the target."""
    near_tolerance: float
    """Metres a depth reading may lie in front of the target centre (about its radius)."""
    far_tolerance: float
    """Metres a depth reading may lie behind the target centre."""
    stands_on_floor: bool = False
    """The target stands on the floor (furniture): its top is at most twice its centre height,
    so a face at its depth rising higher is an occluding wall (see ``check_visibility``)."""
    max_reach: float | None = None
    """Farthest any standing point may be from the target centre, however far the radius
    grows while no viewpoint is found (metres); None = no limit."""
    max_walk: float | None = None
    """Farthest walk-plus-reach to the target on the agent's map (``walk_and_reach``; None:
    not checked). A target seen across furniture from a pocket beside it is close in a
    straight line but far to walk, and success is judged by the walk."""
    max_centre_walk: float | None = None
    """Farthest walk-plus-reach to the target's centre (``walk_and_reach``) from where a view
    counts, when the map can tell (a finite walk; None: not checked). Receptacle success is
    a metre's walk from the floor just beside it: a drawer seen over a desk 1.2 m away was a
    2.8 m walk-plus-reach round the desk (seed 4646 full-0005, five tasks)."""
    box: Box | None = None
    """The target's remembered box, if the subgoal gave one: a surface seen inside it, up to
    ``max_box_depth`` in front of the centre, is the target (a deep fridge's door)."""
    max_box_depth: float = 1.0
    """Largest depth in front of the centre a remembered box may excuse (metres): a box grown
    by stray points must not make a wall in front count as the target."""

    def __post_init__(self) -> None:
        if self.max_radius <= 0 or not 0 < self.facing_tolerance <= math.pi:
            raise ValueError(f"TargetSpec needs max_radius > 0 and facing in (0, pi], got {self}")
        if self.max_reach is not None and self.max_reach < self.max_radius:
            raise ValueError(f"TargetSpec needs max_reach >= max_radius, got {self}")


@dataclass
class NavigationConfig:
    """Discrete-action navigation settings. Defaults follow TASKS.md's success rules."""

    forward_step: float = 0.25
    """Longest single MoveForward (metres)."""
    turn_degrees: float = 30.0
    """Largest single turn (degrees); smaller residual turns are issued to aim exactly."""
    heading_tolerance_degrees: float = 10.0
    """Move forward only when the next waypoint is within this angle of the heading."""
    waypoint_tolerance: float = 0.12
    """Metres at which a waypoint counts as reached."""
    goal_tolerance: float = 0.25
    """Metres at which a pose/frame/room-anchor goal counts as reached."""
    max_pitch_degrees: float = 60.0
    """Largest camera pitch (either way) the policy asks for when looking at a target."""
    max_blocked: int = 12
    """Blocked moves tolerated per leg (each triggers a re-plan) before giving up."""
    max_viewpoints: int = 6
    """Standing poses tried before the target counts as not visible from any viewpoint."""
    radius_growth: tuple[float, ...] = (0.0, 0.5, 1.0, 1.5)
    """Metres added to a target's standing radius, in turn, while no viewpoint is found."""
    same_spot: float = 0.15
    """Metres within which a remembered viewpoint counts as a standing point already tried."""
    perceived_behind: float = 0.3
    """Metres a surface may stand in front of the remembered point and perception still decide
    the arrival (when the subgoal gives a perception check): under depth and label noise a
    track's centre can sink below the table top its thing lies on (seed 7272 full-0008: a
    credit card remembered 13 cm under the top, "occluded" from every viewpoint). 0 = depth
    alone rejects."""
    room_settle_moves: int = 2
    """Moves made inside the target room before stopping (so we are not on the doorstep)."""
    walk_frame_stride: int = 3
    """The observers (memory ingest, the agent's own map) get every n-th frame of a walk to a
    goal (its moves and its turns towards the path), a refused move's frame and the frame
    where the walk ends (1: every frame). Frames 25 cm apart along a path show nearly the
    same; ingesting each was 60 % of an episode's memory ingest (issue 16). Arrival tests
    read depth, which every frame has. Exploration's walks, which walk to see, feed every
    frame."""
    sidesteps: int = 8
    """Refused moves per walk on the squeezed map after which another way through is tried
    (a cell to the side, or a short move off the heading: :meth:`Navigator._sidestep`)
    before the refusal counts as blocked; 0 = none."""
    object: TargetSpec = field(
        default_factory=lambda: TargetSpec(1.0, math.pi / 4, 0.1, 0.15, max_reach=1.8, max_walk=1.8)
    )
    """Object targets: success needs geodesic <= 2.0 m, facing within pi/4, visible. A
    standing point farther than that can never count, so viewpoints stop at 1.8 m (walking
    paths bend around furniture: 1.97 m straight was 2.11 m walked), and a view from a spot
    that is near in a straight line but far to walk is refused."""
    receptacle: TargetSpec = field(
        default_factory=lambda: TargetSpec(1.2, math.pi / 2, 0.5, 0.5, True, max_centre_walk=1.8)
    )
    """Receptacle targets: success needs <= 1.0 m from a viewpoint, facing within pi/2, visible."""
    paths: PathConfig = field(default_factory=PathConfig)
    viewpoints: ViewpointConfig = field(default_factory=ViewpointConfig)

    def __post_init__(self) -> None:
        if self.forward_step <= 0 or self.turn_degrees <= 0:
            raise ValueError("NavigationConfig.forward_step and turn_degrees must be > 0")
        if self.waypoint_tolerance <= 0 or self.goal_tolerance <= 0:
            raise ValueError("NavigationConfig waypoint/goal tolerances must be > 0")
        if self.max_viewpoints < 1 or self.max_blocked < 0:
            raise ValueError("NavigationConfig.max_viewpoints must be >= 1 and max_blocked >= 0")
        if self.walk_frame_stride < 1:
            raise ValueError(
                f"NavigationConfig.walk_frame_stride must be >= 1, got {self.walk_frame_stride}"
            )


def _never(_obs: Observation) -> bool:
    return False


class Navigator:
    """Runs navigation subgoals through an :class:`ActionRunner`."""

    def __init__(self, runner: ActionRunner, config: NavigationConfig | None = None) -> None:
        self.runner = runner
        self.config = config or NavigationConfig()
        self.planner = PathPlanner(runner.navigability, self.config.paths)
        self.blocked_moves = 0
        self.total_blocked = 0
        self.replans = 0
        self._grazes: list[np.ndarray] = []  # where moves grazing the map's edges were refused
        self._short_step = False  # the next move is a short one (after a repeated graze)

    @property
    def obs(self) -> Observation:
        return self.runner.obs

    # ----------------------------------------------------------------- entry point
    def navigate(
        self,
        subgoal: NavigateSubgoal,
        confirm: Callable[[Observation], str | None] | None = None,
    ) -> PolicyOutcome:
        """Execute one navigation subgoal; never raises for budget or reachability.

        ``confirm`` (objects and receptacles): see :meth:`reach_target` — arrival needs the
        target seen, not only a depth reading where it should be.
        """
        try:
            if isinstance(subgoal, NavigateToObject | NavigateToReceptacle):
                spec = (
                    self.config.object
                    if isinstance(subgoal, NavigateToObject)
                    else self.config.receptacle
                )
                if isinstance(subgoal, NavigateToReceptacle) and subgoal.box is not None:
                    spec = replace(spec, box=subgoal.box)
                ok, reason, details = self.reach_target(
                    np.asarray(subgoal.position, float),
                    spec,
                    confirm=confirm,
                    known=subgoal.viewpoints,
                )
            elif isinstance(subgoal, NavigateToRoom):
                ok, reason, details = self._room(subgoal)
            elif isinstance(subgoal, NavigateToPose | NavigateToFrame):
                ok, reason, details = self._pose(np.array([subgoal.x, subgoal.y]), subgoal.yaw)
            else:
                raise TypeError(f"Navigator cannot execute {type(subgoal).__name__}")
        except BudgetExhausted as exc:
            ok, reason, details = False, str(exc), {}
        details.update(blocked_moves=self.total_blocked, replans=self.replans)
        return PolicyOutcome(ok, self.runner.steps, reason, self.runner.path_length, details)

    # ----------------------------------------------------------------- targets
    def reach_target(
        self,
        target: np.ndarray,
        spec: TargetSpec,
        confirm: Callable[[Observation], str | None] | None = None,
        known: Sequence[tuple[float, float, float]] = (),
        avoid: Sequence[np.ndarray] = (),
    ) -> tuple[bool, str | None, dict]:
        """Walk to a viewpoint of a 3D ``target`` and face it until depth confirms it is seen.

        ``confirm`` (optional) is asked once depth says "visible"; it returns None to accept
        the view or a reason to reject it and try the next viewpoint (manipulation uses it to
        insist that the pixel shows an interactable thing, not a wall at a similar depth).
        ``known`` standing poses (x, y, yaw) the agent saw or acted on the target from are
        tried first (those within the target's standing radius), then sampled ones.
        ``avoid``: standing points (x, y) already found wanting; the agent walks to a
        viewpoint away from them even when it sees the target from where it stands.
        """
        tried: list[np.ndarray] = [np.asarray(p, dtype=float)[:2] for p in avoid]
        too_far: list[np.ndarray] = []  # spots the target was seen from but too far to walk
        last: VisibilityCheck | None = None
        too_small = False  # whether ``confirm`` found the target too small in a view
        nearer_than: float | None = None  # ... from this far: the next view is nearer
        if not tried and self._seen_from_here(target, spec):
            why = None if confirm is None else confirm(self.obs)
            if why is None:
                return True, None, {"viewpoints_tried": 0}
            nearer_than = self._nearer_than(why, target)
            too_small = nearer_than is not None
        remembered = drop_near(
            self._known_viewpoints(target, spec, known), tried, self.config.same_spot
        )
        # Away from a spot found wanting, a viewpoint 20 cm off is a different view: walk
        # onto it rather than counting it reached from where the agent stands.
        tolerance = self.config.goal_tolerance
        if avoid:
            tolerance = min(tolerance, self.config.same_spot / 2)
        for _ in range(self.config.max_viewpoints + len(remembered)):
            if nearer_than is not None:
                # Too small from where it was seen: the next view is a nearer one, whatever
                # the remembered ones say, and one 20 cm from a tried spot is a different view.
                # None nearer: another side may show it bigger (from beside a sofa, not
                # across its seat).
                remembered = []
                candidates = self._nearer_viewpoints(
                    target, tried, nearer_than
                ) or self._viewpoints(target, spec, tried)
                nearer_than = None
            else:
                candidates = remembered[:1] or self._viewpoints(target, spec, tried)
            remembered = remembered[1:]
            if not candidates:
                break
            vp = candidates[0]
            tried.append(vp.xy)
            stop = self._early_stop(target, spec, vp.radius, away_from=[*avoid, *too_far])
            if too_small:
                # The view where the target showed too small (a key chain at 17 pixels) would
                # stop the next walk where it starts: walk onto the nearer viewpoint itself.
                stop = _never
            near_enough = min(tolerance, self.config.same_spot / 2) if too_small else tolerance
            failure = self.go_to(vp.xy, near_enough, stop_when=stop)
            if failure is not None and not stop(self.obs):
                logger.debug("viewpoint %s failed: %s", vp.xy, failure)
                continue
            seen = self._perceived(self.look_at(target, spec), confirm)
            last = self._walkable(seen, target, spec)
            if seen.visible and not last.visible:
                # Seen, but too far to walk from here: the next walk must not stop here again
                # (its early stop sees the target from where it starts).
                too_far.append(self.obs.agent.xy.copy())
            why = confirm(self.obs) if last.visible and confirm is not None else None
            logger.debug(
                "viewpoint %s (%.2f m off): at %s, %s",
                vp.xy.round(2),
                vp.radius,
                self.obs.agent.xy.round(2),
                why or last.reason or "seen",
            )
            if last.visible and why is None:
                return True, None, {"viewpoints_tried": len(tried), "viewpoint": vp.xy.tolist()}
            if why is not None:
                nearer_than = self._nearer_than(why, target)
                too_small = too_small or nearer_than is not None
                last = VisibilityCheck(
                    False, why, last.pixel, last.expected_depth, last.measured_depth
                )
        details = {"viewpoints_tried": len(tried), "last_visibility": last.reason if last else None}
        if not tried:
            reach = self._reach(spec, max(self.config.radius_growth))
            return (
                False,
                (
                    f"unreachable: no navigable standing point within {reach:.1f} m "
                    f"of the target connects to the agent"
                ),
                details,
            )
        if last is None:
            return False, "unreachable: no viewpoint of the target could be reached", details
        return False, f"target not visible from any viewpoint (last: {last.reason})", details

    def _known_viewpoints(
        self, target: np.ndarray, spec: TargetSpec, known: Sequence[tuple[float, float, float]]
    ) -> list[Viewpoint]:
        """The ``known`` poses close enough to stand at for ``spec`` (as far as sampled ones may
        grow; nearest the target first)."""
        out = []
        for x, y, _yaw in known:
            xy = np.array([x, y], dtype=float)
            radius = float(np.linalg.norm(xy - target[:2]))
            if radius <= self._reach(spec, max(self.config.radius_growth)):
                out.append(Viewpoint(xy, radius, 0.0, 0.0))
        return sorted(out, key=lambda v: v.radius)

    def _viewpoints(
        self, target: np.ndarray, spec: TargetSpec, tried: list[np.ndarray]
    ) -> list[Viewpoint]:
        """Untried viewpoints within reach; the radius grows when none exist (a big bed, a
        wide table: the subgoal gives only the centre, not the size)."""
        nav = self.runner.navigability
        base = self.config.viewpoints
        for extra in self.config.radius_growth:
            radius = self._reach(spec, extra)
            cfg = replace(base, min_radius=min(base.min_radius, radius / 2), max_radius=radius)
            candidates = drop_near(
                sample_viewpoints(nav, target[:2], self.obs.agent.xy, cfg), tried, 0.6
            )
            if candidates:
                return candidates
        return []

    def _nearer_than(self, why: str, target: np.ndarray) -> float | None:
        """The agent's distance to ``target`` if ``confirm``'s ``why`` asks for a nearer view."""
        if NEARER_VIEW not in why:
            return None
        return float(np.linalg.norm(self.obs.agent.xy - target[:2]))

    def _nearer_viewpoints(
        self, target: np.ndarray, tried: list[np.ndarray], nearer_than: float
    ) -> list[Viewpoint]:
        """Untried viewpoints at least ``_NEARER_STEP`` nearer the target than ``nearer_than``,
        else a third of that nearer (a key chain at the edge of a sofa: the floor ends 0.36 m
        from it), else none (the agent stood as near as viewpoints go)."""
        base = self.config.viewpoints
        for step in (_NEARER_STEP, _NEARER_STEP / 3):
            radius = nearer_than - step
            if radius <= base.min_radius:
                continue
            cfg = replace(base, max_radius=radius)
            nav = self.runner.navigability
            candidates = sample_viewpoints(nav, target[:2], self.obs.agent.xy, cfg)
            candidates = drop_near(candidates, tried, self.config.same_spot)
            if candidates:
                return candidates
        return []

    @staticmethod
    def _reach(spec: TargetSpec, extra: float) -> float:
        """Standing radius grown by ``extra`` metres, within ``spec.max_reach``."""
        radius = spec.max_radius + extra
        return radius if spec.max_reach is None else min(radius, spec.max_reach)

    def _seen_from_here(self, target: np.ndarray, spec: TargetSpec) -> bool:
        close = np.linalg.norm(self.obs.agent.xy - target[:2]) <= spec.max_radius
        return bool(
            close
            and self._early_stop(target, spec, spec.max_radius)(self.obs)
            and self._walkable(self.look_at(target, spec), target, spec).visible
        )

    def _perceived(
        self, seen: VisibilityCheck, confirm: Callable[[Observation], str | None] | None
    ) -> VisibilityCheck:
        """``seen``, or a view that counts when depth puts a surface just in front of the
        remembered point (within ``perceived_behind``), or a surface at its depth that rises
        like a wall, and perception sees the target here: the point is off, the thing is in
        view. (Seed 9494 full-0005, memory-noisy: a drawer against a wall remembered 28 cm
        out from it and 25 cm high; from every viewpoint its point's pixel read the wall
        behind, within the far tolerance, and the wall test rejected the view with the
        drawer in it; 13 tasks failed so.)"""
        if (
            seen.visible
            or confirm is None
            or seen.measured_depth is None
            or seen.expected_depth is None
            or not (seen.reason or "").startswith("occluded:")
            or seen.expected_depth - seen.measured_depth > self.config.perceived_behind
            or confirm(self.obs) is not None
        ):
            return seen
        return VisibilityCheck(True, None, seen.pixel, seen.expected_depth, seen.measured_depth)

    def _walkable(
        self, seen: VisibilityCheck, target: np.ndarray, spec: TargetSpec
    ) -> VisibilityCheck:
        """``seen``, or a rejection when the target is visible but too far to walk to."""
        if not seen.visible or (spec.max_walk is None and spec.max_centre_walk is None):
            return seen
        walk = walk_and_reach(self.runner.navigability, self.obs.agent.xy, target)
        if spec.max_walk is not None and walk > spec.max_walk:
            why = f"seen but {walk:.2f} m to walk > {spec.max_walk:.2f} m"
        # max_centre_walk: inf means no floor round it is reachable on the map, which then
        # cannot tell.
        elif spec.max_centre_walk is not None and spec.max_centre_walk < walk < math.inf:
            why = f"seen but {walk:.2f} m to walk and reach > {spec.max_centre_walk:.2f} m"
        else:
            return seen
        return VisibilityCheck(False, why, seen.pixel, seen.expected_depth, seen.measured_depth)

    def _early_stop(
        self,
        target: np.ndarray,
        spec: TargetSpec,
        radius: float,
        away_from: Sequence[np.ndarray] = (),
    ) -> Callable[[Observation], bool]:
        """Stop walking once within ``radius``, roughly facing the target, and seeing it (and
        more than ``same_spot`` from every point in ``away_from``)."""
        away = [np.asarray(p, dtype=float)[:2] for p in away_from]

        def stop(obs: Observation) -> bool:
            if np.linalg.norm(obs.agent.xy - target[:2]) > radius + 0.05:
                return False
            if any(np.linalg.norm(obs.agent.xy - p) <= self.config.same_spot for p in away):
                return False
            if facing_error(obs, target) > spec.facing_tolerance / 2:
                return False
            return self.visibility(obs, target, spec).visible

        return stop

    @staticmethod
    def visibility(obs: Observation, target: np.ndarray, spec: TargetSpec) -> VisibilityCheck:
        """Depth-only visibility of ``target`` under ``spec``'s tolerances."""
        floor = obs.agent.position[2]
        top = floor + 2.0 * (float(target[2]) - floor) + 0.25 if spec.stands_on_floor else None
        near = spec.near_tolerance
        if spec.box is not None:
            inside = depth_inside_box(obs, target, *spec.box) + _BOX_MARGIN
            near = max(near, min(inside, spec.max_box_depth))
            if top is not None:  # a centre remembered low must not make its own top a wall
                top = max(top, float(spec.box[1][2]) + 0.25)
        return check_visibility(
            obs,
            target,
            near_tolerance=near,
            far_tolerance=spec.far_tolerance,
            max_top=top,
        )

    def look_at(self, target: np.ndarray, spec: TargetSpec) -> VisibilityCheck:
        """Turn to face ``target`` and tilt the camera until it projects into the frame."""
        self.turn_to(yaw_to(self.obs.agent.xy, target))
        check = self.visibility(self.obs, target, spec)
        max_pitch = math.radians(self.config.max_pitch_degrees)
        for _ in range(4):  # a few tilts; pitch limits of the env may stop us earlier
            if check.visible or check.vertical_offset == 0.0:
                break
            tilt = check.vertical_offset * 1.3
            # A point half a pixel beyond the margin asks for a tilt too small to matter; tilt
            # at least this much (a candle at row 117.5 of 120 stayed "outside" at every
            # viewpoint: seed 8383 full-0008).
            if abs(tilt) < _MIN_TILT:
                tilt = math.copysign(_MIN_TILT, tilt)
            wanted = float(np.clip(self.obs.agent.pitch + tilt, -max_pitch, max_pitch))
            delta = math.degrees(wanted - self.obs.agent.pitch)
            if abs(delta) < 0.5:  # at the pitch limit
                break
            result = self.runner.act(
                LookUp(degrees=delta) if delta > 0 else LookDown(degrees=-delta)
            )
            if not result.success:
                break
            check = self.visibility(self.obs, target, spec)
        return check

    def _room(self, subgoal: NavigateToRoom) -> tuple[bool, str | None, dict]:
        if self.obs.room_id == subgoal.room_id:
            return True, None, {"already_inside": True}
        if subgoal.anchor is None:
            return (
                False,
                (
                    f"room {subgoal.room_id!r} has no anchor position; the planner must give one "
                    "(e.g. a remembered point in it) or explore"
                ),
                {},
            )
        settled = [0]

        def inside(obs: Observation) -> bool:
            settled[0] = settled[0] + 1 if obs.room_id == subgoal.room_id else 0
            return settled[0] > self.config.room_settle_moves

        failure = self.go_to(
            np.asarray(subgoal.anchor, float), self.config.goal_tolerance, stop_when=inside
        )
        if self.obs.room_id == subgoal.room_id:
            return True, None, {}
        if failure is not None:
            return False, failure, {}
        return False, f"reached the room anchor but the env reports room {self.obs.room_id!r}", {}

    def _pose(self, xy: np.ndarray, yaw: float | None) -> tuple[bool, str | None, dict]:
        nav = self.runner.navigability
        goal = on_floor(nav, xy)
        failure = self.go_to(goal, self.config.goal_tolerance)
        if failure is not None:
            return False, failure, {}
        if yaw is not None:
            self.turn_to(yaw)
        return True, None, {"snapped_goal": goal.tolist()}

    # ----------------------------------------------------------------- motion
    def turn_to(self, yaw: float, stride: int = 1) -> int:
        """Turn in place until the heading is within half a degree of ``yaw``; returns turns
        made. ``stride``: as :meth:`ActionRunner.act`'s (a walk's turns towards its path)."""
        turns = 0
        for _ in range(int(360 / self.config.turn_degrees) + 2):
            err = math.degrees(wrap_angle(yaw - self.obs.agent.yaw))
            if abs(err) < 0.5:
                break
            amount = min(abs(err), self.config.turn_degrees)
            result = self.runner.act(
                TurnLeft(degrees=amount) if err > 0 else TurnRight(degrees=amount), stride
            )
            turns += 1
            if not result.success:
                break
        return turns

    def go_to(
        self,
        goal: np.ndarray,
        tolerance: float,
        stop_when: Callable[[Observation], bool] | None = None,
        stride: int | None = None,
    ) -> str | None:
        """Follow a shortest path to ``goal``; None when reached (or ``stop_when`` fired), else why not.

        ``stride``: every how many of the walk's frames reach the observers (default
        ``walk_frame_stride``; exploration, which walks to see, passes 1).

        On the agent's own map, a goal no plan reaches is tried once more with the map
        squeezed by half a cell (:meth:`~embodied_mem.memory.spatial_nav.MapNavigation.
        squeezing`): the map over-covers surfaces, and noise can shut a doorway. That walk
        starts without the task's bump notes (refused moves of the first try in a passage
        barely wider than the agent had closed it; the squeezed walk finds the line through,
        :meth:`_sidestep`) and notes its own.

        Raises:
            BudgetExhausted: when the runner's step budget runs out on the way.
        """
        try:
            if stride is None:
                stride = self.config.walk_frame_stride
            reason = self._go_to(goal, tolerance, stop_when, stride)
            squeezing = getattr(self.runner.navigability, "squeezing", None)
            if reason is None or squeezing is None or not reason.startswith("unreachable"):
                return reason
            forget = getattr(self.runner.navigability, "forget_bumps", None)
            if forget is not None:
                forget()
            with squeezing():
                again = self._go_to(goal, tolerance, stop_when, stride)
            if again is None:
                return None
            return f"{reason}; at half a cell less clearance: {again}"
        finally:
            # What is read after a walk (the arrival check, the next plan) reads memory of
            # where it ended (the walk's moves reach the observers at a stride).
            self.runner.settle()

    def _go_to(
        self,
        goal: np.ndarray,
        tolerance: float,
        stop_when: Callable[[Observation], bool] | None,
        stride: int,
    ) -> str | None:
        goal = np.asarray(goal, dtype=float)[:2]
        self.blocked_moves = 0
        self._grazes, self._short_step = [], False
        path = self.planner.plan(self.obs.agent.xy, goal)
        if path is None:
            return f"unreachable: no path from {np.round(self.obs.agent.xy, 2).tolist()} to {np.round(goal, 2).tolist()}"
        heading_tol = math.radians(self.config.heading_tolerance_degrees)
        planned_on = self._map_version()
        stood: Counter[tuple[int, int]] = Counter()  # where moves ended, per centimetre
        sidesteps = self.config.sidesteps
        while True:
            if stop_when is not None and stop_when(self.obs):
                return None
            here = self.obs.agent.xy
            if np.linalg.norm(goal - here) <= tolerance:
                return None
            if self._map_version() != planned_on:  # the agent's own map grew on the way
                planned_on = self._map_version()
                if self.planner.path_closed(here, path):
                    self.replans += 1
                    # The goal itself may now lie on something seen since: aim at its floor.
                    goal = on_floor(self.runner.navigability, goal)
                    path = self.planner.plan(here, goal)
                    if path is None:
                        return "unreachable: the map seen on the way closes every path"
                    continue
            # Skip a reached waypoint only if the next one is in plain line of sight: cutting a
            # corner of a path that hugs an obstacle would run into it.
            while (
                len(path) > 1
                and np.linalg.norm(path[0] - here) <= self.config.waypoint_tolerance
                and (np.linalg.norm(path[0] - here) < 0.03 or self._segment_clear(here, path[1]))
            ):
                path.pop(0)
            waypoint = path[0]
            dist = float(np.linalg.norm(waypoint - here))
            if len(path) == 1 and dist < _SMALLEST_STEP:
                # The plan ends at the goal's nearest standable point (the goal itself lies
                # on or too near an obstacle of the map): as close as the map allows. Without
                # this the agent stepped across that point and back until the budget ran out.
                return None
            err = wrap_angle(yaw_to(here, waypoint) - self.obs.agent.yaw)
            step = min(self.config.forward_step, max(dist, _SMALLEST_STEP))
            if self._short_step:
                step = min(step, _SHORT_STEP)
            # Aim exactly when off by more than the tolerance, or when the slightly-off move
            # would graze the map's edge (shortest paths hug obstacles).
            needs_aim = abs(err) > heading_tol or (abs(err) > 0.01 and not self._clear_ahead(step))
            # Every pass must act or return; if no turn was possible, try the move anyway.
            if dist > 1e-3 and needs_aim and self.turn_to(yaw_to(here, waypoint), stride) > 0:
                continue
            result = self.runner.act(MoveForward(distance=step), stride)
            moved = float(np.linalg.norm(self.obs.agent.xy - here))
            if result.success:
                self._short_step = False
            if result.success and moved >= 0.3 * step:
                spot = tuple(np.round(self.obs.agent.xy * 100).astype(int).tolist())
                stood[spot] += 1
                if stood[spot] > _MAX_RETURNS:
                    # Going back and forth (re-plans on a map that changes as it looks
                    # around end on alternate sides): give this goal up, not the budget.
                    return f"stuck: came back to {np.round(self.obs.agent.xy, 2).tolist()} {_MAX_RETURNS} times on the way"
                continue
            if sidesteps > 0 and self._squeezed():
                sidesteps -= 1
                if self._sidestep(step, waypoint):
                    continue
            failure = self._blocked(here, step, goal, result.reason)
            if failure is not None:
                return failure
            path = self.planner.plan(self.obs.agent.xy, goal, careful=True)
            if path is None:
                return "unreachable: every detour around the blocked places is closed"

    def _squeezed(self) -> bool:
        """Whether the walk plans on the squeezed map (see :meth:`go_to`)."""
        return bool(getattr(self.runner.navigability, "squeeze", False))

    def _sidestep(self, step: float, waypoint: np.ndarray) -> bool:
        """After a refused move on the squeezed map, find a move that goes through; True if
        one did.

        The squeezed map is only used where no plan exists at the full radius: a passage
        barely wider than the agent, whose edges the map knows to a cell. Its plan runs along
        cell centres the map calls free, but the passage's free centre line can lie in the
        next cell, and its corners can stand half a cell nearer than the map has them (seed
        9494 full-0000: the only way between the two halves of a living room is 5 cm wider
        than the agent; the plan kept 2.5 cm too near the coffee table, every move along it
        was refused, the bump notes closed the passage, and every task beyond it failed).
        Tried in turn: a shift of one cell to either side (where the map calls it navigable)
        and the refused move again, facing the way the agent faced; then a short move
        (:data:`_SHORT_STEP`) at 30 or 60 degrees off the heading, nearest the waypoint's
        bearing first, where the map calls it free. A shift that does not help stays made.
        """
        nav = self.runner.navigability
        yaw = self.obs.agent.yaw
        res = float(nav.resolution)
        start = self.obs.agent.xy.copy()
        for side in (1.0, -1.0):
            lateral = yaw + side * math.pi / 2
            spot = start + res * np.array([math.cos(lateral), math.sin(lateral)])
            if not nav.is_navigable(spot):
                continue
            # From the start, or across it from the other side's shift.
            distance = float(np.linalg.norm(spot - self.obs.agent.xy))
            self.turn_to(lateral)
            shifted = self.runner.act(MoveForward(distance=distance)).success
            self.turn_to(yaw)
            if shifted and self.runner.act(MoveForward(distance=step)).success:
                logger.debug("a refused move went through a cell to the side")
                return True
        bearing = yaw_to(self.obs.agent.xy, waypoint)
        offsets = sorted(
            (math.radians(d) for d in (30.0, -30.0, 60.0, -60.0)),
            key=lambda off: abs(wrap_angle(yaw + off - bearing)),
        )
        for off in offsets:
            here = self.obs.agent.xy
            end = here + _SHORT_STEP * np.array([math.cos(yaw + off), math.sin(yaw + off)])
            if not self._segment_clear(here, end):
                continue
            self.turn_to(yaw + off)
            if self.runner.act(MoveForward(distance=_SHORT_STEP)).success:
                logger.debug(
                    "a refused move: went %.0f deg off the heading instead", math.degrees(off)
                )
                return True
        return False

    def _map_version(self) -> int | None:
        """The map's version if it changes while the agent acts (its own map), else None."""
        return getattr(self.runner.navigability, "version", None)

    def _clear_ahead(self, step: float) -> bool:
        """Whether the map is navigable all along a straight move of ``step`` metres."""
        heading = np.array([math.cos(self.obs.agent.yaw), math.sin(self.obs.agent.yaw)])
        return self._segment_clear(self.obs.agent.xy, self.obs.agent.xy + step * heading)

    def _segment_clear(self, a: np.ndarray, b: np.ndarray, spacing: float = 0.02) -> bool:
        nav = self.runner.navigability
        n = max(int(np.ceil(np.linalg.norm(b - a) / spacing)), 1)
        return all(nav.is_navigable(a + t * (b - a)) for t in np.linspace(0.0, 1.0, n + 1)[1:])

    def _blocked(
        self, here: np.ndarray, step: float, goal: np.ndarray, reason: str | None
    ) -> str | None:
        """Count a blocked move; remember the spot only if the map thought the way was free."""
        self.blocked_moves += 1
        self.total_blocked += 1
        self.replans += 1
        heading = np.array([math.cos(self.obs.agent.yaw), math.sin(self.obs.agent.yaw)])
        side = 0.06 * np.array([-heading[1], heading[0]])
        # Only a move the map calls clearly free (with a margin either side) proves that
        # something unmapped stands there; a graze of the map's edge only needs careful aim.
        mapped = not all(
            self._segment_clear(here + o, here + o + step * heading)
            for o in (0 * side, side, -side)
        )
        # A graze of an edge the map has is the aim's fault at first: a bump there closed a
        # corridor (8383 full-0008), so the next move is a short step. Refused a third time
        # where it grazed, the edge is nearer than the map thinks (13 refusals in a row,
        # 6161 full-0002): noted like an unmapped obstacle.
        before = sum(np.linalg.norm(here - g) <= _SAME_GRAZE for g in self._grazes)
        if mapped:
            self._grazes.append(np.array(here, dtype=float))
            self._short_step = before == 1
        bumper = getattr(self.runner.navigability, "mark_blocked", None)
        if bumper is not None and (before >= 2 or not mapped):
            # The agent's own map learns from a refusal it cannot explain (its edges are
            # estimates; the simulator's map is exact and needs no such note).
            bumper(here, heading, step)
        if not mapped:
            # Something the map lacks stands there; detours must avoid it from now on.
            self.planner.add_blocked(here + self.config.forward_step * heading)
        logger.debug(
            "move blocked at %s (%s, on map: %s); re-planning", np.round(here, 2), reason, mapped
        )
        if self.blocked_moves > self.config.max_blocked:
            return f"blocked: {self.blocked_moves} moves blocked on the way (last: {reason})"
        return None
