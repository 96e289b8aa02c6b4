"""Which failure mode names a failed attempt, and the words of its detail.

The label names the *first* cause: a failure that happened before the policy moved (the
planner, memory, the choice, the step budget) explains the outcome better than what followed.
"""

from __future__ import annotations

from embodied_mem.benchmark.task import TaskInstance
from embodied_mem.benchmark.task_attempt import TaskAttempt

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


def upstream_mode(task: TaskInstance, attempt: TaskAttempt, hl: bool | None) -> str | None:
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


def upstream_detail(mode: str, task: TaskInstance, attempt: TaskAttempt) -> str:
    """The words for an upstream label (:func:`upstream_mode`), so a card's detail explains
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


def action_failure_mode(attempt: TaskAttempt) -> str | None:
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
