"""The retrieval-first memory section of the ``llm`` prompt, keyed on the instruction.

Instead of a summary of everything memory holds (which grows with the days remembered), the
prompt carries the records the parsed task is about (:data:`~.intent_tools.RETRIEVAL`):

- ``acts``: the agent's rearrangements (one ``mv`` record per pick→place) and opens/closes of
  the days the task names (yesterday unless it says "N days ago" / "the past N days");
- ``rooms``: the rooms and that day's room visits;
- ``named``: the memory entries whose category the instruction names, and the best text
  matches of the instruction.

An instruction the parser is unsure about gets all three. Records of a kind come as a table
(:func:`~embodied_mem.memory.records.table_lines`: a header naming the columns, then one JSON
array per record), so keys are paid once; every line is one JSON value, so world text stays
data. The lines come most relevant
first; the prompt builder drops from the end when the budget is tight.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from embodied_mem.memory.query_api import MemoryQueryAPI
from embodied_mem.memory.records import (
    interaction_record,
    move_record,
    object_record,
    room_record,
    table_lines,
    visit_record,
)
from embodied_mem.planner.intent_tools import retrieval_for
from embodied_mem.planner.tools import to_jsonable

logger = logging.getLogger(__name__)

#: Slots naming memory categories (objects or receptacles).
_CATEGORY_SLOTS = (
    "category",
    "category_a",
    "category_b",
    "receptacle",
    "receptacle_category",
    "openable_receptacle",
)
_MULTI_DAY = frozenset({"T53", "T54"})  # "over the past N days"


def _call(memory: MemoryQueryAPI | None, name: str, **kwargs: Any) -> Any:
    fn = getattr(memory, name, None)
    if not callable(fn):
        return None
    try:
        return fn(**kwargs)
    except (TypeError, ValueError, KeyError, LookupError, AttributeError) as exc:
        logger.debug("retrieval: memory.%s(%s) failed: %s", name, kwargs, exc)
        return None


def task_days(
    memory: MemoryQueryAPI | None, template: str | None, slots: Mapping[str, str]
) -> list[int]:
    """The days a task is about: yesterday, or what its ``N`` slot says."""
    today = getattr(memory, "today", None)
    if not isinstance(today, int):
        return []
    n = slots.get("N")
    days_back = int(n) if isinstance(n, str) and n.isdigit() and int(n) > 0 else 1
    if template in _MULTI_DAY:
        return list(range(max(0, today - days_back), today))
    return [max(0, today - days_back)]


MOVE_COLS = ("t", "obj", "cat", "from", "fcat", "to", "tcat", "room", "troom")
EVENT_COLS = ("t", "ev", "obj", "cat", "room")
ROOM_COLS = ("id", "name")
VISIT_COLS = ("room", "t", "secs")
OBJECT_COLS = ("id", "cat", "room", "on", "in", "attr")


def act_lines(memory: MemoryQueryAPI | None, days: list[int], limit: int) -> list[str]:
    """The agent's rearrangements on ``days`` (a pick and its place as one ``mv`` record), then
    its opens/closes, as tables; at most ``limit`` records, the latest kept."""
    hits = _call(memory, "interactions", day=days) if days else None
    if not hits:
        return []
    moves: list[dict[str, Any]] = []
    others: list[dict[str, Any]] = []
    held: dict[str, tuple[int, Any]] = {}  # object id -> (index in moves, its pick)
    for hit in hits:
        kind = getattr(hit.event.kind, "value", hit.event.kind)
        oid = hit.event.object_id
        if kind == "pick" and oid:
            held[oid] = (len(moves), hit)
            moves.append(move_record(hit, None))
        elif kind == "place" and oid in held:
            i, pick = held.pop(oid)
            moves[i] = move_record(pick, hit)
        else:
            others.append(interaction_record(hit))
    moves = moves[-limit:]
    others = others[len(others) - (limit - len(moves)) :] if limit > len(moves) else []
    return table_lines("mv", MOVE_COLS, moves) + table_lines("ev", EVENT_COLS, others)


def room_lines(memory: MemoryQueryAPI | None, days: list[int]) -> list[str]:
    """The rooms (map annotation) and the visits of ``days``."""
    rooms = [_record(room_record, r, "room") for r in _call(memory, "rooms") or []]
    visits = [
        visit_record(v.room_id, v.day, v.enter_time_of_day, v.exit_time - v.enter_time)
        for day in days
        for v in _call(memory, "room_visits", day=day) or []
    ]
    return table_lines("room", ROOM_COLS, rooms) + table_lines("visit", VISIT_COLS, visits)


def named_lines(
    memory: MemoryQueryAPI | None, instruction: str, slots: Mapping[str, str], k: int
) -> list[str]:
    """Entries of the categories the slots name, then the instruction's best text matches."""
    hits: list[Any] = []
    for slot in _CATEGORY_SLOTS:
        value = slots.get(slot)
        if isinstance(value, str) and value:
            hits += _call(memory, "objects", category=value, layer=None, limit=k) or []
    hits += _call(memory, "search_text", text=instruction, k=k) or []
    records, seen = [], set()
    for hit in hits:
        state = getattr(hit, "obj", None)
        mid = getattr(state, "memory_id", None)
        if mid is None or mid in seen:
            continue
        seen.add(mid)
        records.append(_record(object_record, state, "obj"))
    return table_lines("obj", OBJECT_COLS, records)


def _record(make: Any, value: Any, kind: str) -> dict[str, Any]:
    """``make(value)``; a memory whose results lack some fields (another implementation of the
    query API) still gets a record of what they hold."""
    try:
        return make(value)
    except (AttributeError, TypeError):
        data = to_jsonable(value)
        return {"k": kind, "id": data.get("memory_id", data.get("room_id")), **data}


def retrieved_lines(
    memory: MemoryQueryAPI | None,
    instruction: str,
    template: str | None,
    slots: Mapping[str, str],
    *,
    k_named: int = 8,
    max_acts: int = 40,
) -> list[str]:
    """The records a task needs before any tool call (see the module docstring)."""
    want = retrieval_for(template)
    days = task_days(memory, template, slots)
    lines: list[str] = []
    if "acts" in want:
        lines += act_lines(memory, days, max_acts)
    if "rooms" in want:
        lines += room_lines(memory, days)
    if "named" in want:
        lines += named_lines(memory, instruction, slots, k_named)
    return lines
