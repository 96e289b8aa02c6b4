"""End to end on the real built-in simulator: oracle experience → oracle or default noisy
perception → memory.

The memory never sees ground truth; the test uses it (and oracle votes) only to check that
every interaction was attributed to the right object and receptacles, and that the memory's
objects sit where the simulator has them.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from embodied_mem.agent.interactions import observed_point
from embodied_mem.memory import AgentMemory

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=["oracle", "noisy"])
def day_run(request):  # noqa: ANN001, ANN201
    os.environ.setdefault("MUJOCO_GL", "egl")
    try:
        from embodied_mem.benchmark.episode import EpisodeSpec
        from embodied_mem.benchmark.experience import make_episode_env, run_experience
        from embodied_mem.perception.segmenters.noisy import NoisySegmenter
        from embodied_mem.perception.segmenters.oracle import OracleSegmenter
    except ImportError as exc:
        pytest.skip(f"benchmark/perception modules not importable: {exc}")
    spec = EpisodeSpec(
        "mem_e2e",
        seed=0,
        house_seed=0,
        interactions_per_day=[2, 3],
        overnight_changes=1,
        env_options={"width": 160, "height": 120, "min_rooms": 3, "max_rooms": 3},
    )
    try:
        env = make_episode_env(spec)
    except Exception as exc:  # noqa: BLE001 - no GL context / simulator unavailable here
        pytest.skip(f"built-in simulator unavailable: {exc}")
    state: dict[str, object] = {}

    def on_obs(obs, seen):  # noqa: ANN001, ANN202
        if "mem" not in state:
            gt = env.ground_truth()
            seg_cls = OracleSegmenter if request.param == "oracle" else NoisySegmenter
            state["seg"] = seg_cls.from_ground_truth(gt)
            state["mem"] = AgentMemory(list(gt.rooms.values()))
        mem: AgentMemory = state["mem"]  # type: ignore[assignment]
        seg = state["seg"]
        if hasattr(seg, "corrupt"):  # noisy: depth noise and pose drift reach the mapper too
            obs = seg.corrupt(obs)
        mem.ingest(obs, seg.segment(obs))  # type: ignore[attr-defined]
        if seen is not None:  # kind and pixel only: memory places it with its own frames
            point = observed_point(mem, seen, obs.intrinsics)
            assert point is not None, f"no depth where the {seen.kind} showed"
            mem.record_interaction(seen.kind, obs.time, obs.frame_index, point, pose=obs.agent)

    record = run_experience(env, spec, on_obs)
    gt_end = env.ground_truth()
    env.close()
    return state["mem"], record, gt_end


def _env_id(mem: AgentMemory, mid: str | None, gt=None) -> str | None:  # noqa: ANN001
    """The simulator object a memory object stands for: its most-voted oracle id, among the
    ids of its own category when ``gt`` gives categories. (Noisy perception relabels 5 % of
    masks: a cabinet mask called "Potato" joins the potato it surrounds and votes for the
    cabinet, so a potato seen seven times got 4 cabinet and 3 potato votes.)"""
    obj = mem.mapper.objects.get(mem.long_term.resolve(mid)) if mid else None
    if obj is None:
        return None
    if gt is not None:
        same = {k: n for k, n in obj.oracle_votes.items() if _category(gt, k) == obj.category}
        if same:
            return max(sorted(same), key=same.__getitem__)
    return obj.oracle_id


def _category(gt, env_id: str) -> str | None:  # noqa: ANN001
    thing = gt.objects.get(env_id)
    return None if thing is None else thing.category


def test_interactions_match_ground_truth(day_run) -> None:  # noqa: ANN001
    mem, record, gt = day_run
    q = mem.query()
    assert q.days() == [0, 1] and q.today == 2
    rearr = q.rearrangements()  # both days
    assert len(rearr) == len(record.interactions)
    for r, g in zip(rearr, record.interactions, strict=True):
        assert _env_id(mem, r.object_id, gt) == g.object_id
        assert _env_id(mem, r.source_id, gt) == g.start_receptacle
        assert _env_id(mem, r.target_id, gt) == g.goal_receptacle
        assert r.pick.time_of_day == g.start_time and r.pick.start_frame == g.start_frame
        assert r.pick.room_id == g.pick_room and r.place.room_id == g.place_room
    assert mem.stats().unresolved_interactions == 0
    for day in (0, 1):
        opened = {_env_id(mem, h.memory_id, gt) for h in q.receptacles(opened=True, day=day)}
        assert opened == {c for g in record.interactions if g.day == day for c in g.opened}
        first = q.nth_interaction(1, day=day)
        assert (
            _env_id(mem, first.event.object_id, gt)
            == [g for g in record.interactions if g.day == day][0].object_id
        )


def test_real_memory_survives_reopen(day_run, tmp_path) -> None:  # noqa: ANN001
    mem, _, _ = day_run
    mem.save(tmp_path / "real.db")
    # save() attaches `mem` to the file as its single writer, so a second handle reads only.
    with AgentMemory.open(tmp_path / "real.db", read_only=True) as again:
        a, b = mem.query(), again.query()
        assert [(r.object_id, r.source_id, r.target_id) for r in a.rearrangements()] == [
            (r.object_id, r.source_id, r.target_id) for r in b.rearrangements()
        ]
        assert [(h.room_id, h.score) for h in a.time_in_rooms()] == [
            (h.room_id, h.score) for h in b.time_in_rooms()
        ]
        assert again.stats().bytes_on_disk < 1_000_000


def test_memory_objects_are_where_the_simulator_has_them(day_run) -> None:  # noqa: ANN001
    mem, _, gt = day_run
    hits = mem.query().objects(layer=None)
    matched = 0
    for h in hits:
        close = [
            o
            for o in gt.objects.values()
            if o.category == h.category and np.linalg.norm(o.center - np.asarray(h.position)) <= 0.5
        ]
        matched += bool(close)
    precision = matched / len(hits)
    assert precision >= 0.8, (
        f"only {matched}/{len(hits)} memory objects match a GT object within 0.5 m"
    )
    moved = [
        o
        for o in gt.objects.values()
        if o.pickupable
        and o.id in {_env_id(mem, r.object_id) for r in mem.query().rearrangements()}
    ]
    for o in moved:  # the memory followed the objects the agent moved
        mid = next(m for m, t in mem.mapper.objects.items() if t.oracle_id == o.id)
        assert np.linalg.norm(np.asarray(mem.long_term.state(mid).position) - o.center) <= 0.5
