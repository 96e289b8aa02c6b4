"""The rule planner on a small hand-built memory: right targets, order logic, fallbacks, T61.

The memory is filled through the public ``AgentMemory`` API by the seeded synthetic house
(:mod:`embodied_mem.memory.synthetic`): rooms in a row (kitchen room_0, living room room_1,
bedroom room_2, bathroom room_3), furniture with small objects on it, scripted days.

Day 0 (two days ago): Apple_0_0_1 CounterTop -> Shelf_1_2; Pen_1_1_0 CoffeeTable -> Sofa.
Day 1 (yesterday):    Mug_1_0_1 Sofa -> Fridge_0_1 (opened, closed); Candle_2_1_0 (red)
                      Dresser -> Desk_2_2; Apple_0_0_1 Shelf -> CounterTop_0_0.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pytest

from embodied_mem.memory import AgentMemory
from embodied_mem.memory.synthetic import Interaction, SynthConfig, SyntheticHouse, run_day
from embodied_mem.planner.base import PlanningContext
from embodied_mem.planner.rule import RulePlanner, RulePlannerConfig
from embodied_mem.planner.stopping import StoppingConfig
from envs.types import AgentPose, SimTime
from policies.subgoals import (
    Answer,
    CloseSubgoal,
    Explore,
    NavigateToObject,
    NavigateToReceptacle,
    NavigateToRoom,
    OpenSubgoal,
    PickSubgoal,
    PlaceSubgoal,
)

DAY0 = [("Apple_0_0_1", "Shelf_1_2"), ("Pen_1_1_0", "Sofa_1_0")]
DAY1 = [
    ("Mug_1_0_1", "Fridge_0_1"),
    ("Candle_2_1_0", "Desk_2_2"),
    ("Apple_0_0_1", "CounterTop_0_0"),
]


@dataclass
class World:
    mem: AgentMemory
    house: SyntheticHouse
    gt: list[Interaction]

    def env_id(self, memory_id: str) -> str | None:
        """Evaluation-only link from a memory node to the env id (oracle votes)."""
        obj = self.mem.mapper.objects.get(self.mem.long_term.resolve(memory_id))
        return None if obj is None else obj.oracle_id

    def yesterday(self) -> list[Interaction]:
        return [i for i in self.gt if i.day == 1]


@pytest.fixture(scope="module")
def world() -> World:
    house = SyntheticHouse(SynthConfig(seed=1, rooms=4))
    mem = AgentMemory(house.rooms)
    gt = run_day(mem, house, 0, DAY0)
    mem.start_day(1)
    gt += run_day(mem, house, 1, DAY1)
    return World(mem, house, gt)


def plan(
    world: World,
    text: str,
    *,
    step: int = 0,
    agent: AgentPose | None = None,
    time: SimTime | None = None,
    planner: RulePlanner | None = None,
    memory: Any = None,
) -> Any:
    ctx = PlanningContext(
        instruction=text,
        memory=memory if memory is not None else world.mem.query(today=2),
        agent=agent,
        time=time,
        step_index=step,
    )
    return (planner or RulePlanner()).plan(ctx)


def targets(world: World, result: Any) -> list[str | None]:
    return [world.env_id(m) if not m.startswith("room_") else m for m in result.high_level_targets]


def in_room(world: World, room: str) -> AgentPose:
    x, y = world.house.room_center(room)
    return AgentPose((float(x), float(y), 0.0), 0.0)


# ------------------------------------------------------------------ object recall / receptacles
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Navigate to the mug you picked up yesterday.", "Mug_1_0_1"),
        ("Navigate to the candle you picked up yesterday.", "Candle_2_1_0"),
        ("Navigate to the object you picked up from the dresser.", "Candle_2_1_0"),
        ("Navigate to the object you placed on the fridge.", "Mug_1_0_1"),
        (
            "Navigate to a red object you interacted with yesterday.",
            None,
        ),  # Candle or Apple: both red
        ("Navigate to the object that took you the longest to rearrange yesterday.", None),
    ],
)
def test_object_templates_choose_an_interacted_object(
    world: World, text: str, expected: str | None
) -> None:
    result = plan(world, text)
    assert result.ok, result.message
    chosen = targets(world, result)
    assert len(chosen) == 1 and isinstance(
        result.subgoals[0], NavigateToObject | NavigateToReceptacle
    )
    if expected is not None:
        assert chosen == [expected]
    else:
        assert chosen[0] in {i.object_id for i in world.yesterday()}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Navigate to the receptacle where you placed the candle.", "Desk_2_2"),
        ("Navigate to the receptacle you picked the mug up from.", "Sofa_1_0"),
        ("Navigate to the receptacle where you placed the first object yesterday.", "Fridge_0_1"),
        (
            "Navigate to the receptacle where you placed the last object yesterday.",
            "CounterTop_0_0",
        ),
        ("Navigate to the fridge you opened yesterday.", "Fridge_0_1"),
        # "originally" reaches back to the first ever pick: the red apple started on the CounterTop
        # two days ago (the red candle on the Dresser) — both are valid, the Shelf is not.
        (
            "Navigate to the receptacle the red object was originally on.",
            {"CounterTop_0_0", "Dresser_2_1"},
        ),
    ],
)
def test_receptacle_templates(world: World, text: str, expected: str | set[str]) -> None:
    result = plan(world, text)
    assert result.ok, result.message
    assert isinstance(result.subgoals[0], NavigateToReceptacle)
    chosen = targets(world, result)[0]
    assert chosen in expected if isinstance(expected, set) else chosen == expected


def test_multi_word_categories_are_matched_to_memory_spelling(world: World) -> None:
    """Slots are humanized ("coffee table"); memory says "CoffeeTable"; both must meet."""
    day0 = world.mem.query(today=1)  # "yesterday" = day 0, when the pen left the coffee table
    result = plan(world, "Navigate to the object you picked up from the coffee table.", memory=day0)
    assert targets(world, result) == ["Pen_1_1_0"]


# ------------------------------------------------------------------ temporal and order
@pytest.mark.parametrize(
    ("text", "index"),
    [
        ("Navigate to the first object you picked up yesterday.", 0),
        ("Navigate to the second object you picked up yesterday.", 1),
        ("Navigate to the last object you picked up yesterday.", 2),
        ("Navigate to the object you picked up right after the mug.", 1),
        ("Navigate to the object you picked up right before the apple.", 1),
    ],
)
def test_ordinal_and_adjacent_picks(world: World, text: str, index: int) -> None:
    assert targets(world, plan(world, text)) == [world.yesterday()[index].object_id]


def test_at_time_means_the_object_not_the_container_opened_then(world: World) -> None:
    """At the minute the fridge was opened the agent was carrying the mug: the answer is the mug."""
    mug = world.yesterday()[0]
    q = world.mem.query(today=2)
    opened = q.interactions(kind="open", day=1)[0].event.time_of_day
    result = plan(world, f"Navigate to the object you interacted with at {opened} yesterday.")
    assert targets(world, result) == [mug.object_id]
    result = plan(
        world,
        f"Navigate to the object you interacted with at {world.yesterday()[1].pick_tod} yesterday.",
    )
    assert targets(world, result) == [world.yesterday()[1].object_id]


def test_interval_counts_whole_rearrangements(world: World) -> None:
    """An interval strictly inside the mug's pick→place span still finds the mug."""
    mug = world.yesterday()[0]
    lo = int(mug.pick_tod[:2]) * 60 + int(mug.pick_tod[3:]) + 1
    hi = int(mug.place_tod[:2]) * 60 + int(mug.place_tod[3:]) - 1
    assert hi >= lo, "the scripted mug rearrangement must span a few minutes"
    text = f"Navigate to an object you interacted with between {lo // 60:02d}:{lo % 60:02d} and {hi // 60:02d}:{hi % 60:02d} yesterday."
    assert targets(world, plan(world, text)) == [mug.object_id]


def test_ordered_multi_goal_follows_pick_order(world: World) -> None:
    result = plan(
        world,
        "Navigate to all the objects you picked up yesterday, in the order you picked them up.",
    )
    assert targets(world, result) == [i.object_id for i in world.yesterday()]
    result = plan(
        world,
        "Navigate to all the receptacles you placed objects on, in the order you placed them.",
    )
    assert targets(world, result) == [i.target for i in world.yesterday()]
    assert all(isinstance(s, NavigateToReceptacle) for s in result.subgoals)


def test_unordered_multi_goal_visits_nearest_first(world: World) -> None:
    result = plan(
        world,
        "Navigate to all the objects you picked up yesterday, in any order.",
        agent=in_room(world, "room_2"),
    )
    chosen = targets(world, result)
    assert sorted(chosen) == sorted(i.object_id for i in world.yesterday())
    assert chosen[0] == "Candle_2_1_0"  # the only one in the bedroom, where the agent stands


@pytest.mark.parametrize(
    ("text", "room", "expected"),
    [
        (
            "Navigate to the object you interacted with yesterday that is closest to you.",
            "room_2",
            {"Candle_2_1_0"},
        ),
        (
            "Navigate to the object you interacted with yesterday that is farthest from you.",
            "room_2",
            {"Mug_1_0_1", "Apple_0_0_1"},
        ),
        (
            "Navigate to the object you interacted with yesterday that is closest to you.",
            "room_0",
            {"Mug_1_0_1", "Apple_0_0_1"},
        ),
    ],
)
def test_distance_templates_use_the_agent_position(
    world: World, text: str, room: str, expected: set[str]
) -> None:
    assert targets(world, plan(world, text, agent=in_room(world, room)))[0] in expected


# ------------------------------------------------------------------ several days
def test_multi_day_templates(world: World) -> None:
    apple_day0 = next(i for i in world.gt if i.day == 0 and i.object_id == "Apple_0_0_1")
    picked = plan(
        world, f"Navigate to the object you picked up 2 days ago at {apple_day0.pick_tod}."
    )
    assert targets(world, picked) == ["Apple_0_0_1"]
    most = plan(world, "Navigate to the object you have moved most often over the past 2 days.")
    assert targets(world, most) == ["Apple_0_0_1"]  # the only object moved on both days
    where = plan(world, "Navigate to where the apple was 2 days ago.")
    assert targets(world, where) == ["Shelf_1_2"]  # it has moved since (back to the counter)


def test_most_used_receptacle_counts_picks_and_places_not_opening(world: World) -> None:
    """CounterTop, Shelf and Sofa each served two picks/places; the Fridge one place (+ open and
    close, which do not make it a more used *receptacle*)."""
    result = plan(
        world, "Navigate to the receptacle you have used most often over the past 2 days."
    )
    assert targets(world, result)[0] in {"CounterTop_0_0", "Shelf_1_2", "Sofa_1_0"}


# ------------------------------------------------------------------ rooms and questions
def test_room_templates(world: World) -> None:
    placed = plan(world, "Navigate to the room where you placed the mug.")
    assert placed.high_level_targets == ["room_0"] and isinstance(
        placed.subgoals[0], NavigateToRoom
    )
    picked = plan(world, "Navigate to the room where you picked up the candle.")
    assert picked.high_level_targets == ["room_2"]
    unvisited = plan(world, "Navigate to a room you did not visit yesterday.")
    assert unvisited.high_level_targets == ["room_3"]
    visits = plan(world, "Visit the rooms you visited yesterday, in the same order.")
    assert visits.high_level_targets[0] == "room_0"


def test_room_time_counts_the_last_room_until_the_day_ends(world: World) -> None:
    """The agent ends the day in the kitchen (room_0) and stays there until 22:00."""
    most = plan(world, "Navigate to the room where you spent the most time yesterday.")
    assert most.high_level_targets == ["room_0"]
    answer = plan(world, "Which room did you spend the most time in yesterday?")
    assert answer.subgoals == [Answer("kitchen")]
    least = plan(world, "Navigate to the room where you spent the least time yesterday.")
    assert least.high_level_targets and least.high_level_targets[0] != "room_0"


def test_question_answers(world: World) -> None:
    assert plan(world, "Where did you put the candle yesterday?").subgoals == [
        Answer("Desk in the bedroom")
    ]
    pick_tod = world.yesterday()[1].pick_tod
    assert plan(world, f"What did you pick up at {pick_tod} yesterday?").subgoals == [
        Answer("Candle")
    ]
    assert plan(world, "How many objects did you move yesterday?").subgoals == [Answer("3")]


# ------------------------------------------------------------------ manipulation
def test_return_every_object_names_objects_and_receptacles(world: World) -> None:
    result = plan(world, "Return every object you moved yesterday to the receptacle it started on.")
    chosen = targets(world, result)
    # (object, where it was yesterday morning) pairs, in pick order
    assert chosen == [
        "Mug_1_0_1",
        "Sofa_1_0",
        "Candle_2_1_0",
        "Dresser_2_1",
        "Apple_0_0_1",
        "Shelf_1_2",
    ]
    kinds = [type(s) for s in result.subgoals]
    # The mug is shut in the fridge: open it before picking and close it after; the others
    # just pick and place.
    assert (
        kinds
        == [OpenSubgoal, PickSubgoal, CloseSubgoal, PlaceSubgoal]
        + [
            PickSubgoal,
            PlaceSubgoal,
        ]
        * 2
    )
    opened, closed = result.subgoals[0], result.subgoals[2]
    assert closed.position == opened.position and closed.box == opened.box  # the same fridge


def test_object_shut_in_a_container_is_reached_by_facing_the_container(world: World) -> None:
    q = world.mem.query(today=2)
    result = plan(world, "Navigate to the mug you picked up yesterday.")
    goal = result.subgoals[0]
    fridge = next(h for h in q.receptacles() if h.category == "Fridge")
    assert isinstance(goal, NavigateToReceptacle) and goal.position == tuple(fridge.position)
    assert world.env_id(goal.memory_id) == "Mug_1_0_1"  # the target is still the mug
    candle = plan(world, "Navigate to the candle you picked up yesterday.").subgoals[0]
    assert isinstance(candle, NavigateToObject)  # on a desk, in plain sight


class SplitFridgeQuery:
    """Noisy perception split the fridge in two: the mug went "inside" a duplicate track that
    memory never saw opened or closed (state None); the closed one is the other track."""

    def __init__(self, inner: Any, mug: str, fridge: Any) -> None:
        self._inner, self._mug = inner, inner.lt.resolve(mug)
        self.twin = replace(fridge, obj=replace(fridge.obj, memory_id="obj_twin", state=None))

    def get(self, memory_id: str, **kw: Any) -> Any:
        if memory_id == "obj_twin":
            return self.twin
        hit = self._inner.get(memory_id, **kw)
        if self._inner.lt.resolve(memory_id) == self._mug:
            return replace(hit, obj=replace(hit.obj, parent_id="obj_twin", relation="inside"))
        return hit

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def test_an_object_inside_a_split_container_is_reached_by_the_closed_twin(world: World) -> None:
    """Seed 6161 full-0007 (memory-noisy): a cup "inside" fridge obj_0081 (state unknown) while
    memory saw fridge obj_0001, the same box, closed: the navigation aimed at the cup through
    the shut door and failed 14 tasks."""
    from embodied_mem.planner.rule_targets import closed_container, object_goal

    q = world.mem.query(today=2)
    fridge = next(h for h in q.receptacles() if h.category == "Fridge")
    mug_id = next(
        h.event.object_id for h in q.interactions(kind="pick", day=1) if h.object_category == "Mug"
    )
    split = SplitFridgeQuery(q, mug_id, fridge)
    mug = split.get(mug_id)
    assert fridge.obj.state == "closed" and split.twin.obj.state is None
    assert closed_container(split, mug).memory_id == fridge.memory_id
    goal = object_goal(mug, split)
    assert isinstance(goal, NavigateToReceptacle) and goal.position == tuple(fridge.position)
    assert goal.box == (tuple(fridge.obj.bbox_min), tuple(fridge.obj.bbox_max))
    # A closed fridge whose box does not hold the object is not its container.
    away = replace(mug, obj=replace(mug.obj, position=(100.0, 100.0, 0.5)))
    assert closed_container(split, away) is None
    assert isinstance(object_goal(away, split), NavigateToObject)


class ForgetfulQuery:
    """A memory query that has lost one node (e.g. merged away): ``get`` raises KeyError for it."""

    def __init__(self, inner: Any, lost: str) -> None:
        self._inner, self._lost = inner, inner.lt.resolve(lost)

    def get(self, memory_id: str, **kw: Any) -> Any:
        if self._inner.lt.resolve(memory_id) == self._lost:
            raise KeyError(f"memory object {memory_id!r} is unknown")
        return self._inner.get(memory_id, **kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def test_a_forgotten_object_is_skipped_not_fatal(world: World) -> None:
    q = world.mem.query(today=2)
    mug = next(h.event.object_id for h in q.interactions(kind="pick", day=1))
    result = plan(
        world,
        "Return every object you moved yesterday to the receptacle it started on.",
        memory=ForgetfulQuery(q, mug),
    )
    assert result.ok, result.message
    assert targets(world, result) == ["Candle_2_1_0", "Dresser_2_1", "Apple_0_0_1", "Shelf_1_2"]


class VanishedQuery(ForgetfulQuery):
    """Memory marked one node vanished: it is gone now but its past states remain."""

    def get(self, memory_id: str, **kw: Any) -> Any:
        if kw.get("at_time") is None and self._inner.lt.resolve(memory_id) == self._lost:
            raise KeyError(f"memory object {memory_id!r} vanished")
        return self._inner.get(memory_id, **kw)


def test_a_vanished_object_is_sought_where_the_agent_left_it(world: World) -> None:
    q = world.mem.query(today=2)
    candle = next(
        h.event.object_id
        for h in q.interactions(kind="pick", day=1)
        if h.object_category == "Candle"
    )
    result = plan(
        world, "Navigate to the candle you picked up yesterday.", memory=VanishedQuery(q, candle)
    )
    assert result.ok and targets(world, result) == ["Candle_2_1_0"]
    desk = next(t for t in world.house.receptacles() if t.id == "Desk_2_2")
    x, y, _ = result.subgoals[0].position
    assert (
        desk.lo[0] <= x <= desk.hi[0] and desk.lo[1] <= y <= desk.hi[1]
    )  # on the desk it was put on


class HoldingQuery:
    """Memory says the agent still holds ``held`` (an earlier task left it in hand)."""

    def __init__(self, inner: Any, held: str) -> None:
        self._inner, self._held = inner, inner.resolve(held)

    def held_object(self) -> str:
        return self._held

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _memory_id(world: World, q: Any, env_id: str) -> str:
    return next(h.memory_id for h in q.objects() if world.env_id(h.memory_id) == env_id)


def test_object_already_in_hand_is_placed_first_without_picking(world: World) -> None:
    q = world.mem.query(today=2)
    holding = HoldingQuery(q, _memory_id(world, q, "Candle_2_1_0"))
    result = plan(
        world,
        "Return every object you moved yesterday to the receptacle it started on.",
        memory=holding,
    )
    first = result.subgoals[0]
    assert isinstance(first, PlaceSubgoal) and first.category == "Dresser"
    assert sum(isinstance(sg, PickSubgoal) for sg in result.subgoals) == 2  # mug and apple only


def test_unrelated_object_in_hand_is_put_down_before_picking(world: World) -> None:
    q = world.mem.query(today=2)
    holding = HoldingQuery(q, _memory_id(world, q, "Candle_2_1_0"))
    result = plan(world, "Put the apple back where it was yesterday morning.", memory=holding)
    kinds = [type(sg) for sg in result.subgoals]
    assert kinds == [PlaceSubgoal, PickSubgoal, PlaceSubgoal]
    assert result.subgoals[0].category == "Dresser"  # where the candle was last picked from
    assert targets(world, result) == ["Apple_0_0_1", "Shelf_1_2"]
    # If the dresser has no room: other receptacles, none of them the task's own.
    others = result.subgoals[0].alternatives
    assert 1 <= len(others) <= 3 and result.subgoals[0].position not in others
    shelf = next(h for h in q.receptacles() if world.env_id(h.memory_id) == "Shelf_1_2")
    assert tuple(shelf.position) not in others


def test_put_in_openable_closes_after(world: World) -> None:
    result = plan(world, "Put the candle in the fridge.")
    assert targets(world, result) == ["Candle_2_1_0", "Fridge_0_1"]
    assert isinstance(result.subgoals[1], PlaceSubgoal) and result.subgoals[1].close_after


# ------------------------------------------------------------------ fallbacks
def test_unknown_instruction_is_unsupported(world: World) -> None:
    result = plan(world, "Juggle three oranges in the garden.")
    assert result.failure_mode == "unsupported_instruction"
    assert "not understood (no_match)" in result.message
    parse = result.details["parse"]
    assert parse["template"] is None and parse["alternatives"]  # nearest intents, no guess


def test_person_style_rewording_is_planned_like_the_template(world: World) -> None:
    """The probe's rewording reaches the same target as the TASKS.md phrasing."""
    q = world.mem.query(today=2)
    template = plan(world, "Navigate to the receptacle where you placed the candle.", memory=q)
    reworded = plan(world, "Go to wherever you put the candle.", memory=q)
    assert reworded.ok and reworded.details["template"] == "T26"
    assert targets(world, reworded) == targets(world, template) == ["Desk_2_2"]


def test_empty_memory_explores_then_reports_no_match() -> None:
    house = SyntheticHouse(SynthConfig(seed=1, rooms=2))
    empty = AgentMemory(house.rooms).query(today=1)
    planner = RulePlanner(RulePlannerConfig(explore_steps=120))
    first = planner.plan(PlanningContext("Navigate to a key chain.", memory=empty, step_index=0))
    assert first.ok and isinstance(first.subgoals[0], Explore)
    assert first.subgoals[0].category == "KeyChain" and first.subgoals[0].max_steps == 120
    assert first.details["replan"] is True
    second = planner.plan(PlanningContext("Navigate to a key chain.", memory=empty, step_index=1))
    assert second.failure_mode == "no_memory_match" and "KeyChain" in second.message


def test_a_thing_exploring_did_not_find_is_looked_for_in_closed_containers(
    world: World,
) -> None:
    """An egg shut in a microwave nobody opened shows to no exploration (seed 7272 full-0001):
    after exploring, the search opens the closed containers memory holds (nearest first) and
    closes each again; a container it cannot reach does not end the search; then, with still
    nothing remembered, it gives up."""
    q = world.mem.query(today=2)
    shut = {tuple(h.position) for h in q.receptacles() if h.obj.state == "closed"}
    assert shut, "the synthetic day leaves the mug shut in the fridge"
    text = "Navigate to a key chain."
    assert isinstance(plan(world, text, step=0).subgoals[0], Explore)
    search = plan(world, text, step=1, agent=in_room(world, "room_0"))
    kinds = [type(s) for s in search.subgoals]
    assert kinds == [OpenSubgoal, CloseSubgoal] * len(kinds[::2]) and kinds
    opened = [s.position for s in search.subgoals[::2]]
    assert set(opened) <= shut and len(opened) == min(len(shut), RulePlannerConfig().open_to_search)
    assert [s.position for s in search.subgoals[1::2]] == opened  # each closed again
    assert search.details["replan"] is True and search.details["search"] is True
    assert not search.high_level_targets  # nothing chosen yet
    assert plan(world, text, step=2).failure_mode == "no_memory_match"
    # open_to_search=0 turns the container search off.
    none = RulePlanner(RulePlannerConfig(open_to_search=0))
    assert plan(world, text, step=1, planner=none).failure_mode == "no_memory_match"


def test_a_search_also_opens_containers_memory_never_saw_open_or_shut(world: World) -> None:
    """Memory learns a container's state only by using it (seed 1717: a plate in a fridge, a
    remote and a spray bottle each in a cabinet nobody had opened; the search opened only the
    containers it had seen shut). A kind of furniture that opens is opened whatever memory
    knows of its state, except when memory saw it open; a shelf never is."""
    q = world.mem.query(today=2)
    shut = {tuple(h.position) for h in q.receptacles() if h.obj.state == "closed"}
    dressers = {tuple(h.position) for h in q.receptacles() if h.category == "Dresser"}
    assert shut and dressers, "the synthetic house: a fridge memory saw shut, a dresser never used"
    assert all(h.obj.state is None for h in q.receptacles() if h.category == "Dresser")
    text = "Navigate to a key chain."
    room_0 = in_room(world, "room_0")
    # Dressers do not open by default (shelves, tables, beds never do).
    search = plan(world, text, step=1, agent=room_0)
    assert {s.position for s in search.subgoals[::2]} == shut
    assert search.details["search_category"] == "KeyChain"
    # A house whose dressers open: the one memory never used is opened too.
    dresser_opens = RulePlannerConfig(container_categories=("fridge", "dresser"))
    search = plan(world, text, step=1, agent=room_0, planner=RulePlanner(dresser_opens))
    assert {s.position for s in search.subgoals[::2]} == shut | dressers


def test_untouched_instance_explores_for_a_new_one(world: World) -> None:
    """Every remembered mug was touched: the search is for a mug memory does not hold yet (the
    agent's detector ignores the ones it held when exploring began), and it looks at the
    remembered receptacles, nearest first, once no frontier is left."""
    result = plan(world, "Navigate to a mug you did not interact with yesterday.")
    explore = result.subgoals[0]
    assert isinstance(explore, Explore) and explore.category == "Mug"
    q = world.mem.query(today=2)
    remembered = {tuple(float(v) for v in h.position) for h in q.receptacles()}
    assert explore.inspect and set(explore.inspect) <= remembered
    assert len(explore.inspect) == min(len(remembered), RulePlannerConfig().inspect_receptacles)


# ------------------------------------------------------------------ T61: trust memory or look
T61 = "Is the candle still on the desk?"


def _last_seen(world: World) -> float:
    q = world.mem.query(today=2)
    return next(
        h
        for h in q.objects()
        if h.category == "Candle"
        and h.obj.parent_id is not None
        and q.get(h.obj.parent_id).category == "Desk"
    ).obj.last_seen


def test_t61_answers_from_fresh_memory(world: World, caplog: pytest.LogCaptureFixture) -> None:
    now = SimTime(_last_seen(world) + 60.0, 2, "06:01")
    with caplog.at_level(logging.INFO, logger="embodied_mem.planner.stopping"):
        result = plan(world, T61, agent=in_room(world, "room_0"), time=now)
    assert result.subgoals == [Answer("yes")]
    decision = result.details["stopping"]
    assert decision["action"] == "answer" and decision["staleness_s"] == pytest.approx(60.0)
    assert decision["travel_distance_m"] > 0 and decision["change_probability"] < 0.01
    assert any("stopping rule: answer" in r.message for r in caplog.records)


def test_t61_goes_to_look_when_memory_is_stale_and_the_desk_is_near(world: World) -> None:
    now = SimTime(_last_seen(world) + 2 * 86400.0, 2, "06:00")
    result = plan(world, T61, agent=in_room(world, "room_2"), time=now)
    assert isinstance(result.subgoals[0], NavigateToReceptacle) and result.details["replan"]
    decision = result.details["stopping"]
    assert decision["action"] == "look" and decision["value_of_looking"] > decision["travel_cost"]
    assert world.env_id(result.subgoals[0].memory_id) == "Desk_2_2"
    after = plan(world, T61, agent=in_room(world, "room_2"), time=now, step=1)
    assert after.subgoals == [Answer("yes")] and after.details["after_looking"]


def test_t61_trusts_stale_memory_when_the_walk_costs_more(world: World) -> None:
    now = SimTime(_last_seen(world) + 2 * 86400.0, 2, "06:00")
    pricey = RulePlanner(RulePlannerConfig(stopping=StoppingConfig(travel_cost_per_metre=5.0)))
    result = plan(world, T61, agent=in_room(world, "room_0"), time=now, planner=pricey)
    assert result.subgoals == [Answer("yes")] and result.details["stopping"]["action"] == "answer"


def test_t61_says_no_when_the_object_was_never_put_there(world: World) -> None:
    now = SimTime(_last_seen(world) + 60.0, 2, "06:01")
    result = plan(
        world, "Is the candle still on the sofa?", agent=in_room(world, "room_1"), time=now
    )
    assert result.subgoals == [Answer("no")]


def test_t61_object_lost_from_view_inside_a_closed_container_is_still_believed_there(
    world: World,
) -> None:
    """Memory marks the mug vanished (it could not see into the shut fridge): still "yes"."""
    q = world.mem.query(today=2)
    mug = next(
        h.event.object_id for h in q.interactions(kind="pick", day=1) if h.object_category == "Mug"
    )
    now = SimTime(_last_seen(world) + 60.0, 2, "06:01")
    result = plan(
        world,
        "Is the mug still on the fridge?",
        agent=in_room(world, "room_2"),
        time=now,
        memory=VanishedQuery(q, mug),
    )
    assert result.subgoals == [Answer("yes")] and result.details["believed"] is True


class UnsupportedQuery:
    """Memory has the candles but no support relation for any of them (a re-observation or a
    merge of tracks dropped it)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def objects(self, *args: Any, **kw: Any) -> list[Any]:
        import dataclasses

        hits = self._inner.objects(*args, **kw)
        return [
            dataclasses.replace(h, obj=dataclasses.replace(h.obj, parent_id=None))
            if h.category == "Candle"
            else h
            for h in hits
        ]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def test_t61_a_thing_resting_on_the_receptacle_by_its_box_is_on_it(world: World) -> None:
    """Seed 9494 full-0003: the pillow put on the coffee table, seen there since, had lost its
    support relation in memory, and "is the pillow still on the coffee table?" got "no"."""
    now = SimTime(_last_seen(world) + 60.0, 2, "06:01")
    memory = UnsupportedQuery(world.mem.query(today=2))
    result = plan(world, T61, agent=in_room(world, "room_0"), time=now, memory=memory)
    assert result.subgoals == [Answer("yes")] and result.details["believed"] is True
    sofa = plan(
        world, "Is the candle still on the sofa?", agent=in_room(world, "room_0"), time=now,
        memory=memory,
    )  # fmt: skip
    assert sofa.subgoals == [Answer("no")]


# ------------------------------------------------------------------ distances off the floor
class WalledFloor:
    """Floor only where x >= 1 (a wall at x = 1); geodesic = straight line on the floor."""

    @staticmethod
    def snap(xy: np.ndarray) -> np.ndarray:
        return np.array([max(float(xy[0]), 1.05), float(xy[1])])

    def geodesic_distance(self, a: np.ndarray, b: np.ndarray) -> float:
        if a[0] < 1 or b[0] < 1:
            return float("inf")
        return float(np.linalg.norm(np.asarray(a) - np.asarray(b)))


def test_things_off_the_floor_get_a_finite_walking_distance() -> None:
    floor = WalledFloor()
    planner = RulePlanner(
        geodesic=floor.geodesic_distance
    )  # snap found on the bound method's owner
    assert planner.snap is not None
    d = planner.distance(np.array([4.0, 0.0]), np.array([0.5, 0.0]))
    assert d == pytest.approx(2.95 + 0.55)
    assert RulePlanner(geodesic=lambda a, b: float("inf")).distance(
        np.zeros(2), np.ones(2)
    ) == float("inf")


def test_every_template_has_exactly_one_rule_in_the_table() -> None:
    """One explicit table maps every TASKS.md template to its handler (no globals() scans)."""
    from embodied_mem.benchmark.task import PHRASINGS
    from embodied_mem.planner.rule import HANDLERS

    assert set(HANDLERS) == set(PHRASINGS)
    assert all(callable(h) and h.__name__ == t.lower() for t, h in HANDLERS.items())


def test_where_it_was_uses_the_interaction_history_to_pick_the_instance() -> None:
    """T52 with two pillows: the agent moved one on day 1; memory's belief about the other
    drifted (a re-association put it on another receptacle). The instance the agent itself
    picked since is the one that moved (issue 14: the wrong one of three tissue boxes)."""
    house = SyntheticHouse(SynthConfig(seed=1, rooms=3))
    pillows = sorted(o.id for o in house.objects() if o.category == "Pillow")
    still, moved = pillows  # the one moved sits farther from where the agent stands
    home = {p: house.things[p].parent for p in pillows}
    dest = next(r.id for r in house.receptacles() if r.room_id == "room_0")
    mem = AgentMemory(house.rooms)
    gt = run_day(mem, house, 0, [], start_room="room_2")  # day 0: sees both pillows
    mem.start_day(1)
    gt += run_day(mem, house, 1, [(moved, dest)])
    world = World(mem, house, gt)
    by_env = {o.oracle_id: mid for mid, o in mem.mapper.objects.items()}
    still_id = by_env[still]
    other = next(r.id for r in house.receptacles() if r.room_id == "room_2" and r.id != home[still])
    t = max(e.start_time for e in mem.episodic.events_on(1)) + 1.0  # after the day-1 pick
    mem.long_term.graph.record(still_id, t, parent_id=by_env[other])
    agent = AgentPose((12.4, 3.2, 0.0), 0.0)  # in front of the dresser the still pillow is on
    result = plan(world, "Navigate to where the pillow was 2 days ago.", agent=agent)
    assert targets(world, result) == [home[moved]]


def test_goals_carry_where_the_agent_stood_when_it_last_put_the_thing_down(world: World) -> None:
    from embodied_mem.planner.rule_targets import known_viewpoints

    q = world.mem.query(today=2)
    last = plan(world, "Navigate to the last object you picked up yesterday.")
    (goal,) = last.subgoals
    placed = q.interactions(object_id=last.high_level_targets[0], kind="place")[-1]
    pose = placed.event.pose
    assert goal.viewpoints[0] == (pose.position[0], pose.position[1], pose.yaw)
    fridge = next(h for h in q.receptacles() if h.category == "Fridge")
    assert known_viewpoints(q, fridge)  # where it was opened, closed, placed into
    assert known_viewpoints(None, fridge) == ()


def test_bring_to_a_kind_of_receptacle_lists_the_others_of_that_kind(world: World) -> None:
    """ "The fridge" is any fridge: the place subgoal carries the other remembered ones,
    nearest first, for when the chosen one has no room left (the synthetic memory has one
    fridge; two more are added as the query would return them)."""
    q = world.mem.query(today=2)
    fridge = next(h for h in q.receptacles() if h.category == "Fridge")
    far, near = (
        replace(fridge, obj=replace(fridge.obj, memory_id=mid, position=(x, 0.0, 0.9)))
        for mid, x in (("obj_far", 40.0), ("obj_near", 20.0))
    )
    more = MoreReceptacles(q, [far, near])
    here = AgentPose((fridge.position[0], fridge.position[1] - 1.0, 0.0), 0.0, 0.0)
    result = plan(world, "Put the candle in the fridge.", memory=more, agent=here)
    place = result.subgoals[-1]
    assert isinstance(place, PlaceSubgoal) and place.position == fridge.position
    assert place.alternatives == (near.position, far.position)
    result = plan(world, "Put the candle in the fridge.")
    assert result.subgoals[-1].alternatives == ()


class MoreReceptacles:
    """A query whose receptacles include ``extra`` hits (all else from ``inner``)."""

    def __init__(self, inner: Any, extra: list[Any]) -> None:
        self._inner, self._extra = inner, extra

    def receptacles(self, *args: Any, **kwargs: Any) -> list[Any]:
        return [*self._inner.receptacles(*args, **kwargs), *self._extra]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def test_room_time_tells_apart_stays_within_the_same_minutes() -> None:
    """Seed 7272 full-0004: a hallway passed through in 40 s and a bedroom in 60 s both span
    one wall-clock minute; the least time is the hallway's, as the benchmark counts it."""
    from types import SimpleNamespace

    from embodied_mem.memory.results import RoomVisit
    from embodied_mem.planner.rule_rooms import room_seconds

    def visit(room: str, enter: float, tod: str) -> RoomVisit:
        return RoomVisit(room, 1, enter, enter, 0, 0, tod)

    # The clock counts from 06:00 (seconds since the reset at day 0, 06:00).
    day1 = 86400.0
    visits = [
        visit("kitchen", day1 + 0.0, "06:00"),
        visit("hallway", day1 + 4 * 3600 + 30, "10:00"),  # 10:00:30 - 10:01:10
        visit("bedroom", day1 + 4 * 3600 + 70, "10:01"),  # 10:01:10 - 10:02:10
        visit("living", day1 + 4 * 3600 + 130, "10:02"),  # 10:02:10 - 22:00
    ]
    rooms = [
        SimpleNamespace(room_id=r, name=r) for r in ("bedroom", "hallway", "kitchen", "living")
    ]
    ctx = SimpleNamespace(q=SimpleNamespace(room_visits=lambda: visits, rooms=lambda: rooms))
    ranked = [(room.room_id, s) for room, s in room_seconds(ctx)]
    assert ranked == [
        ("living", 12 * 3600 - 130.0),
        ("kitchen", 4 * 3600 + 30.0),
        ("bedroom", 60.0),
        ("hallway", 40.0),
    ]
