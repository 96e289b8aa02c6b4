"""Whether a task can be passed at all: a target no standing pose shows big enough, an
object no pose lets the simulator pick, a receptacle with no room for what must go there.

The object rule asks for the target at >= 0.1 % of the frame's pixels. A pen lying on a coffee
table, seen from the camera's height with the pitch limit, covers at most 16 pixels of a
160 x 120 frame (0.08 %) from every pose the simulator offers: no agent can pass such a task,
and counting it as a failure measures the camera, not the memory. Likewise the simulator's
pick wants the object in view (10 pixels in the built-in house): an apple at the bottom of a
drawer showed at most 4 from every pose within reach with the drawer open (seed 8383
full-0004), so "return every object you moved" could not be done. Those tasks are excluded
(for every baseline alike, reported with their reason), as tasks whose goal already held are.

Evaluation only: this reads ground truth and renders the simulator's own viewpoints.
"""

from __future__ import annotations

import math
import weakref
from typing import Any

from embodied_mem.benchmark.success import SuccessThresholds
from embodied_mem.benchmark.task import TaskInstance
from envs.base import Env
from envs.capabilities import SupportsRoomCheck, SupportsViewpoints, capability
from envs.ground_truth import GroundTruth, ObjectRecord


def infeasible(
    env: Env, task: TaskInstance, gt: GroundTruth, frame_pixels: int, th: SuccessThresholds
) -> str | None:
    """Why no agent could pass ``task`` from this state (:func:`unseeable_goal`,
    :func:`ungraspable_goal`), or None."""
    return (
        unseeable_goal(env, task, gt, frame_pixels, th)
        or ungraspable_goal(env, task, gt)
        or roomless_goal(env, task, gt)
    )


def roomless_goal(env: Env, task: TaskInstance, gt: GroundTruth) -> str | None:
    """Why some placement of a manipulation ``task`` has no receptacle it accepts with room
    for any object it may move (the simulator's place refuses "no free spot"), or None (also
    when the env cannot tell). A pillow was to go on a dresser, and both dressers of the house
    were full (seed 6161 full-0009).

    Judged on the world as the task starts: in a task moving several things, one moved away
    could free a spot for another; no template asks for that."""
    oracle = capability(env, SupportsRoomCheck)
    if oracle is None or task.kind != "manipulate":
        return None
    for placement in task.placements:
        movable = [o for o in placement.objects if o in gt.objects]
        receptacles = [r for r in placement.receptacles if r in gt.objects]
        if not movable or not receptacles:
            continue
        if any(gt.objects[o].parent_receptacle in receptacles for o in movable):
            continue  # already where it must end
        if any(oracle.has_room(o, r) for o in movable for r in receptacles):
            continue
        return (
            f"no receptacle the task accepts ({', '.join(receptacles)}) has room for "
            f"{' or '.join(movable)}"
        )
    return None


def ungraspable_goal(env: Env, task: TaskInstance, gt: GroundTruth) -> str | None:
    """Why some placement of a manipulation ``task`` needs a pick the simulator can refuse from
    every pose within reach (too few pixels of the object in view, even with the container it
    is in open), or None (also when the env offers no viewpoints)."""
    oracle = capability(env, SupportsViewpoints)
    if oracle is None or task.kind != "manipulate":
        return None
    for placement in task.placements:
        movable = [o for o in placement.objects if o in gt.objects]
        if not movable or any(
            _graspable(oracle, gt.objects[o], placement.receptacles) for o in movable
        ):
            continue
        return (
            f"no pose within reach shows {' or '.join(movable)} at the pixels the simulator's "
            "pick needs, even with its container open"
        )
    return None


def _graspable(
    oracle: SupportsViewpoints, record: ObjectRecord, receptacles: tuple[str, ...]
) -> bool:
    if record.is_held or record.parent_receptacle in receptacles:
        return True  # in hand, or already where it must end: no pick needed
    # need=None: the env's own pick threshold; rendered with its container open.
    return _shows(oracle, record.id, tuple(record.position), None, opened=True)


def unseeable_goal(
    env: Env, task: TaskInstance, gt: GroundTruth, frame_pixels: int, th: SuccessThresholds
) -> str | None:
    """Why some object goal of ``task`` cannot meet the visibility rule from any viewpoint the
    simulator offers, or None (also when the env offers no viewpoints: nothing to judge by)."""
    oracle = capability(env, SupportsViewpoints)
    if oracle is None or task.kind not in ("navigate", "multi"):
        return None
    need = max(1, math.ceil(th.object_min_pixel_fraction * frame_pixels))
    for goal in task.goals:
        if goal.kind != "object":
            continue
        if any(_seeable(oracle, gt, target, need) for target in goal.valid):
            continue
        return (
            f"no viewpoint shows {' or '.join(goal.valid)} at {need} pixels "
            f"({th.object_min_pixel_fraction:.1%} of the frame, the success rule's floor)"
        )
    return None


def _seeable(oracle: SupportsViewpoints, gt: GroundTruth, target: str, need: int) -> bool:
    record = gt.objects.get(target)
    if record is None or record.is_held:
        return True  # not this check's business: scoring says what it says
    parent = gt.objects.get(record.parent_receptacle) if record.parent_receptacle else None
    if parent is not None and parent.openable and not parent.is_open:
        return True  # shut in: the container's pixels count for it (checkpoints.py)
    return _shows(oracle, target, tuple(record.position), need)


def _shows(
    oracle: SupportsViewpoints,
    target: str,
    position: tuple[float, ...],
    need: int | None,
    *,
    opened: bool = False,
) -> bool:
    """Whether any of the simulator's standing poses for ``target`` (at ``position``) shows
    ``need`` pixels of it (None: the env's own threshold; ``opened``: with its container
    open). Every candidate is tried, not the few best: a watch that the four poses nearest
    0.7 m showed at 18 pixels showed at 20 from a pose farther down the list, and the agent
    found it. Cached per env, held weakly (an unseeable pen is asked about in many tasks;
    the cache must not keep a finished episode's env alive)."""
    cache = _SHOWS.setdefault(oracle, {})
    key = (target, position, need, opened)
    if key not in cache:
        cache[key] = bool(
            oracle.viewpoints_for(
                target,
                max_count=1,
                visible_only=True,
                min_pixels=need,
                candidates=_ALL_POSES,
                opened=opened,
            )
        )
    return cache[key]


_ShowsKey = tuple[str, tuple[float, ...], int | None, bool]
_SHOWS: weakref.WeakKeyDictionary[Any, dict[_ShowsKey, bool]] = weakref.WeakKeyDictionary()
_ALL_POSES = 100_000
"""More standing poses than any simulator offers for one thing: try them all."""
