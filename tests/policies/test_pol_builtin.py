"""Policies in the built-in MuJoCo houses (real rendering), judged by the TASKS.md success rules."""

from __future__ import annotations

import os

os.environ.setdefault("MUJOCO_GL", "egl")

import math  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from pol_boxworld import count_steps  # noqa: E402

from embodied_mem.benchmark.success import check_object, check_receptacle, check_room  # noqa: E402
from envs.actions import Teleport  # noqa: E402
from envs.ground_truth import GroundTruth, ObjectRecord  # noqa: E402
from policies.executor import execute  # noqa: E402
from policies.subgoals import (  # noqa: E402
    NavigateToObject,
    NavigateToReceptacle,
    NavigateToRoom,
    PickSubgoal,
    PlaceSubgoal,
)

builtin_env = pytest.importorskip(
    "envs.builtin.env", reason="the built-in MuJoCo env does not import"
)


@pytest.fixture(scope="module")
def env():
    try:
        e = builtin_env.BuiltinHouseEnv(builtin_env.BuiltinEnvConfig(render_rgb=False))
        e.reset(seed=3)
    except Exception as exc:  # no EGL/OSMesa on this machine
        pytest.skip(f"MuJoCo cannot render headless here: {exc}")
    yield e
    e.close()


def _visible_targets(gt: GroundTruth) -> list[ObjectRecord]:
    """Objects not shut inside a closed container (those need an Open first), and receptacles."""
    out = []
    for o in gt.objects.values():
        parent = gt.objects.get(o.parent_receptacle or "")
        if o.is_receptacle or (
            o.pickupable and parent is not None and not (parent.openable and not parent.is_open)
        ):
            out.append(o)
    return out


def _start(env, rng: np.random.Generator):
    p = env.navigability.sample_navigable(rng)
    return env.step(Teleport(float(p[0]), float(p[1]), float(rng.uniform(-math.pi, math.pi))))[0]


@pytest.mark.parametrize("seed", [3, 4])
def test_navigation_reaches_targets_in_unseen_houses(env, seed: int) -> None:
    env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    targets = _visible_targets(env.ground_truth())
    wins, reasons = 0, []
    for k in rng.choice(len(targets), size=4, replace=False):
        rec = targets[int(k)]
        obs = _start(env, rng)
        sub = (
            NavigateToReceptacle(tuple(rec.center), rec.category)
            if rec.is_receptacle
            else NavigateToObject(tuple(rec.center), rec.category)
        )
        outcome, obs = execute(env, sub, obs, 300)
        check = (check_receptacle if rec.is_receptacle else check_object)(
            rec, obs, env.navigability
        )
        wins += check.success
        reasons.append((rec.id, outcome.reason, check.failures))
        assert outcome.success or outcome.reason  # a failure always says why
    assert wins >= 3, reasons


def test_navigation_to_room_by_anchor(env) -> None:
    env.reset(seed=3)
    gt = env.ground_truth()
    obs = env.observe()
    room = next(r for r in gt.rooms.values() if r.id != obs.room_id)
    anchor = env.navigability.snap(np.mean(np.asarray(room.footprint), axis=0))
    outcome, obs = execute(
        env, NavigateToRoom(room.id, anchor=(float(anchor[0]), float(anchor[1]))), obs, 400
    )
    assert outcome.success, outcome.reason
    assert check_room(room, obs).success


def test_unreachable_and_budget_end_fast_with_reasons(env) -> None:
    env.reset(seed=3)
    stepped = count_steps(env)
    outcome, _ = execute(env, NavigateToObject((500.0, 500.0, 0.5)), env.observe(), 300)
    assert not outcome.success and outcome.reason.startswith("unreachable") and outcome.steps == 0
    assert stepped["n"] == 0  # decided from the map: no action reached the simulator
    rec = max(
        _visible_targets(env.ground_truth()),
        key=lambda o: np.linalg.norm(o.center[:2] - env.observe().agent.xy),
    )
    outcome, _ = execute(env, NavigateToObject(tuple(rec.center)), env.observe(), 3)
    assert not outcome.success and "budget exhausted" in outcome.reason and outcome.steps == 3
    assert stepped["n"] == 3  # the budget bounds the simulator work, not just the count


def test_pick_by_pixel_then_place_into_closed_container(env) -> None:
    env.reset(seed=3)
    gt = env.ground_truth()
    rng = np.random.default_rng(0)
    objects = [o for o in _visible_targets(gt) if o.pickupable]
    containers = [
        r for r in gt.receptacles() if r.openable and not r.is_open and r.category != "Microwave"
    ]
    if not containers:
        pytest.skip("house 3 has no closed container")
    obs = env.observe()
    for k in rng.permutation(len(objects)):
        outcome, obs = execute(env, PickSubgoal(position=tuple(objects[int(k)].center)), obs, 300)
        if outcome.success:
            break
    assert outcome.success, outcome.reason
    # The magic grasp resolved exactly the object whose remembered centre we gave.
    assert outcome.details["env_id"] == objects[int(k)].id == obs.held_object
    target = containers[0]
    outcome, obs = execute(
        env,
        PlaceSubgoal(position=tuple(target.center), category=target.category, close_after=True),
        obs,
        300,
    )
    assert outcome.success, outcome.reason
    after = env.ground_truth()
    assert after.objects[objects[int(k)].id].parent_receptacle == target.id
    assert not after.objects[target.id].is_open and obs.held_object is None


@pytest.mark.slow
def test_navigation_benchmark_success_rate_and_spl(capsys) -> None:
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "bench" / "bench_navigation.py"
    spec = importlib.util.spec_from_file_location("bench_navigation", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    main = module.main

    summary = main(["--seeds", "5", "6", "--goals", "8"])
    # Measured 0.8+ on seeds 0-9; objects shut in closed containers cannot be seen without an Open.
    assert summary["success_rate_not_in_closed_containers"] >= 0.7
    assert 0.4 <= summary["spl_not_in_closed_containers"] <= 1.0
    assert '"success_rate"' in capsys.readouterr().out


def test_exploration_grows_coverage_and_finds_a_far_receptacle(env) -> None:
    from policies.subgoals import Explore

    env.reset(seed=3)
    obs = env.observe()
    gt = env.ground_truth()
    # The receptacle farthest (walking) from the start, found by an oracle detector on masks.
    field = env.navigability.distances_from(obs.agent.xy)
    target = max(
        gt.receptacles(), key=lambda r: float(field.at(env.navigability.snap(r.center[:2])))
    )

    def sees_target(o) -> bool:
        ids = [k for k, name in o.instance_names.items() if name == target.id]
        return bool(ids) and int(np.isin(o.instance_ids, ids).sum()) >= 50

    assert not sees_target(obs)
    outcome, obs = execute(
        env, Explore(category=target.category, max_steps=500), obs, 500, target_found=sees_target
    )
    assert outcome.success, outcome.reason
    assert sees_target(obs)
    assert outcome.details["seen_area_m2"] > 5 * outcome.details["start_area_m2"]
