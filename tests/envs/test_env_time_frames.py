"""The shared HH:MM parsing, adapter clock and optical-frame rotation in envs.types."""

from __future__ import annotations

import math

import numpy as np
import pytest

from envs.ai2thor.config import AI2ThorConfig
from envs.habitat.config import HabitatConfig
from envs.types import AgentPose, SimTime, check_rigid_transform, optical_rotation, parse_hhmm


def test_after_start_wraps_the_wall_clock_at_midnight() -> None:
    t = SimTime.after_start(3 * 3600 + 59.9, "22:30", day=2)
    assert (t.time_of_day, t.day, t.seconds) == ("01:30", 2, 3 * 3600 + 59.9)
    assert t.minutes_of_day == 90


@pytest.mark.parametrize("bad", ["25:00", "12:60", "1200", "", "ab:cd"])
def test_parse_hhmm_names_the_field(bad: str) -> None:
    with pytest.raises(ValueError, match="day_start must be 'HH:MM'"):
        parse_hhmm(bad, "day_start")


@pytest.mark.parametrize("config", [AI2ThorConfig, HabitatConfig])
def test_adapter_configs_reject_a_bad_day_start(config: type) -> None:
    with pytest.raises(ValueError, match=f"{config.__name__}.day_start"):
        config(day_start="24:00")


@pytest.mark.parametrize("yaw, pitch", [(0.0, 0.0), (1.2, 0.4), (-2.5, -0.9)])
def test_optical_rotation_looks_along_the_agent_heading(yaw: float, pitch: float) -> None:
    rot = optical_rotation(yaw, pitch)
    pose = np.eye(4)
    pose[:3, :3] = rot
    check_rigid_transform(pose)
    forward, down = rot[:, 2], rot[:, 1]
    heading = AgentPose((0.0, 0.0, 0.0), yaw, pitch).heading()
    np.testing.assert_allclose(forward[:2] / math.cos(pitch), heading, atol=1e-12)
    assert forward[2] == pytest.approx(math.sin(pitch))
    assert down[2] < 0  # no roll: image "down" points towards the floor
