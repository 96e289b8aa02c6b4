"""The oracle experience phase in the real built-in simulator (MuJoCo, headless)."""

from __future__ import annotations

import json
import os
from collections import deque

import pytest

os.environ.setdefault("MUJOCO_GL", "egl")

from embodied_mem.agent.interactions import ObservedInteraction  # noqa: E402
from embodied_mem.benchmark.episode import EpisodeSpec  # noqa: E402
from embodied_mem.benchmark.experience import (  # noqa: E402
    ExperienceConfig,
    ExperienceError,
    make_episode_env,
    run_experience,
)
from embodied_mem.benchmark.templates import generate_tasks  # noqa: E402
from envs.timeutil import parse_hhmm  # noqa: E402

SMALL = {"width": 128, "height": 96, "steps_per_day": 4800, "max_rooms": 4}


def _spec(
    k: list[int], overnight: int = 0, seed: int = 7, house: int = 3, **opts: object
) -> EpisodeSpec:
    return EpisodeSpec(
        "exp",
        seed=seed,
        house_seed=house,
        interactions_per_day=k,
        overnight_changes=overnight,
        env_options={**SMALL, **opts},
    )


def _shown_at(recent: deque, seen: ObservedInteraction | None) -> str | None:
    """The env id at the notice's pixel in the frame it names (test-side ground truth)."""
    if seen is None or seen.pixel is None:
        return None
    frame = next(o for o in recent if o.frame_index == seen.frame_index)
    u, v = seen.pixel
    return frame.instance_names.get(int(frame.instance_ids[v, u]))


class _Frames(list):
    """Per frame shown: (frame index, time, the notice it came with, the env id at the
    notice's pixel); ``places``: every place notice in arrival order, (notice, env id at its
    pixel, whether it came without a frame: given up)."""

    places: list


def _run(spec: EpisodeSpec, config: ExperienceConfig | None = None):
    """The experience and the frames and notices it showed (:class:`_Frames`)."""
    frames = _Frames()
    frames.places = []
    recent: deque = deque(maxlen=64)  # a given-up place points at a frame a few steps back

    def on_observation(obs, seen) -> None:  # noqa: ANN001
        recent.append(obs)
        frames.append((obs.frame_index, obs.time, seen, _shown_at(recent, seen)))
        if seen is not None and seen.kind == "place":
            frames.places.append((seen, frames[-1][3], False))

    def on_interaction(seen, obs) -> None:  # noqa: ANN001
        assert obs is recent[-1]  # handed over with the last frame shown, no new frame
        frames.places.append((seen, _shown_at(recent, seen), True))

    try:
        env = make_episode_env(spec)
    except Exception as exc:  # no EGL/OSMesa on this machine
        pytest.skip(f"built-in simulator unavailable: {exc}")
    with env:
        rec = run_experience(env, spec, on_observation, config, on_interaction=on_interaction)
        gt = env.ground_truth()
        tasks = generate_tasks(rec, gt, seed=spec.seed, nav=env.navigability)
    return rec, gt, frames, tasks


@pytest.fixture(scope="module")
def one_day():
    return _run(_spec([3]))


def test_interactions_are_real_and_recorded(one_day):
    rec, gt, frames, _ = one_day
    assert rec.oracle == "oracle" and len(rec.interactions) == 3
    starts = [i.start_seconds for i in rec.interactions]
    assert starts == sorted(starts)
    for i in rec.interactions:
        assert parse_hhmm("06:00") <= i.start_minute <= i.end_minute <= parse_hhmm("22:00")
        assert i.duration > 0 and i.start_frame < i.end_frame
        # Put back where it came from only when the planned goal refused it.
        assert i.start_receptacle != i.goal_receptacle or i.planned_goal != i.goal_receptacle
        assert gt.objects[i.goal_receptacle].is_receptacle
    # Objects end where the record says (no overnight changes in this episode).
    for oid, rid in rec.final_receptacles.items():
        assert gt.objects[oid].parent_receptacle == rid
    last = {i.object_id: i.goal_receptacle for i in rec.interactions}
    assert all(gt.objects[o].parent_receptacle == r for o, r in last.items())
    # Containers the oracle opened are closed again.
    assert not any(gt.objects[r].is_open for i in rec.interactions for r in i.opened)


def test_callback_sees_every_frame_and_where_the_agents_own_interactions_showed(one_day):
    rec, gt, frames, _ = one_day
    idx = [f[0] for f in frames]
    assert idx == list(range(idx[0], idx[0] + len(idx)))  # every frame, in order, none hidden
    # Each notice points at a pixel of the thing acted on: the picked object in the frame
    # before the pick (notice with the pick's frame); the placed object in the first frame
    # from the place on that shows it, else (given up, no frame) the receptacle's top then.
    notices = {(seen.kind, i): (t, seen, shown) for i, t, seen, shown in frames if seen}
    assert len(frames.places) == len(rec.interactions)
    for i, (place, shown, given_up) in zip(rec.interactions, frames.places, strict=True):
        t, pick, picked = notices[("pick", i.start_frame)]
        assert pick.frame_index == i.start_frame - 1 and t.time_of_day == i.start_time
        assert picked == i.object_id
        if given_up:
            assert place.frame_index == i.end_frame and shown == i.goal_receptacle
        else:
            assert place.frame_index >= i.end_frame and shown == i.object_id
        for r in i.opened:
            assert any(k == "open" and n[2] == r for (k, _), n in notices.items())


def test_room_visits_cover_the_day(one_day):
    rec, _, frames, _ = one_day
    visits = rec.visits_on(0)
    assert visits[0].enter_time == "06:00" and visits[-1].exit_time == "22:00"
    for a, b in zip(visits, visits[1:], strict=False):
        assert a.exit_seconds == b.enter_seconds and a.room_id != b.room_id
    assert sum(rec.time_per_room(0).values()) == pytest.approx(16 * 3600, abs=1.0)
    assert rec.start_rooms[0] == visits[0].room_id and rec.end_rooms[0] == visits[-1].room_id


def test_tasks_generated_from_the_real_episode(one_day):
    rec, gt, _, tasks = one_day
    assert len(tasks.tasks) >= 45
    assert all(g.valid for t in tasks.tasks for g in t.goals)
    t11 = next(t for t in tasks.tasks if t.template_id == "T11")
    assert t11.goals[0].valid == (rec.interactions[0].object_id,)


def test_day_overflow_is_a_clear_error():
    with pytest.raises(ExperienceError, match="infeasible.*steps_per_day"):
        _run(_spec([6], steps_per_day=60))


@pytest.mark.slow
def test_multi_day_overnight_and_determinism():
    spec = _spec([2, 2], overnight=1, seed=11)
    rec, gt, frames, tasks = _run(spec)
    assert rec.days == 2 and len(rec.overnight) == 2  # after day 0 and before the tasks
    for ch in rec.overnight:
        assert ch.from_receptacle != ch.to_receptacle
    ch0 = rec.overnight[0]
    assert rec.day_start_receptacles[1][ch0.object_id] == ch0.to_receptacle or ch0.object_id in {
        i.object_id for i in rec.on_day(1)
    }
    assert rec.final_receptacles[rec.overnight[1].object_id] == rec.overnight[1].to_receptacle
    # The agent under test saw nothing of the night: frames jump over it.
    days = [t.day for _, t, *_ in frames]
    assert days == sorted(days) and set(days) == {0, 1}
    assert {t.template_id for t in tasks.tasks} >= {"T51", "T53", "T54"}
    again = _run(spec)[0]
    assert json.dumps(again.to_dict(), sort_keys=True) == json.dumps(rec.to_dict(), sort_keys=True)


def test_every_pick_the_agent_saw_is_a_recorded_interaction():
    """The agent under test sees every pick and place; the record must hold each of them (an
    attempt that was given up after the pick used to put the object back unrecorded, so the
    agent's "second object picked up" was not the record's; house 5 had one)."""
    rec, _, frames, _ = _run(_spec([4], house=5))
    picks = sorted(i for i, _, seen, _ in frames if seen is not None and seen.kind == "pick")
    assert picks == sorted(i.start_frame for i in rec.interactions)
    # a place notice may come with a later frame (the first to show the object put away)
    assert len(frames.places) == len(rec.interactions)
    for i, (place, _, _) in zip(rec.interactions, frames.places, strict=True):
        assert place.frame_index >= i.end_frame


def test_refused_goal_puts_the_object_elsewhere_and_says_so():
    """A goal the env refuses (here: another object, not a receptacle): the oracle still puts
    the picked object down, on a spare receptacle, and returns where it went."""
    from embodied_mem.benchmark.oracle_actions import OracleActor
    from embodied_mem.benchmark.recorder import RecordingEnv

    spec = _spec([1])
    try:
        env = make_episode_env(spec)
    except Exception as exc:  # no EGL/OSMesa on this machine
        pytest.skip(f"built-in simulator unavailable: {exc}")
    with env:
        rec_env = RecordingEnv(env, None)
        actor = OracleActor(rec_env, 250)
        actor.obs, _ = rec_env.reset(seed=spec.house_seed)
        gt = rec_env.ground_truth()
        objs = sorted((o for o in gt.pickupables() if o.parent_receptacle), key=lambda o: o.id)
        oid, not_a_receptacle = objs[0].id, objs[1].id
        ended = actor.rearrange(oid, not_a_receptacle, gt)
        after = rec_env.ground_truth()
        assert ended != not_a_receptacle and after.objects[oid].parent_receptacle == ended
        assert not after.objects[oid].is_held and after.objects[ended].is_receptacle
        assert not any(r.is_open for r in after.receptacles() if r.openable)
        kinds = [e.kind for e in rec_env.events]
        assert kinds.count("pick") == 1 and kinds.count("place") == 1


def test_a_short_day_gives_slots_up_instead_of_running_past_its_end():
    """Steps enough to start (the up-front check passes) but not for every interaction: the
    day ends by 22:00 with the slots it could not fit given up and counted. (The estimate is
    set below what an interaction takes: acting only from viewpoints that show the target,
    the oracle fits six into the shortest day the default estimate lets start.)"""
    short = ExperienceConfig(estimated_steps=60)
    rec, _, frames, _ = _run(_spec([6], steps_per_day=600), short)  # ran past 22:00 before
    assert all(t.day == 0 for _, t, *_ in frames)
    assert len(rec.interactions) + rec.slots_given_up[0] == 6
    assert rec.slots_given_up[0] > 0
