"""Memory tools: generated specs, argument conversion, dispatch and the MemoryQuery contract."""

from __future__ import annotations

import inspect

import jsonschema
import pytest
from planner_fakes import FakeMemory

from embodied_mem.planner.tools import TOOL_TABLE, MemoryToolbox, PlanResolver, to_jsonable
from envs.types import AgentPose


def test_every_spec_is_a_valid_openai_function_schema() -> None:
    names = [t.name for t in TOOL_TABLE]
    assert len(names) == len(set(names))
    for spec in TOOL_TABLE:
        fn = spec.function_spec()["function"]
        jsonschema.Draft202012Validator.check_schema(fn["parameters"])
        assert set(fn["parameters"]["required"]) <= set(fn["parameters"]["properties"])
        assert fn["description"]


def test_table_matches_the_real_memory_query_signatures() -> None:
    try:
        from embodied_mem.memory import retrieval
    except ImportError as exc:  # the memory package is developed concurrently
        pytest.skip(f"embodied_mem.memory.retrieval not importable: {exc}")
    box = MemoryToolbox(None)
    for spec in TOOL_TABLE:
        if spec.method.startswith("@"):
            continue
        method = getattr(retrieval.MemoryQuery, spec.method, None)
        assert callable(method), f"MemoryQuery has no method {spec.method!r} (tool {spec.name})"
        box.memory = type("M", (), {"today": 5})()
        sample = {
            p: ("x" if s.get("type") == "string" else True if s.get("type") == "boolean" else 1)
            for p, s in spec.params.items()
        }
        kwargs = box.convert_args(spec, sample)
        inspect.signature(method).bind(None, **kwargs)  # raises TypeError on a mismatch


def test_only_supported_tools_are_offered_and_unknown_names_fail() -> None:
    box = MemoryToolbox(FakeMemory())
    assert set(box.tools) == {
        "get",
        "objects",
        "rooms",
        "search_text",
    }  # no agent → no distance tool
    with_agent = MemoryToolbox(FakeMemory(), agent=AgentPose((0.0, 0.0, 0.0), 0.0))
    assert "objects_by_distance" in with_agent.tools
    assert set(MemoryToolbox(FakeMemory(), allowed=["rooms"]).tools) == {"rooms"}
    with pytest.raises(ValueError, match="unknown tool names"):
        MemoryToolbox(FakeMemory(), allowed=["teleport"])


@pytest.mark.parametrize(
    ("name", "args", "error"),
    [
        ("objects", "{not json", "not JSON"),
        ("objects", {"colour": "red"}, "unknown ['colour']"),
        ("get", {}, "missing ['memory_id']"),
        ("fly", {}, "unknown tool 'fly'"),
        ("get", {"memory_id": "ghost"}, "KeyError"),
    ],
)
def test_bad_calls_are_recorded_not_raised(name: str, args: object, error: str) -> None:
    record = MemoryToolbox(FakeMemory()).call(name, args)  # type: ignore[arg-type]
    assert record.error is not None and error in record.error and record.result is None


def test_distance_tool_sorts_and_results_are_harvested() -> None:
    box = MemoryToolbox(FakeMemory(), agent=AgentPose((4.0, 0.0, 0.0), 0.0))
    rec = box.call("objects_by_distance", {"farthest": False})
    assert rec.error is None
    assert [r["hit"]["obj"]["memory_id"] for r in rec.result] == ["obj_2", "obj_1"]
    assert rec.result[0]["distance_m"] == pytest.approx(1.0)
    assert box.targets["obj_1"].position == (1.0, 2.0, 0.9)
    resolver = PlanResolver(MemoryToolbox(FakeMemory()))
    assert resolver.target("obj_2").position == (4.0, 1.0, 0.8)  # via memory.get
    assert resolver.target("ghost") is None
    assert resolver.room("living").anchor == (5.0, 1.0) and resolver.room("attic") is None


def test_to_jsonable_is_compact() -> None:
    import numpy as np

    out = to_jsonable(
        {
            "a": np.float32(1.23456),
            "b": None,
            "bbox_min": (0, 0, 0),
            "pose": AgentPose((1.0, 2.0, 0.0), 0.5),
            "c": list(range(50)),
        },
        max_items=3,
    )
    assert out == {"a": 1.23, "pose": {"x": 1.0, "y": 2.0, "yaw": 0.5}, "c": [0, 1, 2]}
