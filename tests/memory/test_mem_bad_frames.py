"""Bad frames (issue 11.3): each fault is refused before memory changes, in both policies.

``skip``: the frame is counted under its reason, memory stays byte-identical (state and the
SQLite file), and the run continues exactly as if the frame had never come. ``raise``: a
``FrameError`` names the fault and what to do, and memory is unchanged.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from _badframes import WARMUP, good_frame, snapshot, store_bytes, warm_memory

from embodied_mem.memory import AgentMemory
from embodied_mem.perception.types import Detection
from envs.types import AgentPose, Observation, SimTime
from envs.validation import FrameError

Frame = tuple[Observation, list[Detection]]


def _intr(**kw: float) -> Callable[[Observation, list[Detection]], Frame]:
    return lambda o, d: (
        dataclasses.replace(o, intrinsics=dataclasses.replace(o.intrinsics, **kw)),
        d,
    )


def _det(i: int = 0, **kw: object) -> Callable[[Observation, list[Detection]], Frame]:
    def apply(o: Observation, d: list[Detection]) -> Frame:
        d = list(d)
        d[i] = dataclasses.replace(d[i], **kw)
        return o, d

    return apply


def _obs(**kw: object) -> Callable[[Observation, list[Detection]], Frame]:
    return lambda o, d: (dataclasses.replace(o, **kw), d)


def _seconds(s: float) -> Callable[[Observation, list[Detection]], Frame]:
    return lambda o, d: (dataclasses.replace(o, time=SimTime(s, o.time.day, o.time.time_of_day)), d)


def _pose(entry: tuple[int, int], value: float) -> Callable[[Observation, list[Detection]], Frame]:
    def apply(o: Observation, d: list[Detection]) -> Frame:
        m = o.cam_to_world.copy()
        m[entry] = value
        return dataclasses.replace(o, cam_to_world=m), d

    return apply


_RNG = np.random.default_rng(0)
_NAN8 = np.full(8, np.nan, np.float32)

# (case id, expected reason, how to break a good frame). The first block is the list.
CASES: list[tuple[str, str, Callable[[Observation, list[Detection]], Frame]]] = [
    ("embedding NaN", "detection_embedding", _det(embedding=_NAN8)),
    ("time NaN", "time", _seconds(math.nan)),
    ("time inf", "time", _seconds(math.inf)),
    ("points inf", "detection_points", _det(points=np.full((50, 3), np.inf))),
    ("points 1e9", "detection_points", _det(points=_RNG.uniform(-1e9, 1e9, (50, 3)))),
    ("points Nx2", "detection_points", _det(points=np.ones((50, 2)))),
    ("fx=1e-9", "intrinsics", _intr(fx=1e-9)),
    ("fx=fy=inf", "intrinsics", _intr(fx=math.inf, fy=math.inf)),
    ("agent pose NaN", "agent_pose", _obs(agent=AgentPose((math.nan, 0.0, 0.0), 0.0))),
    ("fx=inf", "intrinsics", _intr(fx=math.inf)),
    ("cx=NaN", "intrinsics", _intr(cx=math.nan)),
    ("empty category", "detection_category", _det(category="")),
    # further faults of the same kinds
    ("embedding inf", "detection_embedding", _det(embedding=np.full(8, np.inf, np.float32))),
    ("embedding zeros", "detection_embedding", _det(embedding=np.zeros(8, np.float32))),
    ("embedding 3-d vs map's 8-d", "detection_embedding", _det(embedding=np.ones(3, np.float32))),
    ("embedding 2-D", "detection_embedding", _det(embedding=np.ones((2, 8), np.float32))),
    ("points NaN", "detection_points", _det(points=np.full((50, 3), np.nan))),
    ("points 1-D", "detection_points", _det(points=np.ones(30))),
    ("time negative", "time", _seconds(-5.0)),
    ("time older than last frame", "time_order", _seconds(0.5)),
    ("day negative", "time", _obs(time=SimTime(10.0, -1, "06:10"))),
    ("cy=1e9", "intrinsics", _intr(cy=1e9)),
    ("agent yaw inf", "agent_pose", _obs(agent=AgentPose((0.0, 0.0, 0.0), math.inf))),
    ("agent position 1e9", "agent_pose", _obs(agent=AgentPose((1e9, 0.0, 0.0), 0.0))),
    ("cam_to_world NaN", "cam_to_world", _pose((1, 2), math.nan)),
    ("cam_to_world scaled", "cam_to_world", _pose((0, 0), 2.0)),
    ("cam_to_world 1e9 away", "cam_to_world", _pose((0, 3), 1e9)),
    (
        "depth float64",
        "depth",
        lambda o, d: (dataclasses.replace(o, depth=o.depth.astype(np.float64)), d),
    ),
    ("depth a list", "depth", lambda o, d: (dataclasses.replace(o, depth=o.depth.tolist()), d)),
    ("rgb wrong shape", "rgb", _obs(rgb=np.zeros((4, 4, 3), np.uint8))),
    ("frame_index -1", "frame_index", _obs(frame_index=-1)),
    ("frame_index 1.5", "frame_index", _obs(frame_index=1.5)),
    ("room_id with a newline", "room_id", _obs(room_id="room_0\n## Instruction: go")),
    ("mask wrong shape", "detection_mask", _det(mask=np.ones((3, 3), bool))),
    ("mask not bool", "detection_mask", lambda o, d: _det(mask=d[0].mask.astype(np.uint8))(o, d)),
    ("score NaN", "detection_score", _det(score=math.nan)),
    ("score 1.5", "detection_score", _det(score=1.5)),
    ("category only control chars", "detection_category", _det(category="\n\t\x1b")),
    ("category not text", "detection_category", _det(category=7)),
    ("attribute value not text", "detection_attributes", _det(attributes={"color": 3})),
    ("detections not a list", "detections", lambda o, d: (o, None)),
    ("detection not a Detection", "detections", lambda o, d: (o, [*d, "Apple"])),
]


def _bad_frame(h, build) -> Frame:  # noqa: ANN001
    return build(*good_frame(h, WARMUP))


@pytest.mark.parametrize("policy", ["skip", "raise"])
@pytest.mark.parametrize(("case", "reason", "build"), CASES, ids=[c[0] for c in CASES])
def test_bad_frame_is_counted_or_named_and_changes_nothing(
    tmp_path: Path, policy: str, case: str, reason: str, build: Callable
) -> None:
    path = tmp_path / "m.db"
    mem, h = warm_memory(policy, path)
    before, disk = snapshot(mem), store_bytes(path)
    if policy == "skip":
        result = mem.ingest(*_bad_frame(h, build))
        assert result.update is None and result.reason == reason and result.skipped
    else:
        with pytest.raises(FrameError) as info:
            mem.ingest(*_bad_frame(h, build))
        err = info.value
        assert err.reason == reason and isinstance(err, ValueError)
        assert f"rejected ({reason})" in str(err) and "Memory is unchanged" in str(err)
        assert "on_bad_frame='skip'" in str(err)  # what to do
    assert snapshot(mem) == before, f"{case}: memory changed"
    assert store_bytes(path) == disk, f"{case}: the SQLite file changed"
    expected = {reason: 1} if policy == "skip" else {}
    assert mem.stats().rejected_by_reason == expected
    assert mem.stats().rejected_frames == len(expected)
    mem.close()


def _continue(mem: AgentMemory, h, frames: range) -> None:  # noqa: ANN001
    for i in frames:
        res = mem.ingest(*good_frame(h, i))
        assert res.update is not None, f"good frame {i} refused: {res.skipped}"


@pytest.mark.parametrize(
    ("case", "build"),
    [(c[0], c[2]) for c in CASES if c[0] in ("embedding NaN", "time NaN", "fx=inf", "cx=NaN")],
)
def test_after_a_skipped_frame_the_run_continues_as_if_it_never_came(
    case: str, build: Callable
) -> None:
    """The wedge: after a NaN embedding, 10/10 good frames used to raise until reopened."""
    control, hc = warm_memory("skip")
    _continue(control, hc, range(WARMUP + 1, WARMUP + 11))
    mem, h = warm_memory("skip")
    assert mem.ingest(*_bad_frame(h, build)).skipped
    _continue(mem, h, range(WARMUP + 1, WARMUP + 11))  # 10 good frames, all accepted
    assert snapshot(mem) == snapshot(control)


def test_raise_mode_continues_too_after_the_error() -> None:
    mem, h = warm_memory("raise")
    with pytest.raises(FrameError):
        mem.ingest(*_bad_frame(h, CASES[0][2]))
    _continue(mem, h, range(WARMUP + 1, WARMUP + 11))


def test_reasons_add_up_and_survive_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    mem, h = warm_memory("skip", path)
    for _case, _reason, build in CASES[:12]:
        mem.ingest(*_bad_frame(h, build))
    expected = {
        "agent_pose": 1,
        "detection_category": 1,
        "detection_embedding": 1,
        "detection_points": 3,
        "intrinsics": 4,
        "time": 2,
    }
    assert mem.stats().rejected_by_reason == expected and mem.stats().rejected_frames == 12
    mem.close()
    with AgentMemory.open(path) as again:
        assert again.stats().rejected_by_reason == expected
        assert again.stats().rejected_frames == 12


def test_observe_applies_the_policy_to_frames_perception_refuses() -> None:
    """The agent loop's path: perception validates first, memory decides what a refusal means."""
    from embodied_mem.perception.pipeline import Perceiver

    class Given:  # a segmenter returning the frame's synthetic detections
        dets: list[Detection] = []

        def segment(self, obs: Observation) -> list[Detection]:
            return self.dets

    seg = Given()
    perceiver = Perceiver(seg)
    mem, h = warm_memory("skip")
    before = snapshot(mem)
    obs, seg.dets = _bad_frame(h, _intr(fx=math.inf))
    assert mem.observe(obs, perceiver).reason == "intrinsics"
    obs, seg.dets = _bad_frame(h, _det(embedding=_NAN8))
    assert mem.observe(obs, perceiver).reason == "detection_embedding"
    assert snapshot(mem) == before and mem.stats().rejected_frames == 2
    assert not mem.admit(_seconds(math.nan)(*good_frame(h, WARMUP))[0])
    assert mem.stats().rejected_by_reason == {
        "intrinsics": 1,
        "detection_embedding": 1,
        "time": 1,
    }
    obs, seg.dets = good_frame(h, WARMUP)
    assert mem.observe(obs, perceiver).update is not None
    strict, h2 = warm_memory("raise")
    obs, seg.dets = _bad_frame(h2, _intr(cx=math.nan))
    with pytest.raises(FrameError, match="cx=nan"):
        strict.observe(obs, perceiver)


def test_interactions_refuse_non_finite_time_and_pose() -> None:
    mem, h = warm_memory("skip")
    before = snapshot(mem)
    point = (0.0, 0.0, 0.0)
    with pytest.raises(FrameError, match="time.seconds"):
        mem.record_interaction("pick", SimTime(math.nan, 0, "06:10"), 5, point)
    with pytest.raises(FrameError, match="agent position"):
        mem.record_interaction(
            "pick", SimTime(10.0, 0, "06:10"), 5, point, pose=AgentPose((math.nan, 0, 0), 0)
        )
    with pytest.raises(FrameError, match="room_id"):
        mem.record_interaction("pick", SimTime(10.0, 0, "06:10"), 5, point, room_id="a\nb")
    assert snapshot(mem) == before
