"""Answer a question (or resolve an instruction) from a saved memory, with the evidence.

``embodied-mem ask MEMORY.db "Where did you leave the statue yesterday?"`` runs the rule
planner over a read-only memory without any simulator: a question gets its answer, an
instruction gets the targets the agent would go to. Either way the memory's evidence comes
along (memory ids, sim times, frame indices, interaction events with their day and clock
time) so a person can check it, e.g. in ``embodied-mem viz``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from embodied_mem.agent.trace import jsonable
from embodied_mem.memory.query_api import MemoryQueryAPI
from embodied_mem.memory.results import Evidence
from embodied_mem.planner.base import PlanningContext, PlanResult
from embodied_mem.planner.rule import RulePlanner
from policies.subgoals import Answer, Explore


@dataclass
class Answered:
    """What memory says about one question or instruction."""

    question: str
    parse: dict[str, Any]
    answer: str | None = None
    targets: list[dict[str, Any]] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "template": self.parse.get("template"),
            "parse": self.parse,
            "answer": self.answer,
            "targets": self.targets,
            "evidence": self.evidence,
            "note": self.note,
        }


def _events_by_id(query: MemoryQueryAPI) -> dict[int, Any]:
    return {h.event.event_id: h.event for h in query.interactions(day=None)}


def evidence_json(evidence: Evidence, events: dict[int, Any]) -> dict[str, Any]:
    """Evidence as JSON, each interaction event spelled out (kind, day, clock time, ids)."""
    out = jsonable(evidence)
    out.pop("type", None)
    out.pop("poses", None)  # frames and times identify the moments; poses add bulk only
    out["events"] = [
        {
            "event_id": eid,
            "kind": events[eid].kind.value,
            "day": events[eid].day,
            "time_of_day": events[eid].time_of_day,
            "object_id": events[eid].object_id,
            "source_id": events[eid].source_id,
            "target_id": events[eid].target_id,
        }
        for eid in evidence.event_ids
        if eid in events
    ]
    return out


def _target(query: MemoryQueryAPI, memory_id: str, events: dict[int, Any]) -> dict[str, Any]:
    rooms = {r.room_id: r for r in query.rooms()}
    if memory_id in rooms:
        room = rooms[memory_id]
        return {"room_id": room.room_id, "name": room.name, "anchor": list(room.anchor)}
    try:
        hit = query.get(memory_id)
    except KeyError:
        return {"memory_id": memory_id, "note": "no longer in memory"}
    return {
        "memory_id": hit.memory_id,
        "category": hit.category,
        "position": [round(float(v), 3) for v in hit.position],
        "room_id": hit.obj.room_id,
        "on": hit.obj.parent_id,
        "last_seen_s": round(float(hit.obj.last_seen), 2),
        "evidence": evidence_json(hit.evidence, events),
    }


def _note(result: PlanResult) -> str:
    if result.failure_mode:
        return f"{result.failure_mode}: {result.message}"
    stop = result.details.get("stopping")
    if (
        stop
        and stop.get("action") == "look"
        and not any(isinstance(s, Answer) for s in result.subgoals)
    ):
        believed = "yes" if result.details.get("believed") else "no"
        return f"memory says {believed}, but it may be stale: an agent would go and look first"
    if any(isinstance(s, Explore) for s in result.subgoals):
        return f"{result.message} (an agent would explore)"
    return result.message


def ask(query: MemoryQueryAPI, question: str, planner: RulePlanner | None = None) -> Answered:
    """Answer ``question`` (any instruction the rule planner understands) from ``query``."""
    planner = planner or RulePlanner()
    parsed = planner.understand(question, query)
    out = Answered(question, parsed.to_json())
    if not parsed.ok:
        out.note = f"not understood ({parsed.status}): {parsed.reason}"
        return out
    result = planner.plan(PlanningContext(question, memory=query))
    events = _events_by_id(query)
    answers = [s.text for s in result.subgoals if isinstance(s, Answer)]
    out.answer = answers[0] if answers else None
    stop = result.details.get("stopping") or {}
    if out.answer is None and stop.get("action") == "look":
        out.answer = "yes" if result.details.get("believed") else "no"
    out.targets = [_target(query, mid, events) for mid in result.high_level_targets]
    out.evidence = [evidence_json(e, events) for e in result.details.get("evidence", [])]
    out.note = _note(result)
    return out
