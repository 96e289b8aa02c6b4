"""The llm planner against a REAL llama.cpp server (SmolLM2-135M) on loopback.

A 135M model plans badly; these tests check the protocol (tool calls, retries, token
accounting, failure modes), not plan quality.
"""

from __future__ import annotations

import pytest
from llama_helpers import LlamaServer, free_loopback_port
from planner_fakes import FakeMemory

from embodied_mem.planner import PlanningContext
from embodied_mem.planner.llm import LLMPlanner, LLMPlannerConfig
from embodied_mem.planner.memory_text import gather_sections
from embodied_mem.planner.prompting import ExampleStore, HeuristicTokenCounter, ServerTokenCounter
from embodied_mem.planner.schema import extract_json, validate_plan
from embodied_mem.planner.tools import MemoryToolbox

pytestmark = pytest.mark.llm

TASK = "Navigate to the Mug you picked up yesterday."


def _config(server: LlamaServer, **kw) -> LLMPlannerConfig:
    base = dict(
        base_url=server.base_url,
        model=server.model,
        timeout_s=120.0,
        tools=["search_text"],
        token_budget=1200,
        k_short_term=2,
        k_examples=0,
    )
    return LLMPlannerConfig(**{**base, **kw})


def test_tool_calls_round_trip_and_final_json_is_schema_constrained(
    llama_server: LlamaServer,
) -> None:
    cfg = _config(
        llama_server,
        force_first_tool="search_text",
        max_tool_rounds=2,
        max_retries=0,
        tool_results_as_user=True,
        response_format="json_object_schema",
        max_subgoals=1,
        max_completion_tokens=200,
    )
    memory = FakeMemory()
    result = LLMPlanner(cfg).plan(PlanningContext(TASK, memory=memory))
    first, final = result.calls[0], result.calls[-1]
    assert [t.name for t in first.tool_calls] == ["search_text"]
    assert first.tool_calls[0].error is None and memory.calls  # the memory really was queried
    assert first.prompt_tokens > 100 and first.completion_tokens > 0
    # The grammar built from PLAN_SCHEMA makes even a 135M model emit a schema-valid plan;
    # whether its ids exist in memory is the model's problem (then: bad_planner_output).
    validate_plan(extract_json(final.raw_text))
    assert result.failure_mode in (None, "bad_planner_output")
    if result.ok:
        assert all(
            t in {"obj_1", "obj_2", "rec_1", "kitchen", "living"} for t in result.high_level_targets
        )


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


def test_token_counters_against_the_served_tokenizer(llama_server: LlamaServer) -> None:
    server = ServerTokenCounter(llama_server.base_url)
    n = server.count(TASK)
    assert 8 <= n <= 20 and server._fallback is None
    assert server.count(TASK + " " + TASK) > n
    # The default heuristic must err high (a prompt that fits it fits the model) but not wildly,
    # on each kind of prompt text: instructions, the JSON-heavy system prompt, memory lines.
    memory = FakeMemory()
    sections = gather_sections(
        PlanningContext(TASK, memory=memory),
        MemoryToolbox(memory),
        ExampleStore(),
        k_short_term=4,
        k_examples=0,
    )
    heuristic = HeuristicTokenCounter()
    for text in [TASK, sections.system, *sections.long_term, *sections.short_term]:
        exact = server.count(text)
        assert exact <= heuristic.count(text) <= 2 * exact + 2, text


def test_unreachable_endpoint_is_an_endpoint_error() -> None:
    cfg = LLMPlannerConfig(
        base_url=f"http://127.0.0.1:{free_loopback_port()}/v1", model="m", timeout_s=5.0
    )
    result = LLMPlanner(cfg).plan(PlanningContext(TASK, memory=FakeMemory()))
    # A refused connection is reported as such at once, not after waiting for the timeout
    # (that would be failure mode "timeout"); every recorded call carries the refusal.
    assert result.failure_mode == "endpoint_error" and "Connection" in result.message
    assert result.calls and all("Connection" in (c.error or "") for c in result.calls)


def test_tiny_timeout_is_a_timeout(llama_server: LlamaServer) -> None:
    cfg = _config(llama_server, timeout_s=0.05, max_completion_tokens=64)
    result = LLMPlanner(cfg).plan(PlanningContext(TASK, memory=FakeMemory()))
    assert result.failure_mode == "endpoint_timeout" and result.subgoals == []
