"""Simulator adapters behind one Gymnasium-style interface.

This package imports nothing else of the project. Simulator-native objects become the
typed dataclasses of :mod:`envs.types` at the boundary and never leak further.
"""

from __future__ import annotations

from envs.actions import (
    Action,
    ActionResult,
    Close,
    LookDown,
    LookUp,
    MoveForward,
    Open,
    Pick,
    Place,
    Stop,
    Teleport,
    TurnLeft,
    TurnRight,
)
from envs.base import Env
from envs.extras import MissingExtraError, SimulatorUnavailableError, require_extra
from envs.ground_truth import GroundTruth, ObjectRecord, RoomRecord
from envs.registry import Registry, make_env, registered_envs
from envs.types import AgentPose, CameraIntrinsics, Observation, SimTime

__all__ = [
    "Action",
    "ActionResult",
    "AgentPose",
    "CameraIntrinsics",
    "Close",
    "Env",
    "GroundTruth",
    "LookDown",
    "LookUp",
    "MissingExtraError",
    "MoveForward",
    "ObjectRecord",
    "Observation",
    "Open",
    "Pick",
    "Place",
    "Registry",
    "RoomRecord",
    "SimTime",
    "SimulatorUnavailableError",
    "Stop",
    "Teleport",
    "TurnLeft",
    "TurnRight",
    "make_env",
    "registered_envs",
    "require_extra",
]
