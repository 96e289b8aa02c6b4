"""habitat_sim.agent (fake): the attrs structs of src_python/habitat_sim/agent and the Agent.

Body actions (move_forward, move_backward, turn_left, turn_right) move the agent; a move is
filtered by the simulator's step filter (the navmesh) and ``act`` returns whether that filter
shortened it (``collided``), as ``Agent.act`` does. Sensor actions (look_up, look_down) rotate
every sensor about its local x axis, clamped to ``constraint`` degrees.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.spatial.transform import Rotation

from habitat_sim._quat import as_rotation, from_rotation, quaternion

BODY_ACTIONS = {"move_forward", "move_backward", "turn_left", "turn_right"}
SENSOR_ACTIONS = {"look_up", "look_down"}
EPS = 1e-5


class ActuationSpec:
    def __init__(self, amount: float, constraint: float | None = None) -> None:
        self.amount, self.constraint = amount, constraint


class ActionSpec:
    def __init__(self, name: str, actuation: ActuationSpec | None = None) -> None:
        self.name, self.actuation = name, actuation


class AgentConfiguration:
    __slots__ = ("height", "radius", "sensor_specifications", "action_space", "body_type")

    def __init__(
        self,
        height: float = 1.5,
        radius: float = 0.1,
        sensor_specifications: list[Any] | None = None,
        action_space: dict[Any, ActionSpec] | None = None,
        body_type: str = "cylinder",
    ) -> None:
        self.height, self.radius, self.body_type = height, radius, body_type
        self.sensor_specifications = list(sensor_specifications or [])
        self.action_space = (
            dict(action_space)
            if action_space is not None
            else {
                "move_forward": ActionSpec("move_forward", ActuationSpec(0.25)),
                "turn_left": ActionSpec("turn_left", ActuationSpec(10.0)),
                "turn_right": ActionSpec("turn_right", ActuationSpec(10.0)),
            }
        )


class SixDOFPose:
    __slots__ = ("position", "rotation")

    def __init__(self, position: Any = None, rotation: Any = None) -> None:
        self.position = np.zeros(3) if position is None else np.asarray(position, dtype=float)
        self.rotation = quaternion() if rotation is None else rotation


class AgentState:
    __slots__ = ("position", "rotation", "sensor_states")

    def __init__(
        self, position: Any = None, rotation: Any = None, sensor_states: dict | None = None
    ) -> None:
        self.position = np.zeros(3) if position is None else np.asarray(position, dtype=float)
        self.rotation = quaternion() if rotation is None else rotation
        self.sensor_states = dict(sensor_states or {})


class Agent:
    def __init__(self, config: AgentConfiguration, step_filter: Any) -> None:
        self.agent_config = config
        self._filter = step_filter
        self._pos = np.zeros(3)
        self._rot = Rotation.identity()
        self._sensor_rot = {s.uuid: self._spec_rotation(s) for s in config.sensor_specifications}
        self.initial_state: AgentState | None = None

    @staticmethod
    def _spec_rotation(spec: Any) -> Rotation:
        return Rotation.from_euler("xyz", np.asarray(spec.orientation, dtype=float))

    def act(self, action_id: Any) -> bool:
        assert action_id in self.agent_config.action_space, f"No action {action_id} in action space"
        action = self.agent_config.action_space[action_id]
        amount = float(action.actuation.amount)
        if action.name in ("move_forward", "move_backward"):
            sign = -1.0 if action.name == "move_forward" else 1.0
            start = self._pos.copy()
            end = start + self._rot.apply([0.0, 0.0, sign * amount])
            filtered = np.asarray(self._filter(start, end), dtype=float)
            self._pos = filtered
            return float(np.linalg.norm(filtered - start)) + EPS < float(
                np.linalg.norm(end - start)
            )
        if action.name in ("turn_left", "turn_right"):
            sign = 1.0 if action.name == "turn_left" else -1.0
            self._rot = self._rot * Rotation.from_rotvec([0.0, math.radians(sign * amount), 0.0])
            return False
        if action.name in SENSOR_ACTIONS:
            theta = amount if action.name == "look_up" else -amount
            for uuid, rot in self._sensor_rot.items():
                look = rot.apply([0.0, 0.0, -1.0])
                angle = math.degrees(math.atan2(look[1], -look[2]))
                new = angle + theta
                limit = action.actuation.constraint
                if limit is not None:
                    theta_eff = (
                        (limit - angle)
                        if new > limit
                        else (-limit - angle)
                        if new < -limit
                        else theta
                    )
                else:
                    theta_eff = theta
                self._sensor_rot[uuid] = rot * Rotation.from_rotvec(
                    [math.radians(theta_eff), 0.0, 0.0]
                )
            return False
        raise KeyError(f"fake habitat-sim has no control named {action.name!r}")

    def get_state(self) -> AgentState:
        state = AgentState(self._pos.copy(), from_rotation(self._rot))
        for spec in self.agent_config.sensor_specifications:
            state.sensor_states[spec.uuid] = SixDOFPose(
                self._pos + self._rot.apply(np.asarray(spec.position, dtype=float)),
                from_rotation(self._rot * self._sensor_rot[spec.uuid]),
            )
        return state

    def set_state(
        self,
        state: AgentState,
        reset_sensors: bool = True,
        infer_sensor_states: bool = True,
        is_initial: bool = False,
    ) -> None:
        if not isinstance(state, AgentState):
            raise TypeError(f"set_state needs a habitat_sim.AgentState, got {type(state).__name__}")
        pos = np.asarray(state.position, dtype=float)
        if pos.shape != (3,) or not np.all(np.isfinite(pos)):
            raise ValueError(
                f"AgentState.position must be 3 finite numbers, got {state.position!r}"
            )
        self._pos = pos
        self._rot = as_rotation(state.rotation)
        if reset_sensors:
            self._sensor_rot = {
                s.uuid: self._spec_rotation(s) for s in self.agent_config.sensor_specifications
            }
        if is_initial:
            self.initial_state = state

    def sensor_pose(self, uuid: str) -> tuple[np.ndarray, Rotation]:
        spec = next(s for s in self.agent_config.sensor_specifications if s.uuid == uuid)
        return self._pos + self._rot.apply(
            np.asarray(spec.position, dtype=float)
        ), self._rot * self._sensor_rot[uuid]
