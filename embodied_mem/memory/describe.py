"""Memory summaries for LLM prompts: JSON records (:mod:`embodied_mem.memory.records`), one per
line, within a token budget.

Records go in priority order — the day's interactions, rooms with the time spent in them,
receptacles, then other objects — and stop before the budget; a last ``{"k":"more","n":N}``
says how many were left out. Tokens are estimated as ``ceil(chars / 4)``. Every world string
is a JSON string value, so no label can add a line or a section to a prompt.
"""

from __future__ import annotations

import math

from embodied_mem.memory.query_api import MemoryQueryAPI
from embodied_mem.memory.records import (
    TimeFormat,
    dumps,
    interaction_record,
    object_record,
    room_record,
)
from embodied_mem.memory.retrieval_context import QuerySources
from embodied_mem.memory.retrieval_rooms import day_clock
from envs.timeutil import ClockSamples, format_hhmm


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / 4)


def time_formatter(src: QuerySources) -> TimeFormat:
    """Sim seconds → ``"d<day> HH:MM"`` from the days and clock samples the memory logged."""
    spans = [(d, src.log.day_span(d)) for d in src.log.days()]
    starts = [(span[0], d) for d, span in spans if span is not None]
    clocks: dict[int, ClockSamples] = {}

    def when(seconds: float) -> str | None:
        earlier = [d for t0, d in starts if t0 <= seconds]
        if not earlier:
            return None
        day = earlier[-1]
        if day not in clocks:
            clocks[day] = day_clock(src, day)
        minutes = clocks[day].minutes_at(seconds)
        return None if minutes is None else f"d{day} {format_hhmm(minutes)}"

    return when


def describe_memory(
    q: MemoryQueryAPI,
    *,
    budget_tokens: int = 400,
    day: int | None = None,
    when: TimeFormat | None = None,
) -> str:
    """JSON-record summary of ``day`` (default yesterday) and the current map, within budget.

    ``when`` labels object sightings with clock times (:func:`time_formatter`); None leaves
    them unlabelled.
    """
    if budget_tokens < 10:
        raise ValueError(f"budget_tokens must be >= 10, got {budget_tokens}")
    d = q.yesterday if day is None else day
    records = [interaction_record(h) for h in q.interactions(day=d)]
    spent = {r.room_id: r.score for r in q.time_in_rooms(day=d)}
    records += [room_record(r, spent.get(r.room_id)) for r in q.rooms()]
    records += [object_record(h.obj, when) for h in q.receptacles()]
    records += [object_record(h.obj, when) for h in q.objects()]
    out: list[str] = []
    used = estimate_tokens(dumps({"k": "more", "n": len(records)}) + "\n")  # room for the tail
    for i, rec in enumerate(records):
        line = dumps(rec)
        cost = estimate_tokens(line + "\n")
        if used + cost > budget_tokens:
            out.append(dumps({"k": "more", "n": len(records) - i}))
            break
        out.append(line)
        used += cost
    return "\n".join(out)
