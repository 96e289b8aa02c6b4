"""Judging navigation at checkpoints: the frames where the agent declared it reached a goal.

For one-target tasks the last checkpoint counts; multi-goal tasks need every goal reached at
some checkpoint, ordered tasks in order. The rule for one target comes from
:mod:`embodied_mem.benchmark.success`; a near miss is named (wrong target, too far, facing away,
not visible). The evaluator may read ground truth.
"""

from __future__ import annotations

import math

from embodied_mem.benchmark.success import (
    SuccessCheck,
    SuccessThresholds,
    check_object,
    check_receptacle,
    check_room,
    pixel_fraction,
)
from embodied_mem.benchmark.task import Goal, TaskInstance
from embodied_mem.benchmark.task_attempt import TaskAttempt
from envs.base import Navigability
from envs.ground_truth import GroundTruth
from envs.types import Observation


def _check(
    goal_kind: str,
    tid: str,
    obs: Observation,
    gt: GroundTruth,
    nav: Navigability,
    th: SuccessThresholds,
) -> SuccessCheck:
    if goal_kind == "room":
        if tid not in gt.rooms:
            return SuccessCheck(False, failures=[f"room {tid!r} not in ground truth"])
        return check_room(gt.rooms[tid], obs)
    if tid not in gt.objects:
        return SuccessCheck(False, failures=[f"{tid!r} not in ground truth"])
    if goal_kind == "object":
        check = check_object(gt.objects[tid], obs, nav, th)
        return check if check.success else _inside_closed_container(tid, check, obs, gt, th)
    return check_receptacle(gt.objects[tid], obs, nav, th)


def _inside_closed_container(
    tid: str, check: SuccessCheck, obs: Observation, gt: GroundTruth, th: SuccessThresholds
) -> SuccessCheck:
    """An object shut inside a container cannot be seen: seeing its container counts instead.

    Distance and facing are still judged against the object itself; only the visibility rule
    reads the container's mask. Without this, every object placed in a fridge would be
    unreachable by definition.
    """
    parent = gt.objects[tid].parent_receptacle
    container = gt.objects.get(parent) if parent else None
    if container is None or not container.openable or container.is_open:
        return check
    fraction = pixel_fraction(obs, container.id)
    others = [f for f in check.failures if not f.startswith("not visible")]
    if others or fraction < th.object_min_pixel_fraction or fraction == 0.0:
        return check
    return SuccessCheck(True, check.distance, check.facing_error, fraction, [])


def goal_reached(
    goal: Goal, obs: Observation, gt: GroundTruth, nav: Navigability, th: SuccessThresholds
) -> tuple[bool, list[SuccessCheck]]:
    """Whether any valid target of ``goal`` satisfies the success rule at ``obs``."""
    checks = [_check(goal.kind, t, obs, gt, nav, th) for t in goal.valid]
    return any(c.success for c in checks), checks


def _near_miss_mode(
    goal: Goal,
    obs: Observation,
    checks: list[SuccessCheck],
    gt: GroundTruth,
    nav: Navigability,
    th: SuccessThresholds,
) -> str:
    """Why a one-goal checkpoint failed: another thing reached, too far, facing, or visibility."""
    if goal.kind != "room":
        others = [
            o.id
            for o in gt.objects.values()
            if o.id not in goal.valid
            and o.is_receptacle == (goal.kind == "receptacle")
            and (o.pickupable or o.is_receptacle)
        ]
        # Only look at things on screen: checking every object would be slow and pointless.
        on_screen = {n for n in obs.instance_names.values()} if obs.instance_names else set()
        if any(_check(goal.kind, o, obs, gt, nav, th).success for o in others if o in on_screen):
            return "wrong_target"
    elif obs.room_id is not None and obs.room_id not in goal.valid:
        return "wrong_target"
    failures = [f for c in checks for f in c.failures]
    if not any(
        c.distance <= (th.object_distance if goal.kind == "object" else th.receptacle_distance)
        for c in checks
        if not math.isnan(c.distance)
    ):
        return "stopped_too_early"
    if any(f.startswith("not facing") for f in failures):
        return "not_facing_target"
    return (
        "target_not_visible"
        if any(f.startswith("not visible") for f in failures)
        else "stopped_too_early"
    )


def navigation_outcome(
    task: TaskInstance,
    attempt: TaskAttempt,
    gt: GroundTruth,
    nav: Navigability,
    th: SuccessThresholds,
) -> tuple[bool, str | None, str]:
    """(success, failure mode, detail) of a one-goal or multi-goal navigation attempt."""
    if not attempt.checkpoints:
        why = f": {attempt.failure_reason}" if attempt.failure_reason else ""
        return (
            False,
            "navigation_timeout" if attempt.timed_out else "navigation_failed",
            f"no arrival declared{why}"[:300],
        )
    if task.kind == "navigate":
        goal = task.goals[0]
        ok, checks = goal_reached(goal, attempt.checkpoints[-1], gt, nav, th)
        if ok:
            return True, None, ""
        detail = "; ".join(f for c in checks for f in c.failures)[:300]
        return False, _near_miss_mode(goal, attempt.checkpoints[-1], checks, gt, nav, th), detail
    reached = [
        [goal_reached(g, obs, gt, nav, th)[0] for g in task.goals] for obs in attempt.checkpoints
    ]
    if task.ordered:
        nxt, out_of_order = 0, False
        for row in reached:
            if nxt < len(task.goals) and row[nxt]:
                nxt += 1
            elif any(row[nxt + 1 :]):
                out_of_order = True
        if nxt == len(task.goals):
            return True, None, ""
        # Out of order only if every goal was reached at some point, just not in sequence.
        every = all(any(row[k] for row in reached) for k in range(len(task.goals)))
        mode = "wrong_order" if out_of_order and every else "incomplete"
        return False, mode, f"reached {nxt}/{len(task.goals)} goals in order"
    done = [any(row[k] for row in reached) for k in range(len(task.goals))]
    if all(done):
        return True, None, ""
    return False, "incomplete", f"reached {sum(done)}/{len(task.goals)} goals"
