"""Scoring on the hand-checked house: right/wrong targets, order, rooms, answers, predicates, SPL."""

from __future__ import annotations

import copy
import math

import pytest
from bench_house import GridNav, make_gt, make_record_one_day, observe

from embodied_mem.benchmark.aggregate import aggregate
from embodied_mem.benchmark.failure_modes import FAILURE_MODES
from embodied_mem.benchmark.scoring import score_task
from embodied_mem.benchmark.task import Goal, TaskInstance
from embodied_mem.benchmark.task_attempt import TaskAttempt
from embodied_mem.benchmark.templates import generate_tasks

N, S, W = math.pi / 2, -math.pi / 2, math.pi
# Standing spots (x, y, yaw) that see each object from within reach.
AT = {
    "apple": (5.8, 1.2, N),
    "book": (9.8, 0.9, 0.0),
    "remote": (6.5, 2.8, N),
    "mug_red": (3.4, 2.8, N),
    "mug_blue": (6.9, 2.0, W),
}


@pytest.fixture(scope="module")
def world():
    gt = make_gt()
    nav = GridNav(gt)
    tasks = {
        t.template_id: t for t in generate_tasks(make_record_one_day(), gt, seed=3, nav=nav).tasks
    }
    return gt, nav, tasks


def at(oid: str, gt, frac: float = 0.01, also: dict[str, float] | None = None):
    x, y, yaw = AT[oid]
    return observe(x, y, yaw, {oid: frac, **(also or {})}, gt)


def _mug_task() -> TaskInstance:
    return TaskInstance(
        "hand-1/T01",
        "hand-1",
        "T01",
        "Navigate to a mug.",
        "navigate",
        goals=[Goal("object", ("mug_blue", "mug_red"))],
        start_pose=(9.0, 2.0, W),
    )


def test_valid_alternative_instance_passes(world):
    gt, nav, _ = world
    task = _mug_task()
    for oid in ("mug_blue", "mug_red"):
        r = score_task(task, TaskAttempt(task.task_id, [at(oid, gt)], path_length=8.0), gt, nav)
        assert r.success and r.failure_mode is None, oid


def test_wrong_target_fails(world):
    gt, nav, t = world
    task = t["T12"]  # the last object picked up: the red mug, in the kitchen fridge
    r = score_task(task, TaskAttempt(task.task_id, [at("apple", gt)]), gt, nav)
    assert not r.success and r.failure_mode == "wrong_target"
    r = score_task(
        task, TaskAttempt(task.task_id, [at("mug_red", gt)], chosen_targets=["mug_red"]), gt, nav
    )
    assert r.success and r.high_level_success


def test_near_miss_modes(world):
    gt, nav, t = world
    task = t["T12"]
    far = observe(1.0, 1.0, 0.0, {"mug_red": 0.01}, gt)
    assert (
        score_task(task, TaskAttempt(task.task_id, [far]), gt, nav).failure_mode
        == "stopped_too_early"
    )
    away = observe(3.4, 2.8, S, {"mug_red": 0.01}, gt)
    assert (
        score_task(task, TaskAttempt(task.task_id, [away]), gt, nav).failure_mode
        == "not_facing_target"
    )
    hidden = observe(3.4, 2.8, N, {}, gt)
    assert (
        score_task(task, TaskAttempt(task.task_id, [hidden]), gt, nav).failure_mode
        == "target_not_visible"
    )
    assert (
        score_task(task, TaskAttempt(task.task_id, [], timed_out=True), gt, nav).failure_mode
        == "navigation_timeout"
    )
    r = score_task(
        task, TaskAttempt(task.task_id, [at("mug_red", gt)], chosen_targets=["apple"]), gt, nav
    )
    assert r.success and r.high_level_success is False  # got there anyway, but the plan was wrong
    r = score_task(
        task, TaskAttempt(task.task_id, [far], planner_error="unparseable tool call"), gt, nav
    )
    assert r.failure_mode == "bad_planner_output"
    # Planner failure modes stay distinct instead of all becoming bad_planner_output.
    for mode in ("endpoint_timeout", "endpoint_error", "budget_exceeded", "planner_crash"):
        r = score_task(task, TaskAttempt(task.task_id, [far], planner_error=mode), gt, nav)
        assert r.failure_mode == mode and mode in FAILURE_MODES
    r = score_task(task, TaskAttempt(task.task_id, [far], target_in_memory=False), gt, nav)
    assert r.failure_mode == "target_never_remembered"


def test_failure_labels_name_the_cause(world):
    """``wrong_target`` only for a wrong choice; nothing chosen, a failed policy and a wrong
    answer each get their own label (issue 14: 15 of 19 failures were all wrong_target)."""
    gt, nav, t = world
    task = t["T12"]  # the red mug
    far = observe(1.0, 1.0, 0.0, {"mug_red": 0.01}, gt)
    nothing = score_task(task, TaskAttempt(task.task_id, [], chosen_targets=[]), gt, nav)
    assert nothing.failure_mode == "nothing_chosen" and nothing.high_level_success is False
    wrong = score_task(task, TaskAttempt(task.task_id, [far], chosen_targets=["apple"]), gt, nav)
    assert wrong.failure_mode == "wrong_target"
    lost = TaskAttempt(
        task.task_id,
        [],
        chosen_targets=["mug_red"],
        failed_subgoal="NavigateToObject",
        failure_reason="unreachable: no viewpoint of the target could be reached",
    )
    r = score_task(task, lost, gt, nav)
    assert r.failure_mode == "navigation_failed" and r.high_level_success is True
    assert "no viewpoint" in r.detail
    q = t["T62"]  # how many objects: 4
    r = score_task(q, TaskAttempt(q.task_id, answer="7", chosen_answer="7"), gt, nav)
    assert r.failure_mode == "wrong_answer" and r.high_level_success is False
    m = t["T57"]  # put the remote in the fridge
    pick = m.placements[0].objects[0]
    chosen = [pick, m.placements[0].receptacles[0]]
    for subgoal, reason, mode in [
        ("PickSubgoal", "pick remote failed: out of reach", "manipulation_failed"),
        ("PickSubgoal", "approach failed: target not visible", "navigation_failed"),
        (None, None, "predicate_not_met"),
    ]:
        attempt = TaskAttempt(
            m.task_id, chosen_targets=chosen, failed_subgoal=subgoal, failure_reason=reason
        )
        assert score_task(m, attempt, gt, nav).failure_mode == mode, (subgoal, reason)


def test_a_label_for_an_earlier_cause_is_what_its_detail_explains_first(world):
    """A card read ``target_never_remembered`` above a navigation failure's detail: the label
    names the first cause, so the detail says that cause first and then what followed."""
    gt, nav, t = world
    task = t["T12"]  # the red mug
    far = observe(1.0, 1.0, 0.0, {"mug_red": 0.01}, gt)
    stuck = {"failed_subgoal": "NavigateToObject", "failure_reason": "no viewpoint reached"}
    never = score_task(
        task, TaskAttempt(task.task_id, [], target_in_memory=False, **stuck), gt, nav
    )
    assert never.failure_mode == "target_never_remembered"
    assert never.detail == (
        "memory held no valid target (mug_red) when the task started; "
        "then navigation_failed: no arrival declared: no viewpoint reached"
    )
    nothing = score_task(task, TaskAttempt(task.task_id, [], chosen_targets=[]), gt, nav)
    assert nothing.detail.startswith("the plan chose no target; then navigation_failed: ")
    wrong = score_task(task, TaskAttempt(task.task_id, [far], chosen_targets=["apple"]), gt, nav)
    assert wrong.failure_mode == "wrong_target"
    assert wrong.detail.startswith("the plan chose apple: not the valid targets; then ")
    unmatched = TaskAttempt(task.task_id, [far], chosen_targets=["?"])
    assert score_task(task, unmatched, gt, nav).detail.startswith(
        "the plan chose a thing matching nothing real: not the valid targets; then "
    )
    out = score_task(task, TaskAttempt(task.task_id, [], timed_out=True, steps=40), gt, nav)
    assert out.failure_mode == "navigation_timeout" and out.detail == "no arrival declared"
    m = t["T57"]  # put the remote in the fridge
    lost = TaskAttempt(m.task_id, target_in_memory=False, chosen_targets=[])
    r = score_task(m, lost, gt, nav)
    assert r.failure_mode == "target_never_remembered"
    assert r.detail.startswith(f"memory held no valid target ({m.placements[0].objects[0]}")
    assert "then predicate_not_met: none of" in r.detail
    # a label that is the outcome itself keeps the outcome's detail alone
    lost = TaskAttempt(task.task_id, [], chosen_targets=["mug_red"], **stuck)
    assert score_task(task, lost, gt, nav).detail == "no arrival declared: no viewpoint reached"


def test_high_level_success_agrees_with_scoring_on_extra_targets(world):
    """An ordered plan with an extra target in between still has every goal in order; the
    scorer accepts the same visits, so high-level success must not say otherwise."""
    gt, nav, t = world
    task = t["T44"]
    order = ["apple", "book", "remote", "mug_red"]
    extra = ["apple", "mug_blue", "book", "remote", "mug_red"]
    r = score_task(
        task, TaskAttempt(task.task_id, [at(o, gt) for o in extra], chosen_targets=extra), gt, nav
    )
    assert r.success and r.high_level_success is True
    assert order != extra


def test_ordered_multi_goal(world):
    gt, nav, t = world
    task = t["T44"]
    order = ["apple", "book", "remote", "mug_red"]
    ok = score_task(task, TaskAttempt(task.task_id, [at(o, gt) for o in order]), gt, nav)
    assert ok.success
    swapped = ["book", "apple", "remote", "mug_red"]
    bad = score_task(task, TaskAttempt(task.task_id, [at(o, gt) for o in swapped]), gt, nav)
    assert not bad.success and bad.failure_mode == "wrong_order"
    short = score_task(task, TaskAttempt(task.task_id, [at(o, gt) for o in order[:3]]), gt, nav)
    assert short.failure_mode == "incomplete"
    hl = score_task(task, TaskAttempt(task.task_id, [], chosen_targets=swapped), gt, nav)
    assert hl.high_level_success is False


def test_unordered_multi_goal_any_order(world):
    gt, nav, t = world
    task = t["T45"]
    order = ["mug_red", "remote", "book", "apple"]
    r = score_task(
        task, TaskAttempt(task.task_id, [at(o, gt) for o in order], chosen_targets=order), gt, nav
    )
    assert r.success and r.high_level_success


def test_room_by_footprint(world):
    gt, nav, t = world
    task = t["T36"]  # started in the kitchen
    assert score_task(
        task, TaskAttempt(task.task_id, [observe(2.0, 0.5, 0.0, {}, gt)]), gt, nav
    ).success
    r = score_task(task, TaskAttempt(task.task_id, [observe(6.0, 0.5, 0.0, {}, gt)]), gt, nav)
    assert not r.success and r.failure_mode == "wrong_target"


def test_questions_normalised_exact_match(world):
    gt, nav, t = world
    task = t["T59"]  # where did you put the mug: the fridge in the kitchen
    for answer in ("The Fridge, in the kitchen.", "fridge, kitchen", "FRIDGE in Kitchen"):
        assert score_task(task, TaskAttempt(task.task_id, answer=answer), gt, nav).success
    r = score_task(task, TaskAttempt(task.task_id, answer="counter top in the kitchen"), gt, nav)
    assert not r.success and r.failure_mode == "wrong_answer"
    assert score_task(task, TaskAttempt(task.task_id), gt, nav).failure_mode == "no_answer"
    q = t["T62"]
    assert score_task(q, TaskAttempt(q.task_id, answer="Four."), gt, nav).success


def test_manipulation_predicate_and_closing(world):
    gt, nav, t = world
    task = t["T57"]  # put the remote control in the fridge (and close it)
    assert score_task(task, TaskAttempt(task.task_id), gt, nav).failure_mode == "predicate_not_met"
    after = copy.deepcopy(gt)
    after.objects["remote"].parent_receptacle = "fridge"
    assert score_task(task, TaskAttempt(task.task_id), after, nav).success
    after.objects["fridge"].is_open = True
    assert (
        score_task(task, TaskAttempt(task.task_id), after, nav).failure_mode
        == "container_left_open"
    )


def test_spl_single_and_multi(world):
    gt, nav, t = world
    task = TaskInstance(
        "x/T36",
        "x",
        "T36",
        "Navigate to the room where you started yesterday.",
        "navigate",
        goals=[Goal("room", ("kitchen",))],
        start_pose=(9.0, 2.0, W),
    )
    obs = observe(2.0, 2.0, 0.0, {}, gt)
    r = score_task(task, TaskAttempt(task.task_id, [obs], path_length=20.0), gt, nav)
    # West through both doors to the kitchen's first room point (x=3.875): 5.125 m in a
    # straight line, plus a short detour around the living-room table that blocks y=2.
    assert 5.125 < r.optimal_length < 5.125 + 0.6
    assert r.spl == pytest.approx(r.optimal_length / 20.0)
    r = score_task(task, TaskAttempt(task.task_id, [obs], path_length=1.0), gt, nav)
    assert r.spl == pytest.approx(1.0)  # never above 1 even if the reported path is short
    ordered = score_task(t["T44"], TaskAttempt(t["T44"].task_id), gt, nav).optimal_length
    unordered = score_task(t["T45"], TaskAttempt(t["T45"].task_id), gt, nav).optimal_length
    assert t["T44"].start_pose != t["T45"].start_pose or unordered <= ordered + 1e-6
    assert 0 < unordered < math.inf and 0 < ordered < math.inf


def test_unordered_spl_takes_shortest_order(world):
    gt, nav, _ = world
    goals = [Goal("object", ("book",)), Goal("object", ("mug_red",))]
    start = (5.0, 1.0, 0.0)

    def mk(ordered: bool) -> TaskInstance:
        return TaskInstance(
            "x/T45", "x", "T45", "t", "multi", goals=goals, ordered=ordered, start_pose=start
        )

    un = score_task(mk(False), TaskAttempt("x/T45"), gt, nav).optimal_length
    fwd = score_task(mk(True), TaskAttempt("x/T45"), gt, nav).optimal_length
    goals.reverse()
    rev = score_task(mk(True), TaskAttempt("x/T45"), gt, nav).optimal_length
    assert un == pytest.approx(min(fwd, rev))
    assert fwd != pytest.approx(rev)


def test_aggregate_per_family(world):
    gt, nav, t = world
    results = [
        score_task(
            t["T11"], TaskAttempt(t["T11"].task_id, [at("apple", gt)], path_length=5.0), gt, nav
        ),
        score_task(
            t["T12"], TaskAttempt(t["T12"].task_id, [at("apple", gt)], path_length=5.0), gt, nav
        ),
        score_task(t["T62"], TaskAttempt(t["T62"].task_id, answer="4"), gt, nav),
    ]
    s = aggregate(results)
    assert s["overall"]["tasks"] == 3 and s["overall"]["success"] == pytest.approx(2 / 3)
    assert s["per_family"]["temporal"]["success"] == pytest.approx(0.5)
    assert s["per_family"]["temporal"]["failure_modes"] == {"wrong_target": 1}
    assert s["per_family"]["questions"]["spl"] is None
    assert s["overall"]["success_macro_family"] == pytest.approx(0.75)
    assert set(s["overall"]["failure_modes"]) <= set(FAILURE_MODES)


def test_attempt_for_other_task_rejected(world):
    gt, nav, t = world
    with pytest.raises(ValueError, match="scored against"):
        score_task(t["T11"], TaskAttempt("other"), gt, nav)


# --- every family, generated and scored on the hand-checked two-day episode ----------------------
SPOT = {
    **AT,
    "pillow": (11.8, 2.5, S),
    "counter": (1.2, 1.75, W),
    "fridge": (3.4, 2.8, N),
    "table": (6.9, 2.0, W),
    "sofa": (6.0, 2.9, N),
    "bed": (9.8, 0.9, 0.0),
    "drawer": (8.8, 2.8, N),
    "kitchen": (2.0, 2.0, 0.0),
    "living": (6.0, 1.0, 0.0),
    "bedroom": (10.0, 3.0, 0.0),
}


def _frame(tid: str, gt):
    x, y, yaw = SPOT[tid]
    return observe(x, y, yaw, {} if tid in gt.rooms else {tid: 0.01}, gt)


def _wrong(goal: Goal, gt) -> str | None:
    pool = (
        list(gt.rooms)
        if goal.kind == "room"
        else [o.id for o in gt.objects.values() if o.is_receptacle == (goal.kind == "receptacle")]
    )
    others = [p for p in pool if p not in goal.valid and p in SPOT]
    return others[0] if others else None


def _two_day_tasks():
    from bench_house import make_two_day

    rec, gt = make_two_day()
    return generate_tasks(rec, gt, seed=9, nav=GridNav(gt)).tasks


@pytest.mark.parametrize("task", _two_day_tasks(), ids=lambda t: t.template_id)
def test_each_template_right_passes_wrong_fails(task):
    from bench_house import make_two_day

    _, gt = make_two_day()
    nav = GridNav(gt)
    if task.kind == "question":
        assert score_task(
            task, TaskAttempt(task.task_id, answer=task.answers[0].upper()), gt, nav
        ).success
        assert not score_task(task, TaskAttempt(task.task_id, answer="the moon"), gt, nav).success
        return
    if task.kind == "manipulate":
        done = copy.deepcopy(gt)
        for p in task.placements:
            done.objects[p.objects[0]].parent_receptacle = p.receptacles[0]
        assert score_task(task, TaskAttempt(task.task_id), done, nav).success
        assert not score_task(task, TaskAttempt(task.task_id), gt, nav).success
        return
    right = [_frame(g.valid[0], gt) for g in task.goals]
    r = score_task(task, TaskAttempt(task.task_id, right, path_length=30.0), gt, nav)
    assert r.success, (task.text, r.failure_mode, r.detail)
    assert r.spl is not None and 0 < r.spl <= 1
    if task.kind == "navigate":
        wrong = _wrong(task.goals[0], gt)
        if wrong is not None:
            bad = score_task(task, TaskAttempt(task.task_id, [_frame(wrong, gt)]), gt, nav)
            assert not bad.success and bad.failure_mode in FAILURE_MODES
    elif len(task.goals) > 1:
        tampered = right[::-1] if task.ordered else right[:-1]
        if task.ordered and [g.valid for g in task.goals] == [g.valid for g in task.goals][::-1]:
            return  # a palindrome of goals reads the same backwards
        assert not score_task(task, TaskAttempt(task.task_id, tampered), gt, nav).success
