"""The llm planner's protocol logic against a scripted client (no server needed)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import httpx2
import openai
import pytest
from planner_fakes import FakeMemory, ScriptedClient, reply

from embodied_mem.planner import PlanningContext, make_planner
from embodied_mem.planner.llm import ENV_BASE_URL, ENV_MODEL, LLMPlanner, LLMPlannerConfig
from policies.subgoals import Answer, NavigateToObject, NavigateToRoom

GOOD = json.dumps({"subgoals": [{"type": "navigate_to_object", "memory_id": "obj_1"}]})


def _planner(script: list, **cfg) -> tuple[LLMPlanner, ScriptedClient]:
    client = ScriptedClient(script)
    config = LLMPlannerConfig(base_url="http://unused/v1", model="m", **cfg)
    return LLMPlanner(config, client=client), client


def test_tool_call_round_trip_turns_memory_ids_into_positions() -> None:
    planner, client = _planner(
        [
            reply(
                tool_calls=[("objects", {"category": "Mug", "days_ago": 1})],
                prompt_tokens=300,
                completion_tokens=20,
            ),
            reply(GOOD, prompt_tokens=350, completion_tokens=30),
        ]
    )
    memory = FakeMemory()
    result = planner.plan(PlanningContext("Navigate to the Mug.", memory=memory))
    assert result.ok, result.message
    assert result.subgoals == [
        NavigateToObject(position=(1.0, 2.0, 0.9), category="Mug", memory_id="obj_1")
    ]
    assert result.high_level_targets == ["obj_1"]
    # days_ago=1 became the absolute day index the memory API takes (the calls before the
    # tool's are the prompt's retrieval).
    assert memory.calls[-1] == ("objects", {"category": "Mug", "day": 0})
    assert (result.prompt_tokens, result.completion_tokens) == (650, 50)
    assert result.calls[0].tool_calls[0].result[0]["obj"]["memory_id"] == "obj_1"
    tool_msgs = [m for m in client.requests[1]["messages"] if m["role"] == "tool"]
    assert tool_msgs and "obj_1" in tool_msgs[0]["content"]
    assert {t["function"]["name"] for t in client.requests[0]["tools"]} >= {
        "objects",
        "get",
        "rooms",
    }


def test_malformed_output_is_retried_with_the_error_then_succeeds() -> None:
    planner, client = _planner([reply("I think the mug."), reply(GOOD)], use_tools=False)
    result = planner.plan(PlanningContext("Navigate to the Mug.", memory=FakeMemory()))
    assert result.ok and result.details["attempts"] == 2
    assert result.calls[0].error and "no JSON object" in result.calls[0].error
    feedback = client.requests[1]["messages"][-1]
    assert feedback["role"] == "user" and "not a valid plan" in feedback["content"]


def test_persistent_bad_output_records_failure_after_all_retries() -> None:
    bad = json.dumps({"subgoals": [{"type": "navigate_to_object", "memory_id": "obj_99"}]})
    planner, client = _planner([reply(bad)] * 3, use_tools=False, max_retries=2)
    result = planner.plan(PlanningContext("Navigate to the Mug.", memory=FakeMemory()))
    assert result.failure_mode == "bad_planner_output"
    assert len(client.requests) == 3 and len(result.calls) == 3
    assert "obj_99" in result.message and result.subgoals == []


def test_room_and_answer_subgoals_validate_against_memory() -> None:
    plan = {
        "subgoals": [
            {"type": "navigate_to_room", "room_id": "living"},
            {"type": "answer", "text": "CounterTop"},
        ]
    }
    planner, _ = _planner([reply(json.dumps(plan))], use_tools=False)
    result = planner.plan(PlanningContext("Where?", memory=FakeMemory()))
    assert result.subgoals == [NavigateToRoom("living", (5.0, 1.0)), Answer("CounterTop")]
    assert result.high_level_targets == ["living"]


@pytest.mark.parametrize(
    ("exc", "mode"),
    [
        (openai.APITimeoutError(request=httpx2.Request("POST", "http://x/v1")), "endpoint_timeout"),
        (
            openai.APIConnectionError(request=httpx2.Request("POST", "http://x/v1")),
            "endpoint_error",
        ),
        (TimeoutError("slow"), "endpoint_timeout"),
    ],
)
def test_endpoint_failures_become_failure_modes(exc: BaseException, mode: str) -> None:
    # Transient: tried 1 + http_retries times, then recorded.
    planner, client = _planner([exc] * 3, retry_backoff_s=0.0)
    result = planner.plan(PlanningContext("Navigate to the Mug.", memory=FakeMemory()))
    assert result.failure_mode == mode and result.calls[-1].error
    assert len(client.requests) == 3 and "after 3 attempts" in result.message


def test_unrelated_bugs_are_not_swallowed() -> None:
    planner, _ = _planner([ZeroDivisionError("bug")])
    with pytest.raises(ZeroDivisionError):
        planner.plan(PlanningContext("Navigate to the Mug.", memory=FakeMemory()))


def test_prompt_has_memory_sections_and_respects_budget() -> None:
    planner, client = _planner([reply(GOOD)], use_tools=False)
    planner.examples.add("Navigate to the Apple.", GOOD)
    planner.plan(PlanningContext("Navigate to the Mug.", memory=FakeMemory(), token_budget=2000))
    user = client.requests[0]["messages"][1]["content"]
    for section in ("Long-term memory", "Short-term memory", "Similar past tasks", "Instruction"):
        assert section in user
    assert '"id": "obj_1", "cat": "Mug"' in user or '"id":"obj_1","cat":"Mug"' in user


def test_budget_too_small_is_a_failure_mode_not_an_exception() -> None:
    planner, client = _planner([], use_tools=False, max_completion_tokens=64)
    result = planner.plan(
        PlanningContext("Navigate. " * 200, memory=FakeMemory(), token_budget=300)
    )
    assert result.failure_mode == "budget_exceeded" and client.requests == []


def test_config_validation_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="response_format"):
        LLMPlannerConfig(response_format="xml")
    with pytest.raises(ValueError, match="timeout_s"):
        LLMPlannerConfig(timeout_s=0)
    monkeypatch.delenv(ENV_BASE_URL, raising=False)
    monkeypatch.delenv(ENV_MODEL, raising=False)
    with pytest.raises(ValueError, match=ENV_BASE_URL):
        LLMPlannerConfig().resolved()
    monkeypatch.setenv(ENV_BASE_URL, "http://127.0.0.1:1/v1")
    monkeypatch.setenv(ENV_MODEL, "smollm2")
    resolved = LLMPlannerConfig().resolved()
    assert (resolved.base_url, resolved.model) == ("http://127.0.0.1:1/v1", "smollm2")


def test_registry_builds_backends_lazily_with_hints() -> None:
    planner = make_planner(
        "llm", LLMPlannerConfig(base_url="http://x/v1", model="m"), client=ScriptedClient([])
    )
    assert isinstance(planner, LLMPlanner)
    with pytest.raises(KeyError, match="did you mean 'llm'"):
        make_planner("lm")


def test_tool_rounds_stop_when_results_near_the_budget() -> None:
    # Each round returns many results; the planner must switch to "answer now" (no tools)
    # before the conversation outgrows the budget, instead of calling tools 4 times.
    planner, client = _planner(
        [reply(tool_calls=[("objects", {})]), reply(GOOD)],
        max_tool_rounds=4,
        max_completion_tokens=64,
    )
    memory = FakeMemory()
    memory.objs = memory.objs * 40  # big tool results
    result = planner.plan(PlanningContext("Navigate to the Mug.", memory=memory, token_budget=2000))
    assert result.ok, result.message
    assert ["tools" in r for r in client.requests] == [True, False]
    assert result.details["prompt_dropped"]["long_term"] > 0  # the summary was cut to fit


def test_agent_loop_records_a_planner_crash_and_goes_on() -> None:
    from embodied_mem.agent.loop import MemoryAgent
    from envs.types import AgentPose, SimTime

    class Crashing:
        def plan(self, task: PlanningContext) -> None:
            raise ZeroDivisionError("bug")

    obs = SimpleNamespace(time=SimTime(0.0, 1, "08:00"), agent=AgentPose((0.0, 0.0, 0.0), 0.0))
    agent = MemoryAgent(None, None, None, Crashing())  # type: ignore[arg-type]
    trace, _, _ = agent.run_task("Navigate to the Mug.", obs)  # type: ignore[arg-type]
    assert trace.failure_mode == "planner_crash" and "ZeroDivisionError" in trace.failure_reason
