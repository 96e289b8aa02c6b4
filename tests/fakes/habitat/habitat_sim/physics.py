"""habitat_sim.physics (fake): motion types."""

from __future__ import annotations

from enum import Enum


class MotionType(Enum):
    UNDEFINED = -1
    STATIC = 0
    KINEMATIC = 1
    DYNAMIC = 2
