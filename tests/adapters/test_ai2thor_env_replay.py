"""AI2ThorEnv's plumbing offline: a controller that replays the real FloorPlan10 event.

The replay controller cannot move anything (there is no Unity here); it answers every action
with the recorded state, as real ``ai2thor.server.Event`` objects, so the env's conversion,
failure reporting, navigability and Env contract are exercised without the simulator.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from thor_synth import event_from_buffers, render_buffers

from envs.actions import MoveForward, Pick, Stop
from envs.ai2thor.config import AI2ThorConfig
from envs.ai2thor.env import AI2ThorEnv
from envs.conformance import check_env_conformance


def reachable_positions(md: dict, grid: float = 0.25, radius: float = 0.2) -> list[dict]:
    """Grid points (aligned with the agent) on the floor, clear of every floor-standing box."""
    agent = md["agent"]["position"]
    lo = np.array([md["sceneBounds"]["center"][k] - md["sceneBounds"]["size"][k] / 2 for k in "xz"])
    hi = np.array([md["sceneBounds"]["center"][k] + md["sceneBounds"]["size"][k] / 2 for k in "xz"])
    xs = agent["x"] + grid * np.arange(
        np.ceil((lo[0] - agent["x"]) / grid), (hi[0] - agent["x"]) / grid
    )
    zs = agent["z"] + grid * np.arange(
        np.ceil((lo[1] - agent["z"]) / grid), (hi[1] - agent["z"]) / grid
    )
    pts = np.array([(x, z) for x in xs for z in zs])
    keep = np.ones(len(pts), dtype=bool)
    for obj in md["objects"]:
        box = obj["axisAlignedBoundingBox"]
        bottom = box["center"]["y"] - box["size"]["y"] / 2
        if obj["objectType"] == "Floor" or bottom > 1.0:
            continue
        c = np.array([box["center"]["x"], box["center"]["z"]])
        half = np.array([box["size"]["x"], box["size"]["z"]]) / 2 + radius
        keep &= ~np.all(np.abs(pts - c) < half, axis=1)
    return [{"x": float(x), "y": agent["y"], "z": float(z)} for x, z in pts[keep]]


class ReplayController:
    """Answers like ``ai2thor.controller.Controller`` with the recorded event's state."""

    def __init__(self, md: dict, buffers: dict[str, bytes]) -> None:
        self._md = md
        self._buffers = buffers  # the scene never changes: rendered once per module
        self._cache: dict[tuple[str, bool, str], object] = {}
        self.failures: dict[str, str] = {}
        self.actions: list[dict] = []
        self.stopped = 0
        self.last_event = self._event("Initialize", True, "")

    def _event(self, action: str, success: bool, error: str, action_return=None):
        key = (action, success, error)
        if key not in self._cache or action_return is not None:
            md = json.loads(json.dumps(self._md))
            md.update(lastAction=action, lastActionSuccess=success, errorMessage=error)
            if action_return is not None:
                md["actionReturn"] = action_return
            self._cache[key] = event_from_buffers(md, self._buffers)
        return self._cache[key]

    def reset(self, scene: str) -> None:
        self.last_event = self._event("Initialize", True, "")

    def step(self, action: str, **kwargs):
        self.actions.append({"action": action, **kwargs})
        if action == "GetReachablePositions":
            return self._event(action, True, "", reachable_positions(self._md))
        error = self.failures.get(action, "")
        self.last_event = self._event(action, not error, error)
        return self.last_event

    def stop(self) -> None:
        self.stopped += 1


@pytest.fixture(scope="module")
def _replay_buffers(thor_metadata):
    return render_buffers(thor_metadata)[0]


@pytest.fixture()
def replay(thor_metadata, _replay_buffers):
    return ReplayController(thor_metadata, _replay_buffers)


def test_env_contract_on_replayed_events(replay):
    env = AI2ThorEnv(AI2ThorConfig(), controller=replay)
    check_env_conformance(env, seed=0)
    assert replay.stopped == 1  # closed once, the second close was a no-op
    with pytest.raises(RuntimeError, match="closed"):
        env.step(Stop())


def test_steps_send_thor_actions_and_report_errors(replay):
    replay.failures["PickupObject"] = "Apple|-01.09|+00.96|-00.02 is not interactable"
    with AI2ThorEnv(AI2ThorConfig(grid_size=0.25), controller=replay) as env:
        obs, _ = env.reset(seed=3)
        obs, _, _, _, info = env.step(MoveForward())
        assert info["result"].success and replay.actions[-1] == {
            "action": "MoveAhead",
            "moveMagnitude": 0.25,
        }
        assert obs.frame_index == 1 and obs.room_id == "FloorPlan10/room_0"
        _, _, _, _, info = env.step(Pick("Apple|-01.09|+00.96|-00.02"))
        assert not info["result"].success
        assert (
            "PickupObject" in info["result"].reason and "not interactable" in info["result"].reason
        )
        nav = env.navigability
        assert nav.is_navigable(obs.agent.xy)
        fridge = env.ground_truth().objects["Fridge|+00.97|+00.00|+01.25"]
        assert not nav.is_navigable(fridge.center[:2])
        assert np.isfinite(nav.geodesic_distance(obs.agent.xy, nav.snap(fridge.center[:2])))


def test_reset_options_are_checked(replay):
    with AI2ThorEnv(controller=replay) as env, pytest.raises(ValueError, match="random_start"):
        env.reset(options={"shuffle": True})
