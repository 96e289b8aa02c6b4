"""The llm planner against a REAL llama.cpp server (SmolLM2-135M) on loopback.

A 135M model plans badly; these tests check the protocol (tool calls, retries, token
accounting, failure modes), not plan quality.
"""

from __future__ import annotations

import time

import pytest
from conftest import LlamaServer, free_loopback_port
from planner_fakes import FakeMemory

from embodied_mem.planner import PlanningContext
from embodied_mem.planner.llm import LLMPlanner, LLMPlannerConfig
from embodied_mem.planner.prompting import ServerTokenCounter
from embodied_mem.planner.schema import extract_json, validate_plan

pytestmark = pytest.mark.llm

TASK = "Navigate to the Mug you picked up yesterday."


def _config(server: LlamaServer, **kw) -> LLMPlannerConfig:
    base = dict(base_url=server.base_url, model=server.model, timeout_s=120.0,
                tools=["objects", "get"], token_budget=1500, k_examples=0)
    return LLMPlannerConfig(**{**base, **kw})


def test_tool_calls_round_trip_and_final_json_is_schema_constrained(
        llama_server: LlamaServer) -> None:
    cfg = _config(llama_server, force_first_tool="objects", max_tool_rounds=2, max_retries=0,
                  tool_results_as_user=True, response_format="json_object_schema",
                  max_completion_tokens=160)
    memory = FakeMemory()
    result = LLMPlanner(cfg).plan(PlanningContext(TASK, memory=memory))
    first, final = result.calls[0], result.calls[-1]
    assert [t.name for t in first.tool_calls] == ["objects"]
    assert first.tool_calls[0].error is None and memory.calls  # the memory really was queried
    assert first.prompt_tokens > 100 and first.completion_tokens > 0
    # The grammar built from PLAN_SCHEMA makes even a 135M model emit a schema-valid plan;
    # whether its ids exist in memory is the model's problem (then: bad_planner_output).
    validate_plan(extract_json(final.raw_text))
    assert result.failure_mode in (None, "bad_planner_output")
    if result.ok:
        assert all(t in {"obj_1", "obj_2", "rec_1", "kitchen", "living"}
                   for t in result.high_level_targets)


def test_malformed_output_is_retried_then_recorded(llama_server: LlamaServer) -> None:
    # 4 completion tokens cannot hold a valid plan, so every reply is malformed.
    cfg = _config(llama_server, use_tools=False, max_retries=1, max_completion_tokens=4)
    result = LLMPlanner(cfg).plan(PlanningContext(TASK, memory=FakeMemory()))
    assert result.failure_mode == "bad_planner_output"
    assert len(result.calls) == 2 and all(c.error for c in result.calls)
    assert [c.attempt for c in result.calls] == [0, 1]
    # The retry carried the bad reply and the validation error: a longer prompt.
    assert result.calls[1].prompt_tokens > result.calls[0].prompt_tokens
    assert all(0 < c.completion_tokens <= 4 for c in result.calls)
    # Our budget estimate is a safe upper bound of the server's real count, yet not wild.
    estimate = result.details["prompt_estimate"]
    assert result.calls[0].prompt_tokens <= estimate <= 3 * result.calls[0].prompt_tokens


def test_server_token_counter_matches_the_served_tokenizer(llama_server: LlamaServer) -> None:
    counter = ServerTokenCounter(llama_server.base_url)
    n = counter.count(TASK)
    assert 8 <= n <= 20 and counter._fallback is None
    assert counter.count(TASK + " " + TASK) > n


def test_unreachable_endpoint_is_an_endpoint_error() -> None:
    cfg = LLMPlannerConfig(base_url=f"http://127.0.0.1:{free_loopback_port()}/v1", model="m",
                           timeout_s=5.0)
    t0 = time.monotonic()
    result = LLMPlanner(cfg).plan(PlanningContext(TASK, memory=FakeMemory()))
    assert result.failure_mode == "endpoint_error" and "Connection" in result.message
    assert time.monotonic() - t0 < 5.0


def test_tiny_timeout_is_a_timeout(llama_server: LlamaServer) -> None:
    cfg = _config(llama_server, timeout_s=0.05)
    result = LLMPlanner(cfg).plan(PlanningContext(TASK, memory=FakeMemory()))
    assert result.failure_mode == "timeout" and result.subgoals == []
