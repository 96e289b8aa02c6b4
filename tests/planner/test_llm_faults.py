"""Issue 11 part 2: every reply shape of a misbehaving OpenAI-compatible endpoint ends as a
recorded failure mode for its task, and the episode goes on.

The endpoint is :class:`fake_openai.FakeOpenAI`, a real HTTP server on loopback that rejects
what the real API rejects; the shapes and the mode each must end as are in
:mod:`fault_shapes`. Each shape is run through the ``llm`` planner, through the agent loop on a
real (synthetic-house) memory followed by a second task, and through the ``frames`` planner's
endpoint chat.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np
import pytest
from fake_openai import FakeOpenAI, completion, json_shape
from fault_shapes import FAULTS, Fault
from planner_fakes import FakeMemory

from embodied_mem.planner import PlanningContext
from embodied_mem.planner.base import Keyframe
from embodied_mem.planner.frames import FramesPlanner, FramesPlannerConfig
from embodied_mem.planner.llm import LLMPlanner, LLMPlannerConfig, make_endpoint
from embodied_mem.planner.vlm import EndpointVisionChat
from envs.types import AgentPose, SimTime
from policies.subgoals import NavigateToObject

FAILING = sorted(n for n, f in FAULTS.items() if f.mode is not None)
MAX_REQUEST_BYTES = 40_000
"""No request may carry a huge reply back (the bad reply is echoed clipped)."""


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    srv = FakeOpenAI().start()
    yield srv
    srv.close()


def _config(server: FakeOpenAI, fault: Fault, **kw: object) -> LLMPlannerConfig:
    base: dict[str, object] = dict(
        base_url=server.base_url,
        model="fake-model",
        api_key="sk-test",
        timeout_s=fault.timeout_s,
        retry_backoff_s=0.02,  # the schedule, not the wait, is under test
        use_tools=fault.tools,
        tools=["objects"] if fault.tools else None,
        max_tool_rounds=2,
        k_examples=0,
    )
    return LLMPlannerConfig(**{**base, **kw})  # type: ignore[arg-type]


def _check_traffic(server: FakeOpenAI, fault: Fault) -> None:
    rejected = [r.shape for r in server.requests if not r.shape or r.shape.startswith("rejected")]
    assert not rejected, f"the planner sent requests the real API rejects: {rejected}"
    chat = server.chat_requests()
    if fault.requests is not None:
        assert len(chat) == fault.requests, [r.shape for r in chat]
    assert max(r.raw_size for r in chat) < MAX_REQUEST_BYTES


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_llm_planner_ends_every_reply_shape_as_its_failure_mode(
    server: FakeOpenAI, name: str
) -> None:
    fault = FAULTS[name]
    server.script(list(fault.shapes))
    planner = LLMPlanner(_config(server, fault))
    result = planner.plan(PlanningContext("Navigate to the Mug.", memory=FakeMemory()))
    assert result.failure_mode == fault.mode, result.message
    _check_traffic(server, fault)
    if fault.mode is None:
        assert result.subgoals == [
            NavigateToObject(position=(1.0, 2.0, 0.9), category="Mug", memory_id="obj_1")
        ]
        return
    assert result.subgoals == [] and result.message
    assert result.calls and result.calls[-1].error
    # Traces keep a bounded excerpt of any reply, never the 30 MB one.
    assert all(len(c.raw_text) <= 5000 for c in result.calls)


def test_transient_errors_are_retried_by_default(server: FakeOpenAI) -> None:
    cfg = LLMPlannerConfig(base_url=server.base_url, model="fake-model", api_key="sk-test")
    assert cfg.http_retries == 2 and cfg.retry_backoff_s > 0  # on by default
    server.script(list(FAULTS["recover_after_503"].shapes))
    result = LLMPlanner(cfg).plan(PlanningContext("Navigate to the Mug.", memory=FakeMemory()))
    assert result.ok and [r.shape for r in server.chat_requests()] == ["http_503", "good_plan"]


def test_huge_reply_is_refused_by_its_announced_size(server: FakeOpenAI) -> None:
    fault = FAULTS["huge_reply_30mb"]
    server.script(list(fault.shapes))
    result = LLMPlanner(_config(server, fault)).plan(
        PlanningContext("Navigate to the Mug.", memory=FakeMemory())
    )
    assert result.failure_mode == "endpoint_error"
    assert "exceeds the cap of 1000000" in result.message and len(server.chat_requests()) == 1


def test_fake_server_rejects_what_the_real_api_rejects(server: FakeOpenAI) -> None:
    import httpx2

    auth = {"Authorization": "Bearer sk-test"}
    url = server.base_url
    ok = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    server.script(json_shape("good", completion("hello")))
    with httpx2.Client(headers=auth) as http:
        assert http.post(f"{url}/chat/completion", json=ok).status_code == 404
        assert "Invalid URL" in http.get(f"{url}/chat/completions").json()["error"]["message"]
        bad_json = http.post(f"{url}/chat/completions", content=b'{"model": ')
        assert bad_json.status_code == 400 and "parse the JSON body" in bad_json.text
        assert http.post(f"{url}/chat/completions", json={**ok, "foo": 1}).status_code == 400
        orphan_tool = {**ok, "messages": [{"role": "tool", "tool_call_id": "x", "content": "1"}]}
        assert http.post(f"{url}/chat/completions", json=orphan_tool).status_code == 400
        no_tools = {**ok, "tool_choice": "auto"}
        assert http.post(f"{url}/chat/completions", json=no_tools).status_code == 400
        assert http.post(f"{url}/chat/completions", json=ok).json()["choices"]
    with httpx2.Client() as http:
        assert http.post(f"{url}/chat/completions", json=ok).status_code == 401


# ---------------------------------------------------------------- the agent loop goes on


class _NoMotionEnv:
    """Any use fails the test: a failed plan must never move the robot."""

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"the env was used ({name}) although no plan was valid")


@pytest.fixture(scope="module")
def synthetic_agent_parts() -> tuple[object, object]:
    """A real AgentMemory filled through its public API by the synthetic house's scripted day,
    and an observation to start the tasks from."""
    from embodied_mem.memory import AgentMemory
    from embodied_mem.memory.synthetic import SynthConfig, SyntheticHouse, clock, run_day

    house = SyntheticHouse(SynthConfig(seed=3, rooms=2))
    mem = AgentMemory(house.rooms)
    objects = house.objects()
    run_day(mem, house, 0, [(objects[0].id, house.receptacles()[-1].id)])
    mem.start_day(1)
    obs, _ = house.frame(200_000, clock(1, 10.0, house.config), house.rooms[0].id)
    return mem, obs


@pytest.mark.parametrize("name", FAILING)
def test_agent_records_the_mode_and_runs_the_next_task(
    server: FakeOpenAI, synthetic_agent_parts: tuple, name: str
) -> None:
    from embodied_mem.agent.loop import AgentConfig, MemoryAgent

    memory, obs = synthetic_agent_parts
    fault = FAULTS[name]
    moved = memory.query(today=1).interactions(day=0)[0]
    category = moved.object_category
    answer = json.dumps({"subgoals": [{"type": "answer", "text": category}]})
    server.script(list(fault.shapes), when="Fetch the mug")
    server.script(json_shape("answer", completion(answer)))
    agent = MemoryAgent(
        _NoMotionEnv(),  # type: ignore[arg-type]
        memory,
        None,
        LLMPlanner(_config(server, fault)),
        AgentConfig(max_plan_steps=1),
    )
    failed, obs, checkpoints = agent.run_task("Fetch the mug from the kitchen.", obs)
    assert failed.failure_mode == fault.mode and failed.failure_reason
    assert failed.actions == 0 and checkpoints == []
    assert failed.steps[0].failure_mode == fault.mode and failed.steps[0].subgoals == []
    nxt, _, _ = agent.run_task("What did you pick up first yesterday?", obs)
    assert nxt.failure_mode is None and nxt.answer == category


# ---------------------------------------------------------------- the VLM endpoint path


def _frames(n: int) -> list[Keyframe]:
    return [
        Keyframe(
            i,
            np.full((24, 32, 3), 20 * i, np.uint8),
            SimTime(10.0 * i, 0, "06:00"),
            AgentPose((0.1 * i, 1.0, 0.0), 0.5),
        )
        for i in range(n)
    ]


@pytest.mark.parametrize("name", [n for n in FAILING if not FAULTS[n].tools])
def test_frames_endpoint_chat_ends_every_reply_shape_as_its_failure_mode(
    server: FakeOpenAI, name: str
) -> None:
    fault = FAULTS[name]
    server.script(list(fault.shapes))
    cfg = _config(server, fault)
    chat = EndpointVisionChat(make_endpoint(cfg), cfg.model, timeout_s=cfg.timeout_s)
    planner = FramesPlanner(FramesPlannerConfig(k=2, backend="llm", max_retries=2), chat=chat)
    result = planner.plan(PlanningContext("Navigate to the mug.", experience=_frames(4)))
    assert result.failure_mode == fault.mode, result.message
    assert result.subgoals == [] and result.calls[-1].error
    _check_traffic(server, fault)
