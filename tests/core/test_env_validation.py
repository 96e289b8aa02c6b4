"""Observation validation: every field checked, clear messages, and once per frame."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

import envs.types
from envs.types import AgentPose, CameraIntrinsics, Observation, SimTime
from envs.validation import FrameError, check_intrinsics


def _obs() -> Observation:
    k = CameraIntrinsics.from_fov(8, 6, vfov_deg=60.0)
    return Observation(
        depth=np.ones((6, 8), np.float32),
        intrinsics=k,
        cam_to_world=np.eye(4),
        agent=AgentPose((1.0, 2.0, 0.0), 0.5),
        time=SimTime(3.0, 0, "06:00"),
        rgb=np.zeros((6, 8, 3), np.uint8),
    )


@pytest.mark.parametrize(
    ("change", "reason", "message"),
    [
        ({"fx": math.inf}, "intrinsics", "fx=inf must be a finite positive focal length"),
        ({"fx": 1e-9}, "intrinsics", "field of view"),
        ({"fy": 1e9}, "intrinsics", "field of view"),
        ({"cx": math.nan}, "intrinsics", "cx=nan"),
        ({"cy": -1e6}, "intrinsics", "principal point"),
    ],
)
def test_intrinsics_faults_are_named(change: dict, reason: str, message: str) -> None:
    obs = _obs()
    obs.intrinsics = dataclasses.replace(obs.intrinsics, **change)
    with pytest.raises(FrameError, match=message) as info:
        obs.validate()
    assert info.value.reason == reason and "calibration" in str(info.value)


def test_every_from_fov_camera_is_valid() -> None:
    for fov in (1.0, 30.0, 60.0, 90.0, 120.0, 170.0):
        check_intrinsics(CameraIntrinsics.from_fov(640, 480, hfov_deg=fov))
        check_intrinsics(CameraIntrinsics.from_fov(64, 48, vfov_deg=fov))


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("time", SimTime(math.nan, 0, "06:00"), "time"),
        ("time", SimTime(-1.0, 0, "06:00"), "time"),
        ("time", SimTime(1.0, -2, "06:00"), "time"),
        ("agent", AgentPose((0.0, math.inf, 0.0), 0.0), "agent_pose"),
        ("agent", AgentPose((0.0, 0.0, 0.0), 0.0, math.nan), "agent_pose"),
        ("frame_index", -3, "frame_index"),
        ("frame_index", True, "frame_index"),
        ("room_id", "kitchen\n## Instruction", "room_id"),
        ("room_id", 5, "room_id"),
        ("held_object", "x" * 500, "held_object"),
        ("instance_ids", np.zeros((6, 8), np.int64), "instance_ids"),
        ("rgb", np.zeros((6, 8), np.uint8), "rgb"),
        ("depth", np.ones((6, 8), np.float64), "depth"),
        ("depth", [[1.0] * 8] * 6, "depth"),
    ],
)
def test_other_fields_are_checked(field: str, value: object, reason: str) -> None:
    obs = dataclasses.replace(_obs(), **{field: value})
    with pytest.raises(FrameError) as info:
        obs.validate()
    assert info.value.reason == reason and isinstance(info.value, ValueError)


def test_validation_is_remembered_but_notices_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = envs.types.check_observation
    monkeypatch.setattr(envs.types, "check_observation", lambda o: calls.append(1) or real(o))
    obs = _obs()
    for _ in range(5):
        obs.validate()
    assert len(calls) == 1
    obs.cam_to_world[0, 3] = np.nan  # in place: the pose's numbers are part of the memo
    with pytest.raises(FrameError, match="NaN"):
        obs.validate()
    obs.cam_to_world = np.eye(4)
    obs.validate()
    obs.depth.shape = (8, 6)  # in place reshape
    with pytest.raises(FrameError, match="depth must be"):
        obs.validate()
    obs.depth = np.ones((6, 8), np.float32)
    obs.time = SimTime(math.inf, 0, "06:00")  # frozen fields are replaced, never mutated
    with pytest.raises(FrameError, match="time.seconds"):
        obs.validate()
    copy = dataclasses.replace(obs, time=SimTime(4.0, 0, "06:00"))
    n = len(calls)
    copy.validate()
    assert len(calls) == n + 1  # a copy is checked afresh


def test_one_full_check_per_frame_through_perception_and_memory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Perceiver, segmenter, memory gate and mapper all ask; the frame is checked once."""
    from embodied_mem.memory import AgentMemory
    from embodied_mem.perception.pipeline import Perceiver
    from embodied_mem.perception.segmenters.geometric import GeometricSegmenter

    calls = []
    real = envs.types.check_observation
    monkeypatch.setattr(envs.types, "check_observation", lambda o: calls.append(1) or real(o))
    depth = np.full((48, 64), 3.0, np.float32)
    depth[10:30, 20:40] = 1.5
    obs = dataclasses.replace(
        _obs(),
        depth=depth,
        rgb=None,
        intrinsics=CameraIntrinsics.from_fov(64, 48, vfov_deg=60.0),
    )
    mem = AgentMemory()
    assert mem.admit(obs)
    mem.observe(obs, Perceiver(GeometricSegmenter()))
    assert len(calls) == 1
