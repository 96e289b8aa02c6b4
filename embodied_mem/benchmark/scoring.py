"""Score one task attempt per TASKS.md: success, high-level success, SPL and the failure mode.

The evaluator may read ground truth. Success rules per target come from
:mod:`embodied_mem.benchmark.success` (FindingDory thresholds by default, all in
:class:`ScoringConfig`); navigation is judged at the attempt's checkpoints
(:mod:`embodied_mem.benchmark.checkpoints`), manipulation by where the objects ended up,
questions by the answer; the label of a failure comes from
:mod:`embodied_mem.benchmark.failure_modes`.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import numpy as np

from embodied_mem.benchmark.checkpoints import navigation_outcome
from embodied_mem.benchmark.failure_modes import (
    action_failure_mode,
    upstream_detail,
    upstream_mode,
    valid_target_ids,
)
from embodied_mem.benchmark.spl import multi_goal_length, single_target_length
from embodied_mem.benchmark.success import SuccessThresholds
from embodied_mem.benchmark.task import TaskInstance, normalize_answer
from embodied_mem.benchmark.task_attempt import TaskAttempt, TaskResult
from envs.base import Navigability
from envs.ground_truth import GroundTruth

# TaskAttempt, TaskResult and valid_target_ids are defined next door; the episode and eval
# runners import them from here.
__all__ = [
    "ScoringConfig",
    "TaskAttempt",
    "TaskResult",
    "goal_met",
    "high_level_success",
    "score_task",
    "valid_target_ids",
]

logger = logging.getLogger(__name__)


@dataclass
class ScoringConfig:
    """Every success threshold (defaults follow FindingDory; see TASKS.md)."""

    thresholds: SuccessThresholds = field(default_factory=SuccessThresholds)
    """Per-target distance / facing / visibility rules."""
    compute_spl: bool = True
    """SPL needs geodesic fields; turn off for very large houses or quick checks."""


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
    import networkx as nx  # on use: a slow import the CLI's config loading skips

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
            return False, action_failure_mode(attempt) or "predicate_not_met", detail
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
        success, mode, detail = navigation_outcome(task, attempt, gt, nav, th)
    hl = high_level_success(task, attempt)
    if not success:
        upstream = upstream_mode(task, attempt, hl)
        if upstream is not None and upstream != mode:
            # the label names the first cause: the detail says it first, then what followed
            detail = upstream_detail(upstream, task, attempt) + f"; then {mode}: {detail}"
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
