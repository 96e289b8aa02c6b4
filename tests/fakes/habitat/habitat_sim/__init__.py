"""A strict fake of the habitat-sim Python package for tests and docs (no rendering engine).

Put ``tests/fakes/habitat`` on ``PYTHONPATH`` to use it, with ``FAKE_HABITAT_SIM_VERSION`` set
to the release it should imitate (default 0.3.4; the API shapes that change between 0.2.5 and
0.3.4 are in :mod:`habitat_sim._version`). It exposes the part of habitat-sim's API that the
project's adapter uses, with the real names, signatures and types, and rejects anything else
(unknown config attributes, unknown actions, habitat-lab-only attributes). Scenes: see
:mod:`habitat_sim._scene`.
"""

from __future__ import annotations

from habitat_sim import agent, physics, utils
from habitat_sim._config import (
    BBox,
    CameraSensorSpec,
    Configuration,
    NavMeshSettings,
    SensorSubType,
    SensorType,
    ShortestPath,
    SimulatorConfiguration,
)
from habitat_sim._version import VERSION as __version__
from habitat_sim.agent import ActionSpec, ActuationSpec, AgentConfiguration, AgentState, SixDOFPose
from habitat_sim.simulator import Simulator

__all__ = [
    "ActionSpec",
    "ActuationSpec",
    "AgentConfiguration",
    "AgentState",
    "BBox",
    "CameraSensorSpec",
    "Configuration",
    "NavMeshSettings",
    "SensorSubType",
    "SensorType",
    "ShortestPath",
    "SimulatorConfiguration",
    "SixDOFPose",
    "Simulator",
    "__version__",
    "agent",
    "physics",
    "utils",
]
