"""The frames-K ORACLE bound: a task is solvable only if the frames its answer depends on survive."""

from __future__ import annotations

import numpy as np
from bench_house import _visits, make_record_one_day

from embodied_mem.benchmark.frames_bound import FrameVisibilityLog, solvable
from embodied_mem.benchmark.task import Goal, TaskInstance

N = 400  # frames of the hand-checked day; interaction i spans frames [100 i, 100 i + 50]


def _log(rooms_and_minutes: list[tuple[str, float]]) -> FrameVisibilityLog:
    """One frame per (room, minute of the day) in the given order."""
    log = FrameVisibilityLog(room_names={"kitchen": "kitchen", "living": "living room"})
    for k, (room, minute) in enumerate(rooms_and_minutes):
        log.visible.append(frozenset())
        log.rooms.append(room)
        log.seconds.append(minute * 60.0)
        log.days.append(0)
        log.frame_index.append(k)
    return log


def _kitchen_then_living() -> FrameVisibilityLog:
    """380 frames in the kitchen 06:00-07:00, then 20 in the living room 07:00-21:59: the
    agent idled in the living room (the clock jumped), so few frames show the longest stay."""
    kitchen = [("kitchen", m) for m in np.linspace(360, 420, 380, endpoint=False)]
    living = [("living", m) for m in np.linspace(420, 1319, 20)]
    return _log(kitchen + living)


def _question(tid: str, text: str, answers: list[str]) -> TaskInstance:
    return TaskInstance(f"hand-1/{tid}", "hand-1", tid, text, "question", answers=answers)


def test_counting_needs_a_frame_of_every_interaction():
    """ "How many objects did you move?" depends on every interaction; one seen is not enough
    (the bound used to accept any kept frame inside any interaction)."""
    rec = make_record_one_day()
    log = _log([("kitchen", 360 + k) for k in range(N)])
    task = _question("T62", "How many objects did you move yesterday?", ["4"])
    # k=4 keeps frames 0, 133, 266, 399: inside the 1st and 2nd interactions only.
    assert not solvable(task, log, rec, 4)
    assert solvable(task, log, rec, N)
    named = _question("T60", "What did you pick up at 09:30 yesterday?", ["book"])
    named.source = {"interaction": 1}
    assert solvable(named, log, rec, 4)  # frame 133 lies inside interaction 1


def test_room_time_needs_the_frames_that_tell_the_time():
    """ "Which room did you spend the most time in?" depends on the whole day: the kept frames,
    each standing for the time until the next, must put the right room first."""
    rec = make_record_one_day()
    rec.visits = _visits(0, [("kitchen", "06:00", "07:00"), ("living", "07:00", "22:00")])
    log = _kitchen_then_living()
    task = _question("T63", "Which room did you spend the most time in yesterday?", ["living room"])
    # Frames 0 (kitchen, inside interaction 0) and 399 (living room at 21:59): the kitchen
    # frame stands for 06:00-21:59, so two frames cannot tell.
    assert not solvable(task, log, rec, 2)
    assert solvable(task, log, rec, N)
    nav = TaskInstance(
        "hand-1/T38",
        "hand-1",
        "T38",
        "Navigate to the room where you spent the most time yesterday.",
        "navigate",
        goals=[Goal("room", ("living",))],
    )
    assert not solvable(nav, log, rec, 2) and solvable(nav, log, rec, N)


def test_room_order_needs_every_visit():
    rec = make_record_one_day()
    log = _log([("kitchen", 360 + k) for k in range(200)] + [("living", 600 + k) for k in range(5)])
    log.rooms[100] = "bedroom"  # a short visit in the middle
    task = TaskInstance(
        "hand-1/T49",
        "hand-1",
        "T49",
        "Visit the rooms you visited yesterday, in the same order.",
        "multi",
        goals=[Goal("room", (r,)) for r in ("kitchen", "bedroom", "kitchen", "living")],
        ordered=True,
    )
    assert solvable(task, log, rec, len(log.rooms))
    assert not solvable(task, log, rec, 3)  # frames 0, 102, 204: the bedroom visit is lost
