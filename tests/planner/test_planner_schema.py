"""Plan JSON validation and conversion to subgoals."""

from __future__ import annotations

import json
import re

import pytest

from embodied_mem.planner.base import PlanningContext, PlanResult, check_failure_mode
from embodied_mem.planner.schema import (
    PlanValidationError,
    ResolvedTarget,
    RoomTarget,
    extract_json,
    parse_plan,
    validate_plan,
)
from envs.types import AgentPose
from policies.subgoals import Explore, NavigateToFrame, NavigateToReceptacle, PickSubgoal


class Resolver:
    def target(self, memory_id: str) -> ResolvedTarget | None:
        return {
            "rec_1": ResolvedTarget((1.0, 2.0, 0.5), "Table", "Table|1"),
            "obj_1": ResolvedTarget((1.0, 2.0, 0.9), "Mug", None),
        }.get(memory_id)

    def room(self, room_id: str) -> RoomTarget | None:
        return RoomTarget((0.0, 0.0)) if room_id == "kitchen" else None

    def frame_pose(self, frame_index: int) -> AgentPose | None:
        return AgentPose((3.0, 4.0, 0.0), 1.5) if frame_index == 7 else None

    def category(self, name: str) -> str | None:
        return {"mug": "Mug", "table": "Table"}.get(name.lower())

    def ungrounded(self, text: str) -> list[str]:
        return [w for w in text.lower().split() if w not in {"mug", "table", "the", "3"}]


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"subgoals": []}, "subgoals"),
        ({"subgoals": [{"type": "fly"}]}, "subgoals/0/type"),
        ({"subgoals": [{"type": "navigate_to_object"}]}, "subgoals/0"),
        ({"subgoals": [{"type": "pick", "memory_id": 3}]}, "subgoals/0/memory_id"),
        ({"subgoals": [{"type": "stop", "x": 1}]}, "subgoals/0"),
        ({"plan": []}, "(top level)"),
        ([1, 2], "(top level)"),
    ],
)
def test_schema_errors_name_the_offending_field(data: object, where: str) -> None:
    with pytest.raises(PlanValidationError, match=re.escape(f"at {where}")):
        validate_plan(data)


def test_extract_json_from_fences_and_chatter() -> None:
    assert extract_json('Sure!\n```json\n{"a": {"b": 1}}\n``` done') == {"a": {"b": 1}}
    assert extract_json('prefix {bad} then {"ok": true} tail') == {"ok": True}
    with pytest.raises(PlanValidationError, match="no JSON object"):
        extract_json("the mug is on the table")


def test_parse_plan_resolves_positions_env_ids_and_frames() -> None:
    text = json.dumps(
        {
            "reasoning": "r",
            "subgoals": [
                {"type": "navigate_to_receptacle", "memory_id": "rec_1"},
                {"type": "pick", "memory_id": "obj_1"},
                {"type": "navigate_to_frame", "frame_index": 7},
                {"type": "explore", "category": "Mug"},
            ],
        }
    )
    plan = parse_plan(text, Resolver())
    assert plan.subgoals == [
        NavigateToReceptacle((1.0, 2.0, 0.5), "Table", "rec_1", "Table|1"),
        PickSubgoal(None, (1.0, 2.0, 0.9), "Mug"),
        NavigateToFrame(7, 3.0, 4.0, 1.5),
        Explore("Mug", 200),
    ]
    assert plan.targets == ["rec_1", "obj_1"] and plan.reasoning == "r"


@pytest.mark.parametrize(
    ("item", "msg"),
    [
        ({"type": "navigate_to_object", "memory_id": "ghost"}, "ghost"),
        ({"type": "navigate_to_room", "room_id": "attic"}, "attic"),
        ({"type": "navigate_to_frame", "frame_index": 3}, "frame_index 3"),
    ],
)
def test_unknown_ids_are_rejected(item: dict, msg: str) -> None:
    with pytest.raises(PlanValidationError, match=msg):
        parse_plan(json.dumps({"subgoals": [item]}), Resolver())


def test_failure_modes_are_a_fixed_vocabulary() -> None:
    assert check_failure_mode("endpoint_timeout") == "endpoint_timeout"
    with pytest.raises(ValueError, match="unknown failure mode"):
        PlanResult.failure("oops", "x")
    with pytest.raises(ValueError, match="instruction"):
        PlanningContext("  ")
