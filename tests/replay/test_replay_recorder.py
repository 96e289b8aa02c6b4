"""RunRecorder / load_run on synthetic frames: loss-free storage, ordering, crash safety, errors."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

from embodied_mem.agent.trace import StepTrace, TaskTrace
from embodied_mem.replay import (
    RecordedFrame,
    RecordedInteraction,
    RunFormatError,
    RunRecorder,
    load_run,
)
from envs.actions import ActionResult, Pick
from envs.ground_truth import RoomRecord
from envs.types import AgentPose, CameraIntrinsics, Observation, SimTime

ROOMS = [RoomRecord("room_0", "kitchen", "kitchen", [(0, 0), (4, 0), (4, 3), (0, 3)])]


def _obs(i: int, rng: np.random.Generator, *, rgb: bool = True) -> Observation:
    k = CameraIntrinsics.from_fov(20, 16, vfov_deg=60)
    depth = rng.uniform(0.5, 4.0, (16, 20)).astype(np.float32)
    depth[0, :3] = [0.0, np.nan, np.inf]  # invalid readings must survive the round trip too
    c2w = np.eye(4)
    c2w[:3, 3] = [0.1 * i, 1.0 / 3.0, 1.5]
    return Observation(
        depth=depth,
        intrinsics=k,
        cam_to_world=c2w,
        agent=AgentPose((0.1 * i, 1.0 / 3.0, 0.0), 0.1 * i, -0.5236),
        time=SimTime(57.6 * i, 0, f"06:{i:02d}"),
        rgb=rng.integers(0, 256, (16, 20, 3), dtype=np.uint8) if rgb else None,
        instance_ids=rng.integers(0, 5, (16, 20), dtype=np.int32),
        instance_names={1: "Mug_1", 3: "Apple_2"},
        held_object="Mug_1" if i % 2 else None,
        frame_index=i,
        room_id="room_0",
    )


def _same(a: Observation, b: Observation) -> None:
    np.testing.assert_array_equal(a.depth, b.depth)  # NaN positions equal too
    assert a.depth.dtype == b.depth.dtype == np.float32
    assert a.cam_to_world.tobytes() == b.cam_to_world.tobytes()
    assert (a.rgb is None and b.rgb is None) or a.rgb.tobytes() == b.rgb.tobytes()
    assert a.instance_ids.dtype == b.instance_ids.dtype and np.array_equal(
        a.instance_ids, b.instance_ids
    )
    for f in (
        "intrinsics",
        "agent",
        "time",
        "instance_names",
        "held_object",
        "frame_index",
        "room_id",
    ):
        assert getattr(a, f) == getattr(b, f), f


def test_frames_and_interactions_round_trip_exactly_in_order(tmp_path):
    rng = np.random.default_rng(0)
    frames = [_obs(i, rng, rgb=i < 5) for i in range(9)]  # rgb drops out: a new chunk layout
    with RunRecorder(
        tmp_path / "run",
        config={"memory": {}, "perception": {"segmenter": "oracle"}},
        categories={"Mug_1": "Mug"},
        rooms=ROOMS,
        chunk_size=4,
    ) as rec:
        for i, obs in enumerate(frames):
            rec.on_frame(obs)
            if i in (2, 6):
                rec.on_interaction("pick" if i == 2 else "place", obs, (1.0, 2.0, 0.9))
            rec.on_action(Pick("Mug_1"), ActionResult.fail("too far"), obs)
    run = load_run(tmp_path / "run")
    assert run.complete and run.header["frames"] == 9
    items = list(run.items())
    assert [type(x).__name__[8] for x in items] == list("FFFIFFFFIFF")  # Frame / Interaction order
    got = [x.obs for x in items if isinstance(x, RecordedFrame)]
    for a, b in zip(frames, got, strict=True):
        _same(a, b)
    inter = [x for x in items if isinstance(x, RecordedInteraction)]
    assert inter[0].kind == "pick" and inter[0].frame_index == 2 and inter[0].time == frames[2].time
    assert inter[1].pose == frames[6].agent and inter[1].point == (1.0, 2.0, 0.9)
    assert run.actions()[0]["action"]["type"] == "Pick" and run.actions()[0]["reason"] == "too far"
    oracle = json.loads((tmp_path / "run" / "oracle_ground_truth.json").read_text())
    assert oracle["label"] == "oracle" and oracle["categories"] == {"Mug_1": "Mug"}
    assert run.rooms == ROOMS


def test_task_traces_are_recorded(tmp_path):
    trace = TaskTrace(
        "Navigate to a Mug.",
        steps=[
            StepTrace(
                0, "go to obj_0003", None, [{"type": "NavigateToObject", "object_id": "obj_0003"}]
            )
        ],
    )
    trace.answer = "obj_0003"
    with RunRecorder(tmp_path / "run", config={}, categories=None, rooms=ROOMS) as rec:
        rec.on_frame(_obs(0, np.random.default_rng(1)))
        rec.on_task(trace)
    tasks = load_run(tmp_path / "run").tasks()
    assert tasks[0]["trace"]["instruction"] == "Navigate to a Mug."
    assert tasks[0]["trace"]["steps"][0]["subgoals"][0]["object_id"] == "obj_0003"
    assert not (
        tmp_path / "run" / "oracle_ground_truth.json"
    ).exists()  # no ORACLE data when not given


def test_crash_loses_only_the_unflushed_chunk(tmp_path, caplog):
    rng = np.random.default_rng(2)
    rec = RunRecorder(tmp_path / "run", config={}, categories=None, rooms=ROOMS, chunk_size=4)
    for i in range(10):
        rec.on_frame(_obs(i, rng))
    rec.on_interaction("pick", _obs(9, rng), (0, 0, 0))
    with open(tmp_path / "run" / "interactions.jsonl", "a") as fh:
        fh.write('{"seq": 99, "kind": "pi')  # the process died mid-line
    # no close(): the recorder "crashed"
    with caplog.at_level(logging.WARNING):
        run = load_run(tmp_path / "run")
    assert "not closed cleanly" in caplog.text
    assert len(list(run.frames())) == 8 and len(run.interactions) == 1


def test_recorder_refuses_to_overwrite_a_run(tmp_path):
    RunRecorder(tmp_path / "run", config={}, categories=None, rooms=ROOMS).close()
    with pytest.raises(FileExistsError, match="already holds a recorded run"):
        RunRecorder(tmp_path / "run", config={}, categories=None, rooms=ROOMS)


def test_missing_and_corrupt_runs_give_clear_errors(tmp_path):
    with pytest.raises(RunFormatError, match="no run directory"):
        load_run(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(RunFormatError, match="run header missing"):
        load_run(tmp_path / "empty")
    with RunRecorder(tmp_path / "run", config={}, categories=None, rooms=ROOMS) as rec:
        rec.on_frame(_obs(0, np.random.default_rng(3)))
    chunk = next((tmp_path / "run" / "frames").glob("*.npz"))
    chunk.write_bytes(chunk.read_bytes()[:100])
    with pytest.raises(RunFormatError, match="chunk_000000.npz is unreadable"):
        list(load_run(tmp_path / "run").frames())
    (tmp_path / "run" / "run.json").write_text("{not json")
    with pytest.raises(RunFormatError, match="not valid JSON"):
        load_run(tmp_path / "run")


def test_bad_interaction_point_is_rejected(tmp_path):
    with RunRecorder(tmp_path / "run", config={}, categories=None, rooms=ROOMS) as rec:
        with pytest.raises(ValueError, match="finite"):
            rec.on_interaction("pick", _obs(0, np.random.default_rng(4)), (0.0, float("nan"), 1.0))


def test_config_dataclasses_are_saved_so_replay_rebuilds_them(tmp_path):
    from embodied_mem.memory import MemoryConfig
    from embodied_mem.replay import memory_config

    cfg = memory_config(None, ["mapper.voxel_size=0.04", "short_term.capacity=7"])
    with RunRecorder(
        tmp_path / "run",
        config={"memory": cfg, "perception": {"segmenter": "oracle"}},
        categories=None,
        rooms=ROOMS,
    ) as rec:
        rec.on_frame(_obs(0, np.random.default_rng(5)))
    recorded = load_run(tmp_path / "run").config
    assert "voxel_size: 0.04" in (tmp_path / "run" / "config.yaml").read_text()
    assert memory_config(recorded["memory"]) == cfg != MemoryConfig()
