"""Compact text summaries of memory for LLM prompts, within a token budget.

Tokens are estimated as ``ceil(chars / 4)`` (the usual rule of thumb for English + numbers
with BPE tokenizers); lines are added in priority order — interactions of the day, rooms,
receptacles with what is on them, other objects — and the summary stops before the budget.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

from embodied_mem.memory.results import InteractionHit, ObjectHit

if TYPE_CHECKING:
    from embodied_mem.memory.retrieval import MemoryQuery


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / 4)


def _pos(p: Iterable[float]) -> str:
    return "(" + ", ".join(f"{v:.1f}" for v in p) + ")"


def describe_object(h: ObjectHit) -> str:
    o = h.obj
    attrs = " ".join(
        f"{v}" for k, v in sorted(o.attributes.items()) if isinstance(v, str) and k != "name"
    )
    where = f" {o.relation} {o.parent_id}" if o.parent_id else ""
    room = f" in {o.room_id}" if o.room_id else ""
    state = f" [{o.state}]" if o.state else ""
    return f"{o.memory_id}: {(attrs + ' ') if attrs else ''}{o.category} at {_pos(o.position)}{where}{room}{state}"


def describe_interaction(h: InteractionHit) -> str:
    e = h.event
    what = f"{h.object_category or '?'} {e.object_id or ''}".strip()
    extra = ""
    if e.source_id:
        extra = f" from {h.source_category} {e.source_id}"
    if e.target_id:
        extra = f" onto {h.target_category} {e.target_id}"
    return f"day {e.day} {e.time_of_day} {e.kind.value} {what}{extra} (frame {e.start_frame})"


def describe_memory(q: MemoryQuery, *, budget_tokens: int = 400, day: int | None = None) -> str:
    """Summary of ``day`` (default yesterday) and of the current map, within ``budget_tokens``."""
    if budget_tokens < 10:
        raise ValueError(f"budget_tokens must be >= 10, got {budget_tokens}")
    d = q.yesterday if day is None else day
    sections: list[tuple[str, list[str]]] = []
    sections.append(
        (f"Interactions on day {d}:", [describe_interaction(h) for h in q.interactions(day=d)])
    )
    rooms = q.time_in_rooms(day=d)
    sections.append(
        (
            "Rooms (time spent):",
            [f"{r.room_id} {r.name} ({r.room_type}): {r.score:.0f}s" for r in rooms],
        )
    )
    recs = q.receptacles()
    sections.append(("Receptacles:", [describe_object(h) for h in recs]))
    sections.append(("Objects:", [describe_object(h) for h in q.objects()]))
    out: list[str] = []
    used = 0
    for title, lines in sections:
        if not lines:
            continue
        for i, line in enumerate([title, *lines]):
            cost = estimate_tokens(line + "\n")
            if used + cost > budget_tokens:
                if i > 0:
                    out.append("...")
                return "\n".join(out)
            out.append(line)
            used += cost
    return "\n".join(out)
