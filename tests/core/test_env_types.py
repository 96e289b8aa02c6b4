from __future__ import annotations

import math

import numpy as np
import pytest

from envs.actions import MoveForward, check_action
from envs.ground_truth import RoomRecord
from envs.types import AgentPose, CameraIntrinsics, Observation, SimTime, check_rigid_transform


def test_intrinsics_from_vertical_fov_gives_expected_focal_length() -> None:
    k = CameraIntrinsics.from_fov(600, 600, vfov_deg=90.0)
    assert k.fx == pytest.approx(300.0)
    assert k.cx == pytest.approx(299.5)
    h = CameraIntrinsics.from_fov(640, 480, hfov_deg=90.0)
    assert h.fx == pytest.approx(320.0)


def test_intrinsics_reject_nonpositive_focal_length() -> None:
    with pytest.raises(ValueError, match="focal"):
        CameraIntrinsics(0.0, 1.0, 0.0, 0.0, 10, 10)


@pytest.mark.parametrize("bad", ["25:00", "7:5x", "noon"])
def test_simtime_rejects_malformed_clock(bad: str) -> None:
    with pytest.raises(ValueError, match="HH:MM"):
        SimTime(0.0, 0, bad)


def test_simtime_minutes_of_day() -> None:
    assert SimTime(10.0, 1, "10:15").minutes_of_day == 615


def test_rigid_transform_check_names_the_problem() -> None:
    check_rigid_transform(np.eye(4))
    scaled = np.eye(4)
    scaled[0, 0] = 2.0
    with pytest.raises(ValueError, match="orthonormal"):
        check_rigid_transform(scaled, "cam_to_world")
    nan = np.eye(4)
    nan[0, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        check_rigid_transform(nan)


def _obs(depth: np.ndarray) -> Observation:
    k = CameraIntrinsics.from_fov(8, 6, vfov_deg=60.0)
    return Observation(
        depth=depth,
        intrinsics=k,
        cam_to_world=np.eye(4),
        agent=AgentPose((0.0, 0.0, 0.0), 0.0),
        time=SimTime(0.0, 0, "06:00"),
    )


def test_observation_validate_catches_shape_and_dtype() -> None:
    _obs(np.ones((6, 8), np.float32)).validate()
    with pytest.raises(ValueError, match="depth must be"):
        _obs(np.ones((6, 8), np.float64)).validate()
    with pytest.raises(ValueError, match="depth must be"):
        _obs(np.ones((8, 6), np.float32)).validate()


def test_check_action_lists_valid_actions() -> None:
    check_action(MoveForward())
    with pytest.raises(TypeError, match="MoveForward"):
        check_action("forward")


def test_room_footprint_contains() -> None:
    room = RoomRecord("r0", "kitchen", "kitchen", [(0, 0), (4, 0), (4, 3), (0, 3)])
    assert room.contains_xy(1.0, 1.0)
    assert not room.contains_xy(5.0, 1.0)


def test_agent_heading_is_unit_vector_along_yaw() -> None:
    pose = AgentPose((0.0, 0.0, 0.0), math.pi / 2)
    assert np.allclose(pose.heading(), [0.0, 1.0])
