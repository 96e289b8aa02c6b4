"""KARMA-style prompt budgeting, token counting and the example store."""

from __future__ import annotations

from pathlib import Path

import pytest

from embodied_mem.planner.prompting import (
    ExampleStore,
    HeuristicTokenCounter,
    PlanExample,
    PromptSections,
    build_prompt,
)

COUNTER = HeuristicTokenCounter()


def _sections(n: int) -> PromptSections:
    return PromptSections(
        system="You plan.",
        instruction="Navigate to the mug.",
        short_term=[f"stm entry {i}: obj_{i} moved to (1.0, {i}.0, 0.8)" for i in range(n)],
        long_term=[f"obj_{i} Mug on rec_{i} in kitchen" for i in range(n)],
        examples=[PlanExample(f"task {i}", '{"subgoals": []}') for i in range(n)],
    )


@pytest.mark.parametrize("budget", [150, 300, 600, 2000])
def test_prompt_never_exceeds_budget(budget: int) -> None:
    built = build_prompt(_sections(50), budget, COUNTER, reserve=50)
    total = sum(COUNTER.count(m["content"]) for m in built.messages)
    assert total <= budget - 50
    assert built.estimated_tokens <= budget - 50


def test_low_priority_sections_are_dropped_first() -> None:
    built = build_prompt(_sections(20), 400, COUNTER)
    user = built.messages[1]["content"]
    assert "stm entry 0" in user and "Navigate to the mug." in user
    assert built.dropped.get("examples", 0) >= built.dropped.get("short_term", 0)
    assert built.dropped["examples"] == 20  # nothing left for them at this budget
    roomy = build_prompt(_sections(20), 100_000, COUNTER)
    assert roomy.dropped == {} and "task 19" in roomy.messages[1]["content"]


def test_budget_below_fixed_parts_raises_with_advice() -> None:
    with pytest.raises(ValueError, match="raise token_budget"):
        build_prompt(_sections(1), 40, COUNTER, reserve=30)


def test_heuristic_counter_is_monotonic_and_reasonable() -> None:
    text = "Navigate to the object you picked up at 10:15 yesterday."
    n = COUNTER.count(text)
    assert 12 <= n <= 25  # real BPE tokenizers give ~15 for this sentence
    assert COUNTER.count(text * 2) >= 2 * n - 1


def test_example_store_ranks_by_similarity_and_round_trips(tmp_path: Path) -> None:
    store = ExampleStore()
    store.add(
        "How many objects did you move yesterday?", {"subgoals": [{"type": "answer", "text": "3"}]}
    )
    store.add("Navigate to the mug you picked up yesterday.", '{"subgoals": []}')
    store.add("Which room did you spend the most time in?", '{"subgoals": []}')
    best = store.retrieve("Navigate to the apple you picked up yesterday.", k=2)
    assert best[0].task.startswith("Navigate to the mug") and best[0].score > best[1].score
    path = tmp_path / "ex.jsonl"
    store.save(path)
    again = ExampleStore.load(path)
    assert len(again) == 3 and again.retrieve("mug picked", k=1)[0].task == best[0].task
    path.write_text('{"task": "x"}\n')
    with pytest.raises(ValueError, match="ex.jsonl:1"):
        ExampleStore.load(path)
