"""Tasks no agent can pass are excluded: an object goal no viewpoint shows big enough, an
object to move that the simulator's pick never sees big enough, a placement no receptacle it
accepts has room for.

Seed 6161 full-0008: a pen on a coffee table covers at most 16 pixels of a 160 x 120 frame
(0.08 %) from every pose the simulator offers, under the success rule's 0.1 %; six tasks about
it failed for every agent. Seed 8383 full-0004: an apple at the bottom of a drawer showed at
most 4 pixels, with the drawer open, where the pick wants 10. Rendered on the real built-in
house.
"""

from __future__ import annotations

import pytest

from embodied_mem.benchmark.feasibility import (
    infeasible,
    roomless_goal,
    ungraspable_goal,
    unseeable_goal,
)
from embodied_mem.benchmark.success import SuccessThresholds
from embodied_mem.benchmark.task import Goal, Placement, TaskInstance
from envs.actions import Open
from envs.builtin.env import BuiltinHouseEnv


@pytest.fixture()
def house(open_builtin_house):  # noqa: ANN001, ANN201
    env = open_builtin_house()
    env.reset(seed=2)
    return env


def _navigate(*targets: str) -> TaskInstance:
    goals = [Goal("object", (t,)) for t in targets]
    kind = "navigate" if len(goals) == 1 else "multi"
    return TaskInstance("h/T01", "h", "T01", "Navigate to it.", kind, goals=goals)


def _best_pixels(env: BuiltinHouseEnv, eid: str) -> int:
    """The most pixels any offered viewpoint shows of ``eid`` (bisection on the threshold)."""
    lo, hi = 0, 4096
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if env.viewpoints_for(eid, 1, visible_only=True, min_pixels=mid, candidates=10**5):
            lo = mid
        else:
            hi = mid - 1
    return lo


def test_an_object_no_viewpoint_shows_big_enough_is_unseeable(house) -> None:
    gt = house.ground_truth()
    loose = [o for o in gt.objects.values() if o.pickupable and not o.is_held]
    obj = next(o for o in loose if house.viewpoints_for(o.id, 1, visible_only=True, min_pixels=1))
    best = _best_pixels(house, obj.id)
    pixels = 160 * 120
    at_best = SuccessThresholds(object_min_pixel_fraction=best / pixels)
    beyond = SuccessThresholds(object_min_pixel_fraction=(best + 1) / pixels)
    assert unseeable_goal(house, _navigate(obj.id), gt, pixels, at_best) is None
    why = unseeable_goal(house, _navigate(obj.id), gt, pixels, beyond)
    assert why is not None and obj.id in why and f"{best + 1} pixels" in why
    # One unseeable goal makes a multi-goal task unseeable; other goals do not rescue it.
    other = next(o for o in loose if o.id != obj.id)
    assert unseeable_goal(house, _navigate(other.id, obj.id), gt, pixels, beyond) is not None
    # Receptacle goals and questions are not judged by it.
    rec = TaskInstance(
        "h/T25", "h", "T25", "Go.", "navigate", goals=[Goal("receptacle", (obj.id,))]
    )
    assert unseeable_goal(house, rec, gt, pixels, beyond) is None


def test_the_env_is_left_as_it_was(house) -> None:
    before = house.observe()
    gt = house.ground_truth()
    obj = next(o for o in gt.objects.values() if o.pickupable)
    unseeable_goal(house, _navigate(obj.id), gt, 160 * 120, SuccessThresholds())
    after = house.observe()
    assert tuple(after.agent.position) == tuple(before.agent.position)
    assert (after.depth == before.depth).all()


def _put(obj: str, rec: str) -> TaskInstance:
    return TaskInstance(
        "h/T57", "h", "T57", "Put it there.", "manipulate", placements=[Placement((obj,), (rec,))]
    )


def _shut_in_and_elsewhere(env: BuiltinHouseEnv) -> tuple[str, str]:
    """An object hidden inside a closed container, and a receptacle it is not on."""
    gt = env.ground_truth()
    obj = next(
        o
        for o in gt.objects.values()
        if o.parent_receptacle
        and gt.objects[o.parent_receptacle].openable
        and not gt.objects[o.parent_receptacle].is_open
        and not env.viewpoints_for(o.id, 1, visible_only=True, candidates=10**5)
    )
    rec = next(r.id for r in gt.receptacles() if r.id != obj.parent_receptacle)
    return obj.id, rec


def test_an_object_the_pick_never_sees_big_enough_is_ungraspable(open_builtin_house) -> None:
    house = open_builtin_house()
    house.reset(seed=2)
    obj, rec = _shut_in_and_elsewhere(house)
    gt = house.ground_truth()
    # Shut in, it shows nowhere; opened (as a pick first opens it) it does.
    assert house.viewpoints_for(obj, 1, visible_only=True, candidates=10**5, opened=True)
    assert ungraspable_goal(house, _put(obj, rec), gt) is None
    # Already where it must end: no pick is needed, whatever the pixels.
    parent = gt.objects[obj].parent_receptacle
    assert ungraspable_goal(house, _put(obj, parent), gt) is None

    fussy = open_builtin_house(min_visible_pixels=160 * 120)  # a pick no view can satisfy
    fussy.reset(seed=2)
    why = ungraspable_goal(fussy, _put(obj, rec), fussy.ground_truth())
    assert why is not None and obj in why
    assert infeasible(fussy, _put(obj, rec), fussy.ground_truth(), 160 * 120, SuccessThresholds())
    # Navigation tasks and questions are not judged by it.
    assert ungraspable_goal(fussy, _navigate(obj), fussy.ground_truth()) is None


def test_rendering_with_the_container_open_leaves_it_shut(open_builtin_house) -> None:
    house = open_builtin_house()
    house.reset(seed=2)
    obj, _ = _shut_in_and_elsewhere(house)
    before = house.observe()
    parent = house.ground_truth().objects[obj].parent_receptacle
    house.viewpoints_for(obj, 3, visible_only=True, candidates=10**5, opened=True)
    after = house.observe()
    assert not house.ground_truth().objects[parent].is_open
    assert (after.depth == before.depth).all() and after.frame_index == before.frame_index
    # Still shut for the agent: opening it is an action that succeeds.
    assert house.step(Open(parent))[0] is not None


def test_a_placement_no_accepted_receptacle_has_room_for_is_roomless(house) -> None:
    """Seed 6161 full-0009: a pillow was to go on "the dresser", and neither dresser of the
    house had a free spot large enough; the place was refused ("no free spot") for every agent."""
    gt = house.ground_truth()
    movable = [o.id for o in gt.pickupables() if not o.is_held]
    receptacles = [r.id for r in gt.receptacles()]
    room = {(o, r): house.has_room(o, r) for o in movable for r in receptacles}
    obj, full = next(
        (o, r) for (o, r), ok in room.items() if not ok and gt.objects[o].parent_receptacle != r
    )
    roomy = next(
        r for r in receptacles if room[(obj, r)] and r != gt.objects[obj].parent_receptacle
    )
    why = roomless_goal(house, _put(obj, full), gt)
    assert why is not None and obj in why and full in why
    assert infeasible(house, _put(obj, full), gt, 160 * 120, SuccessThresholds()) == why
    # Any receptacle the task accepts with room will do; so does being there already.
    two = TaskInstance(
        "h/T55",
        "h",
        "T55",
        "Bring it.",
        "manipulate",
        placements=[Placement((obj,), (full, roomy))],
    )
    assert roomless_goal(house, two, gt) is None
    assert roomless_goal(house, _put(obj, gt.objects[obj].parent_receptacle), gt) is None
    assert roomless_goal(house, _navigate(obj), gt) is None
    with pytest.raises(KeyError, match="has_room needs"):
        house.has_room(full, obj)
