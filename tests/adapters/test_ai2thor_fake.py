"""The AI2-THOR adapter against the strict fake controller (AI2-THOR's real action signatures)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

pytest.importorskip(
    "ai2thor.server", reason="ai2thor not installed: pip install 'embodied-mem[ai2thor]'"
)

from fake_thor import FakeController  # noqa: E402
from thor_actions import dispatch  # noqa: E402

from envs.actions import (  # noqa: E402
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
from envs.ai2thor.config import AI2ThorConfig  # noqa: E402
from envs.ai2thor.conversions import action_to_thor  # noqa: E402
from envs.ai2thor.env import AI2ThorEnv  # noqa: E402

FAKE = "fake_thor:FakeController"
APPLE = "Apple|-01.09|+00.96|-00.02"
FRIDGE = "Fridge|+00.97|+00.00|+01.25"


@pytest.fixture()
def env(thor_metadata):
    with AI2ThorEnv(AI2ThorConfig(controller=FAKE, width=96, height=96)) as e:
        e.reset(seed=0)
        yield e


def test_fake_rejects_what_unity_rejects(thor_metadata: dict) -> None:  # skips without it
    c = FakeController(scene="FloorPlan10", width=64, height=64, agentMode="default")
    with pytest.raises(ValueError, match="Invalid action: Done"):
        c.step(action="Done")
    with pytest.raises(ValueError, match=r"invalid argument\(s\) \['distance'\]"):
        c.step(action="MoveAhead", distance=0.25)
    with pytest.raises(ValueError, match=r"missing required argument\(s\) \['standing'\]"):
        c.step(
            action="TeleportFull",
            position={"x": 0.0, "y": 0.9, "z": -1.25},
            rotation={"x": 0.0, "y": 0.0, "z": 0.0},
            horizon=0.0,
        )
    with pytest.raises(ValueError, match="does not convert to string"):
        c.step(action="PickupObject", objectId=5)
    with pytest.raises(ValueError, match="not contained in build"):
        c.reset(scene="FloorPlan11")
    with pytest.raises(ValueError, match="fieldofView"):
        FakeController(scene="FloorPlan10", fieldofView=90)
    locobot = FakeController(scene="FloorPlan10", agentMode="locobot", width=64, height=64)
    with pytest.raises(ValueError, match="Invalid action: PickupObject"):
        locobot.step(action="PickupObject", objectId=APPLE)
    event = locobot.step(action="LookDown", degrees=30)
    assert (
        not event.metadata["lastActionSuccess"] and "degrees == 0" in event.metadata["errorMessage"]
    )
    assert type(event).__module__ == "ai2thor.server"  # the real Event class


@pytest.mark.parametrize(
    "action",
    [
        MoveForward(),
        TurnLeft(),
        TurnRight(45),
        LookUp(),
        LookDown(),
        Teleport(0.0, -1.0, 0.3, -0.5),
        Pick(APPLE),
        Place(FRIDGE),
        Open(FRIDGE),
        Close(FRIDGE),
        Stop(),
    ],
)
def test_every_action_the_adapter_sends_matches_a_real_signature(action) -> None:
    call = action_to_thor(action, AI2ThorConfig(), 0.9009992)
    name = call.pop("action")
    dispatch("default", name, call)  # raises on an unknown action or argument
    if not isinstance(action, Pick | Place | Open | Close):
        call = action_to_thor(action, AI2ThorConfig(), 0.9009992, agent_mode="locobot")
        dispatch("locobot", call.pop("action"), call)


def test_driving_into_a_wall_is_reported_as_a_failure(env) -> None:
    obs = env.observe()
    assert obs.agent.position[2] == pytest.approx(0.0, abs=1e-6)  # T1: the floor, not 0.90
    assert obs.cam_to_world[2, 3] == pytest.approx(1.5759992, abs=1e-3)  # camera above the floor
    for _ in range(20):  # facing +x (Unity rotation 90): cabinets at x ~ 0.64
        obs, _, _, _, info = env.step(MoveForward())
        if not info["result"].success:
            break
    assert not info["result"].success
    assert "MoveAhead" in info["result"].reason and "blocking" in info["result"].reason
    nav = env.navigability
    assert nav.is_navigable(obs.agent.xy)


def test_pick_open_place_with_real_rules(env) -> None:
    gt = env.ground_truth()
    apple = gt.objects[APPLE]
    assert apple.pickupable and apple.parent_receptacle and not apple.is_held
    # too far away: AI2-THOR's own refusal reaches the caller
    _, _, _, _, info = env.step(Pick(APPLE))
    assert not info["result"].success and "PickupObject" in info["result"].reason
    # stand next to the counter, look at the apple, pick it
    xy = env.navigability.snap(apple.center[:2] + np.array([0.6, 0.0]))
    yaw = math.atan2(apple.center[1] - xy[1], apple.center[0] - xy[0])
    env.step(Teleport(float(xy[0]), float(xy[1]), yaw, pitch=-math.radians(30)))
    _, _, _, _, info = env.step(Pick(APPLE))
    assert info["result"].success, info["result"].reason
    obs = env.observe()
    assert obs.held_object == APPLE and env.ground_truth().objects[APPLE].is_held
    # the fridge is closed: Put fails with AI2-THOR's message, then works once opened
    fridge = gt.objects[FRIDGE]
    xy = env.navigability.snap(fridge.center[:2] + np.array([-1.0, 0.0]))
    yaw = math.atan2(fridge.center[1] - xy[1], fridge.center[0] - xy[0])
    env.step(Teleport(float(xy[0]), float(xy[1]), yaw))
    _, _, _, _, info = env.step(Place(FRIDGE))
    assert not info["result"].success and "CLOSED" in info["result"].reason
    assert env.step(Open(FRIDGE))[4]["result"].success
    assert env.step(Place(FRIDGE))[4]["result"].success
    after = env.ground_truth()
    assert after.objects[APPLE].parent_receptacle == FRIDGE and after.objects[FRIDGE].is_open
    assert env.step(Close(FRIDGE))[4]["result"].success


def _reachable_queries(env) -> int:
    assert env.navigability is not None  # built lazily: this may ask AI2-THOR
    return sum(a["action"] == "GetReachablePositions" for a in env._controller.actions)


def test_reachable_grid_is_rebuilt_after_the_world_changes(env) -> None:
    asked = _reachable_queries(env)
    env.step(TurnLeft())
    assert _reachable_queries(env) == asked
    fridge = env.ground_truth().objects[FRIDGE]
    xy = env.navigability.snap(fridge.center[:2] + np.array([-1.0, 0.0]))
    env.step(
        Teleport(
            float(xy[0]),
            float(xy[1]),
            math.atan2(fridge.center[1] - xy[1], fridge.center[0] - xy[0]),
        )
    )
    assert env.step(Open(FRIDGE))[4]["result"].success
    assert _reachable_queries(env) == asked + 1


def _house(tmp_path):
    """A ProcTHOR house with three rooms, written to the house JSON schema ProcTHOR uses."""

    def poly(x0, z0, x1, z1):
        return [{"x": x, "y": 0.0, "z": z} for x, z in ((x0, z0), (x1, z0), (x1, z1), (x0, z1))]

    house = {
        "metadata": {
            "schema": "1.0.0",
            "agent": {
                "position": {"x": 1.0, "y": 0.95, "z": 1.0},
                "rotation": {"x": 0, "y": 90, "z": 0},
                "horizon": 30,
                "standing": True,
            },
        },
        "rooms": [
            {
                "id": "room|2",
                "roomType": "Kitchen",
                "floorPolygon": poly(0, 0, 4, 4),
                "children": [],
            },
            {
                "id": "room|3",
                "roomType": "LivingRoom",
                "floorPolygon": poly(4, 0, 8, 4),
                "children": [],
            },
            {
                "id": "room|4",
                "roomType": "Bedroom",
                "floorPolygon": poly(0, 4, 8, 7),
                "children": [],
            },
        ],
        "objects": [
            {
                "id": "CounterTop|2|0",
                "assetId": "CounterTop_1",
                "position": {"x": 3.5, "y": 0.45, "z": 3.5},
                "rotation": {"x": 0, "y": 0, "z": 0},
                "kinematic": True,
                "children": [],
            },
            {
                "id": "Bed|4|0",
                "assetId": "Bed_3",
                "position": {"x": 7.0, "y": 0.3, "z": 6.0},
                "rotation": {"x": 0, "y": 0, "z": 0},
                "kinematic": True,
                "children": [],
            },
        ],
        "doors": [],
        "walls": [],
        "windows": [],
        "proceduralParameters": {},
    }
    path = tmp_path / "house.json"
    path.write_text(json.dumps(house))
    return path


def test_procthor_house_gives_its_rooms(tmp_path, thor_metadata) -> None:
    path = _house(tmp_path)
    with AI2ThorEnv(AI2ThorConfig(scene=str(path), controller=FAKE, width=64, height=64)) as env:
        obs, info = env.reset(seed=0)
        gt = env.ground_truth()
        assert {r.room_type for r in gt.rooms.values()} == {"kitchen", "living room", "bedroom"}
        assert obs.room_id == "room|2"  # the agent starts in the kitchen
        assert gt.objects["Bed|4|0"].room_id == "room|4"
        assert gt.objects["CounterTop|2|0"].room_id == "room|2"
        obs, *_ = env.step(Teleport(6.0, 2.0, 0.0))
        assert obs.room_id == "room|3"


def test_locobot_refuses_manipulation_without_calling_unity(thor_metadata) -> None:
    cfg = AI2ThorConfig(controller=FAKE, agent_mode="locobot", width=64, height=64)
    with AI2ThorEnv(cfg) as env:
        env.reset()
        sent = len(env._controller.actions)
        _, _, _, _, info = env.step(Pick(APPLE))
        assert not info["result"].success and "LoCoBot" in info["result"].reason
        _, _, _, _, info = env.step(LookDown(45))
        assert not info["result"].success and "30 degree steps" in info["result"].reason
        assert len(env._controller.actions) == sent
        assert env.step(LookDown())[4]["result"].success
        assert env.step(Teleport(0.0, -1.25, 0.0))[4]["result"].success


def test_scene_names_are_checked_before_unity_starts() -> None:
    with pytest.raises(ValueError, match="did you mean FloorPlan10"):
        AI2ThorConfig(scene="Floorplan10")
    assert AI2ThorConfig(scene="FloorPlan_Train3_2").scene == "FloorPlan_Train3_2"
    from envs.ai2thor.env import agent_mode_for

    assert (
        agent_mode_for(AI2ThorConfig(scene="FloorPlan_Train3_2"), "FloorPlan_Train3_2") == "locobot"
    )
    assert agent_mode_for(AI2ThorConfig(), "FloorPlan10") == "default"


def test_env_contract_on_the_fake(thor_metadata) -> None:
    from envs.conformance import check_env_conformance

    env = AI2ThorEnv(AI2ThorConfig(controller=FAKE, width=64, height=64))
    controller = env._controller
    check_env_conformance(env, seed=0)
    assert controller.stopped == 1  # closed once, the second close was a no-op
    with pytest.raises(RuntimeError, match="closed"):
        env.step(Stop())


def test_reset_options_are_checked(env) -> None:
    with pytest.raises(ValueError, match="random_start"):
        env.reset(options={"shuffle": True})
    obs, info = env.reset(seed=3, options={"random_start": True, "day": 1, "time": "08:00"})
    assert (obs.time.day, obs.time.time_of_day) == (1, "08:00")
    assert env.navigability.is_navigable(obs.agent.xy)
