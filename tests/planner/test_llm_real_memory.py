"""The llm planner's tools over the REAL MemoryQuery of a synthetic day (scripted model)."""

from __future__ import annotations

import json

import pytest
from planner_fakes import ScriptedClient, reply, table_records

from embodied_mem.planner import PlanningContext
from embodied_mem.planner.llm import LLMPlanner, LLMPlannerConfig
from embodied_mem.planner.tools import TOOL_TABLE, MemoryToolbox
from envs.types import AgentPose
from policies.subgoals import NavigateToObject, NavigateToRoom


@pytest.fixture(scope="module")
def query():  # noqa: ANN201 - a MemoryQuery
    try:
        from embodied_mem.memory import AgentMemory
        from embodied_mem.memory.retrieval import MemoryQuery
        from embodied_mem.memory.synthetic import SynthConfig, SyntheticHouse, run_day
    except ImportError as exc:  # the memory package is developed concurrently
        pytest.skip(f"embodied_mem.memory not importable: {exc}")
    house = SyntheticHouse(SynthConfig(seed=1, rooms=4))
    mem = AgentMemory(house.rooms)
    run_day(mem, house, 0, [("Apple_0_0_1", "Shelf_1_2"), ("Mug_1_0_1", "Fridge_0_1")])
    return MemoryQuery(mem)


def _sample_args(spec, first_pick) -> dict:  # noqa: ANN001
    values = {
        "memory_id": first_pick.object_id,
        "object_id": first_pick.object_id,
        "receptacle_id": first_pick.source_id,
        "time_of_day": "06:30",
        "category": "Mug",
        "n": 1,
        "seconds": 30,
        "days_ago": 1,
        "text": "mug",
    }
    args = {p: values[p] for p in spec.required}
    if spec.name == "receptacle_for":  # needs one of two optional filters
        args["category"] = "Mug"
    return args


def test_every_tool_runs_on_real_memory_and_returns_compact_json(query) -> None:  # noqa: ANN001
    box = MemoryToolbox(query, agent=AgentPose((1.0, 1.0, 0.0), 0.0), max_chars=1500)
    assert set(box.tools) == {t.name for t in TOOL_TABLE}
    first_pick = query.nth_interaction(1).event
    for spec in TOOL_TABLE:
        record = box.call(spec.name, _sample_args(spec, first_pick))
        assert record.error is None, (spec.name, record.error)
        text = box.result_text(record)
        assert len(text) <= 1500 and json.loads(text) is not None or text == "null"
    # Positions of everything seen in results are known, and agree with memory.
    assert box.targets[first_pick.object_id].position == pytest.approx(
        query.get(first_pick.object_id).position, abs=0.01
    )


def test_scripted_model_plans_over_real_memory(query) -> None:  # noqa: ANN001
    first = query.nth_interaction(1)
    start = query.start_room()
    plan = {
        "subgoals": [
            {"type": "navigate_to_object", "memory_id": first.event.object_id},
            {"type": "navigate_to_room", "room_id": start.room_id},
        ]
    }
    client = ScriptedClient(
        [
            reply(tool_calls=[("nth_interaction", {"n": 1, "kind": "pick", "days_ago": 1})]),
            reply(json.dumps(plan)),
        ]
    )
    planner = LLMPlanner(LLMPlannerConfig(base_url="http://x/v1", model="m"), client=client)
    result = planner.plan(
        PlanningContext(
            "Navigate to the first object you picked up yesterday.", memory=query, token_budget=8000
        )
    )
    assert result.ok, result.message
    nav, room = result.subgoals
    assert isinstance(nav, NavigateToObject) and nav.memory_id == first.event.object_id
    assert nav.position == pytest.approx(query.get(first.event.object_id).position, abs=0.01)
    assert nav.category == first.object_category
    assert room == NavigateToRoom(start.room_id, start.anchor)
    prompt = client.requests[0]["messages"][1]["content"]
    # Retrieved for the parsed task before any tool call: yesterday's rearrangements, the
    # first one (its pick and place as one record) among them.
    first_move = table_records(prompt, "mv")[0]
    assert first_move["obj"] == first.event.object_id
    assert first_move["t"].startswith(f"d0 {first.event.time_of_day}-")
    tool_reply = [m for m in client.requests[1]["messages"] if m["role"] == "tool"][0]
    assert first.event.object_id in tool_reply["content"]
