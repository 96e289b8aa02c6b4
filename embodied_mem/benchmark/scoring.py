"""Score one task attempt per TASKS.md, name the failure mode, and aggregate per family.

The evaluator may read ground truth. Success rules per target come from
:mod:`embodied_mem.benchmark.success` (FindingDory thresholds by default, all in :class:`ScoringConfig`).
A navigation attempt is judged at its *checkpoints*: the frames at which the agent declared it
had reached a goal (for one-target tasks, the last one counts). Multi-goal tasks need every goal
reached at some checkpoint, and ordered tasks need them in order.
"""

from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass, field

import networkx as nx
import numpy as np

from embodied_mem.benchmark.spl import multi_goal_length, single_target_length
from embodied_mem.benchmark.success import (
    SuccessCheck,
    SuccessThresholds,
    check_object,
    check_receptacle,
    check_room,
    pixel_fraction,
)
from embodied_mem.benchmark.task import Goal, TaskInstance, normalize_answer
from envs.base import Navigability
from envs.ground_truth import GroundTruth
from envs.types import Observation

logger = logging.getLogger(__name__)

FAILURE_MODES: tuple[str, ...] = (
    "bad_planner_output",  # the planner's output could not be parsed or executed
    "endpoint_timeout",  # the planner's model endpoint gave no complete reply in time
    "endpoint_error",  # the planner's model endpoint gave no valid reply
    "budget_exceeded",  # the planner's prompt could not fit its token budget
    "missing_model",  # the planner's local model is not installed
    "planner_crash",  # the planner raised; the loop recorded it and went on
    "target_never_remembered",  # no valid target was ever in memory
    "nothing_chosen",  # the planner chose no target (memory had no match, or it only explored)
    "wrong_target",  # the planner chose something invalid (or the agent arrived at one)
    "navigation_timeout",  # the step budget ran out
    "navigation_failed",  # the policy gave up without declaring arrival
    "manipulation_failed",  # a pick/place/open/close the plan needed failed
    "stopped_too_early",  # stopped on the way: valid target too far
    "not_facing_target",  # near a valid target but looking away
    "target_not_visible",  # near and facing, but the target is occluded / off-screen
    "wrong_order",  # ordered multi-goal reached out of order
    "incomplete",  # multi-goal: some goals never reached
    "wrong_answer",  # question answered wrongly
    "no_answer",  # question not answered
    "predicate_not_met",  # manipulation: objects not where asked
    "container_left_open",  # manipulation: right place, but the container was left open
)


@dataclass
class ScoringConfig:
    """Every success threshold (defaults follow FindingDory; see TASKS.md)."""

    thresholds: SuccessThresholds = field(default_factory=SuccessThresholds)
    """Per-target distance / facing / visibility rules."""
    compute_spl: bool = True
    """SPL needs geodesic fields; turn off for very large houses or quick checks."""


@dataclass
class TaskAttempt:
    """What the agent did on one task, as reported by the runner."""

    task_id: str
    checkpoints: list[Observation] = field(default_factory=list)
    """Frames where the agent declared arrival at a goal (in time order)."""
    path_length: float = 0.0
    """Metres walked on the floor plane."""
    steps: int = 0
    answer: str | None = None
    """Final answer for questions."""
    chosen_targets: list[str] | None = None
    """Env/room ids of what the planner chose before any motion (matched by the runner), in order."""
    chosen_answer: str | None = None
    """The planner's answer before any motion (questions), for high-level success."""
    planner_calls: int = 0
    prompt_tokens: int = 0
    memory_size: int = 0
    wall_time_s: float = 0.0
    timed_out: bool = False
    planner_error: str | None = None
    """Why the planner produced no plan: a planner failure mode (kept as the task's mode) or a
    free-text reason (recorded as ``bad_planner_output``)."""
    target_in_memory: bool | None = None
    """Whether memory held any valid target when the task started (None = unknown)."""
    failed_subgoal: str | None = None
    """Type name of the subgoal whose failure ended the attempt (None: none failed)."""
    failure_reason: str | None = None
    """Why that subgoal (or the planner) failed, as the agent reported it."""


@dataclass
class TaskResult:
    """The measures of one task (one JSON line of the results file)."""

    task_id: str
    episode_id: str
    template_id: str
    family: str
    success: bool
    high_level_success: bool | None
    spl: float | None
    steps: int
    path_length: float
    optimal_length: float | None
    planner_calls: int
    prompt_tokens: int
    memory_size: int
    wall_time_s: float
    failure_mode: str | None
    detail: str = ""
    excluded: str | None = None
    """Why the task was not run for this agent (its goal already held when it started, after
    earlier tasks changed the world); excluded tasks count in no rate."""

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


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


def high_level_success(task: TaskInstance, attempt: TaskAttempt) -> bool | None:
    """Did the planner choose valid targets (or the right answer) before any motion?"""
    if task.kind == "question":
        given = attempt.chosen_answer if attempt.chosen_answer is not None else attempt.answer
        return None if given is None else normalize_answer(given) in task.answers
    chosen = attempt.chosen_targets
    if chosen is None:
        return None
    if task.kind == "manipulate":
        return all(
            any(c in p.objects for c in chosen) and any(c in p.receptacles for c in chosen)
            for p in task.placements
        )
    if task.kind == "navigate":  # the last arrival is scored: so is the last choice
        return bool(chosen) and chosen[-1] in task.goals[0].valid
    if task.ordered:  # like scoring, extra targets in between do not break the order
        nxt = 0
        for c in chosen:
            if nxt < len(task.goals) and c in task.goals[nxt].valid:
                nxt += 1
        return nxt == len(task.goals)
    graph = nx.Graph()
    graph.add_nodes_from((("g", k) for k in range(len(task.goals))), bipartite=0)
    graph.add_edges_from(
        (("g", k), ("c", j))
        for k, g in enumerate(task.goals)
        for j, c in enumerate(chosen)
        if c in g.valid
    )
    top = [("g", k) for k in range(len(task.goals))]
    matching = (
        nx.bipartite.maximum_matching(graph, top_nodes=top) if graph.number_of_edges() else {}
    )
    return sum(1 for n in top if n in matching) == len(task.goals)


def _navigation(
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


def _manipulation(
    task: TaskInstance, attempt: TaskAttempt, gt: GroundTruth
) -> tuple[bool, str | None, str]:
    left_open = False
    for p in task.placements:
        placed = [
            o
            for o in p.objects
            if o in gt.objects
            and not gt.objects[o].is_held
            and gt.objects[o].parent_receptacle in p.receptacles
        ]
        if not placed:
            detail = f"none of {list(p.objects)} is on/in {list(p.receptacles)}"
            return False, _action_failure_mode(attempt) or "predicate_not_met", detail
        if p.closed_after and all(
            gt.objects[gt.objects[o].parent_receptacle].is_open for o in placed
        ):
            left_open = True
    if left_open:
        return False, "container_left_open", "the object is in place but its container is open"
    return True, None, ""


def goal_met(task: TaskInstance, gt: GroundTruth) -> bool:
    """Whether a manipulation task's goal predicate already holds in ``gt`` (then doing
    nothing would pass it: such an instance is not filled, and not run when earlier tasks
    made it true)."""
    if task.kind != "manipulate":
        raise ValueError(f"goal_met is for manipulation tasks, {task.task_id} is {task.kind!r}")
    return _manipulation(task, TaskAttempt(task.task_id), gt)[0]


def _question(task: TaskInstance, attempt: TaskAttempt) -> tuple[bool, str | None, str]:
    if attempt.answer is None or not attempt.answer.strip():
        return False, "no_answer", ""
    got = normalize_answer(attempt.answer)
    if got in task.answers:
        return True, None, ""
    return False, "wrong_answer", f"answered {got!r}, valid: {task.answers}"


def _optimal_length(
    task: TaskInstance, gt: GroundTruth, nav: Navigability, th: SuccessThresholds
) -> float | None:
    if task.start_pose is None or task.kind not in ("navigate", "multi"):
        return None
    start = np.asarray(task.start_pose[:2], dtype=float)
    if task.kind == "navigate":
        return single_target_length(task.goals[0], start, gt, nav, th)
    return multi_goal_length(task.goals, task.ordered, start, gt, nav, th)


def score_task(
    task: TaskInstance,
    attempt: TaskAttempt,
    gt: GroundTruth,
    nav: Navigability,
    config: ScoringConfig | None = None,
) -> TaskResult:
    """Score one attempt. ``gt`` is the world when the attempt ended.

    Raises:
        ValueError: the attempt belongs to another task.
    """
    config = config or ScoringConfig()
    th = config.thresholds
    if attempt.task_id != task.task_id:
        raise ValueError(f"attempt for {attempt.task_id!r} scored against task {task.task_id!r}")
    if task.kind == "question":
        success, mode, detail = _question(task, attempt)
    elif task.kind == "manipulate":
        success, mode, detail = _manipulation(task, attempt, gt)
    else:
        success, mode, detail = _navigation(task, attempt, gt, nav, th)
    hl = high_level_success(task, attempt)
    if not success:
        upstream = _upstream_mode(task, attempt, hl)
        if upstream is not None and upstream != mode:
            # the label names the first cause: the detail says it first, then what followed
            detail = _upstream_detail(upstream, task, attempt) + f"; then {mode}: {detail}"
            detail = detail[:300]
            mode = upstream
    optimal = _optimal_length(task, gt, nav, th) if config.compute_spl else None
    spl = None
    if optimal is not None and math.isfinite(optimal):
        spl = (
            float(success) * optimal / max(attempt.path_length, optimal, 1e-9)
            if optimal > 0
            else float(success)
        )
    return TaskResult(
        task_id=task.task_id,
        episode_id=task.episode_id,
        template_id=task.template_id,
        family=task.family,
        success=success,
        high_level_success=hl,
        spl=spl,
        steps=attempt.steps,
        path_length=attempt.path_length,
        optimal_length=optimal,
        planner_calls=attempt.planner_calls,
        prompt_tokens=attempt.prompt_tokens,
        memory_size=attempt.memory_size,
        wall_time_s=attempt.wall_time_s,
        failure_mode=None if success else mode,
        detail=detail,
    )


def _upstream_mode(task: TaskInstance, attempt: TaskAttempt, hl: bool | None) -> str | None:
    """Failures that happened before the policy moved explain the outcome best.

    In order: the planner (model, endpoint) failed; memory never held a valid target; the
    planner chose nothing; it chose something invalid (``wrong_target`` means exactly that: a
    wrong choice); the step budget ran out. Questions keep their own modes (a wrong answer
    is ``wrong_answer``, none is ``no_answer``).
    """
    if attempt.planner_error:
        mode = attempt.planner_error
        return mode if mode in FAILURE_MODES else "bad_planner_output"
    if attempt.target_in_memory is False:
        return "target_never_remembered"
    if task.kind == "question":
        return None
    if attempt.chosen_targets is not None and not attempt.chosen_targets:
        return "nothing_chosen"
    if hl is False:
        return "wrong_target"
    if attempt.timed_out:
        return "navigation_timeout"
    return None


def _upstream_detail(mode: str, task: TaskInstance, attempt: TaskAttempt) -> str:
    """The words for an upstream label (:func:`_upstream_mode`), so a card's detail explains
    its label before the outcome it led to."""
    if mode == "target_never_remembered":
        valid = sorted(set(valid_target_ids(task)))
        shown = ", ".join(valid[:4]) + (f" (+{len(valid) - 4})" if len(valid) > 4 else "")
        return f"memory held no valid target ({shown}) when the task started"
    if mode == "nothing_chosen":
        return "the plan chose no target"
    if mode == "wrong_target":
        # "?" is a choice the runner matched to nothing real (matching.match_targets)
        chosen = [
            c if c != "?" else "a thing matching nothing real" for c in attempt.chosen_targets or []
        ]
        return f"the plan chose {', '.join(chosen)}: not the valid targets"
    if mode == "navigation_timeout":
        return f"the step budget ran out after {attempt.steps} steps"
    reason = attempt.failure_reason or attempt.planner_error or mode
    return f"the planner gave no plan ({reason})"


def valid_target_ids(task: TaskInstance) -> list[str]:
    """Env ids a task can be solved with: its goals' valid targets and the objects to place
    (whether memory held one of them decides ``target_never_remembered``)."""
    ids = [v for g in task.goals for v in g.valid]
    return ids + [o for p in task.placements for o in p.objects]


def _action_failure_mode(attempt: TaskAttempt) -> str | None:
    """Which policy failed: approaching a target is navigation, acting on it manipulation."""
    if attempt.failed_subgoal is None:
        return None
    if attempt.timed_out:
        return "navigation_timeout"
    reason = attempt.failure_reason or ""
    if attempt.failed_subgoal in _MANIPULATION_SUBGOALS and not reason.startswith("approach"):
        return "manipulation_failed"
    return "navigation_failed"


_MANIPULATION_SUBGOALS = ("PickSubgoal", "PlaceSubgoal", "OpenSubgoal", "CloseSubgoal")
