"""The declarative table of memory-query tools offered to models (OpenAI function-calling).

Each :class:`ToolSpec` row names the tool the model sees, the ``MemoryQuery`` method it calls
and the JSON schema of its parameters; :mod:`embodied_mem.planner.tools` generates function
specs from this table and dispatches calls through it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_S = {"type": "string"}
_B = {"type": "boolean"}
# Shared parameter conventions are explained once in the system prompt (TOOL_CONVENTIONS),
# not per parameter: with 31 tools, repeated descriptions would cost hundreds of tokens.
_HHMM = {"type": "string", "pattern": "^[0-2]?[0-9]:[0-5][0-9]$"}
_AGO = {"type": "integer", "minimum": 0}
_KIND = {"type": "string", "enum": ["pick", "place", "open", "close"]}
_LAYER = {"type": "string", "enum": ["object", "receptacle"]}
_ATTRS = {"color": _S, "material": _S, "shape": _S}
_ID = {"type": "string"}
_N = {"type": "integer", "minimum": 1}

TOOL_CONVENTIONS = (
    "Tool arguments: days_ago 1 = yesterday (the default), 2 = the day before; "
    "times are HH:MM; *_id arguments are memory_id values from earlier results; "
    "limit/k = max results."
)


@dataclass(frozen=True)
class ToolSpec:
    """One row of the table: the tool the model sees and the memory method it calls.

    Parameter names with a conversion (see :meth:`MemoryToolbox.convert_args`): ``days_ago``
    → ``day``; ``start``/``end`` → ``between``; ``color``/``material``/``shape`` → ``attributes``.
    A ``method`` starting with ``@`` is implemented by the toolbox itself.
    """

    name: str
    method: str
    description: str
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    required: tuple[str, ...] = ()

    def function_spec(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": {
                    "type": "object",
                    "properties": self.params,
                    "required": list(self.required),
                },
            },
        }


def _t(
    name: str,
    desc: str,
    params: dict[str, Any] | None = None,
    required: tuple[str, ...] = (),
    method: str | None = None,
) -> ToolSpec:
    return ToolSpec(name, method or name, desc, dict(params or {}), required)


TOOL_TABLE: tuple[ToolSpec, ...] = (
    _t("get", "One memory object or receptacle by memory_id.", {"memory_id": _ID}, ("memory_id",)),
    _t(
        "objects",
        "Objects matching all given filters.",
        {
            "category": _S,
            "text": _S,
            **_ATTRS,
            "room": _S,
            "layer": _LAYER,
            "interacted": {**_B, "description": "you interacted with it (true) / not (false)"},
            "interaction_kind": _KIND,
            "days_ago": _AGO,
            "limit": _N,
        },
    ),
    _t(
        "receptacles",
        "Receptacles (furniture), optionally by use.",
        {"category": _S, "used": _B, "used_kind": _KIND, "opened": _B, "days_ago": _AGO},
    ),
    _t(
        "search_text",
        "Objects whose description matches free text.",
        {"text": _S, "k": _N},
        ("text",),
    ),
    _t(
        "objects_by_distance",
        "Objects sorted by travel distance from you now.",
        {"interacted": _B, "layer": _LAYER, "farthest": _B, "limit": _N},
        method="@objects_by_distance",
    ),
    _t(
        "interactions",
        "Your own interactions in time order.",
        {
            "kind": _KIND,
            "days_ago": _AGO,
            "start": _HHMM,
            "end": _HHMM,
            "period": {"type": "string", "enum": ["morning", "afternoon", "evening"]},
            "category": _S,
            "room": _S,
            **_ATTRS,
        },
    ),
    _t(
        "interaction_at",
        "The interaction at a time of day.",
        {"time_of_day": _HHMM, "days_ago": _AGO, "kind": _KIND},
        ("time_of_day",),
    ),
    _t(
        "nth_interaction",
        "The n-th interaction (1 = first, -1 = last).",
        {"n": {"type": "integer"}, "kind": _KIND, "days_ago": _AGO},
        ("n",),
    ),
    _t(
        "adjacent_interaction",
        "The interaction right after (offset 1) / before (-1) a category.",
        {"category": _S, "offset": {"type": "integer"}, "kind": _KIND, "days_ago": _AGO},
        ("category",),
    ),
    _t("rearrangements", "Each pick then place, with its duration in seconds.", {"days_ago": _AGO}),
    _t("longest_rearrangement", "The rearrangement that took longest.", {"days_ago": _AGO}),
    _t(
        "shortest_rearrangement",
        "The rearrangement that took the shortest time.",
        {"days_ago": _AGO},
    ),
    _t(
        "rearrangements_lasting",
        "Rearrangements lasting about N seconds.",
        {"seconds": {"type": "number"}, "days_ago": _AGO},
        ("seconds",),
    ),
    _t(
        "receptacle_for",
        "Receptacle an object (give category or object_id) was placed on "
        "(kind place) or picked from (pick).",
        {
            "category": _S,
            "object_id": _ID,
            "kind": _KIND,
            "days_ago": _AGO,
            "which": {"type": "integer", "description": "1 = first, -1 = last"},
        },
    ),
    _t(
        "receptacles_used",
        "Receptacles used by interactions of a kind, in order.",
        {"kind": _KIND, "days_ago": _AGO},
    ),
    _t("unused_receptacles", "Receptacles you did not use.", {"category": _S, "days_ago": _AGO}),
    _t(
        "original_receptacle",
        "Where an object was before you first picked it.",
        {"object_id": _ID, "days_ago": _AGO},
        ("object_id",),
    ),
    _t(
        "is_on",
        "Whether memory believes an object is on a receptacle now.",
        {"object_id": _ID, "receptacle_id": _ID},
        ("object_id", "receptacle_id"),
    ),
    _t("rooms", "All known rooms."),
    _t("room_visits", "Rooms visited, in order, with times.", {"days_ago": _AGO}),
    _t("start_room", "Room where the day started.", {"days_ago": _AGO}),
    _t("end_room", "Room where the day ended.", {"days_ago": _AGO}),
    _t("time_in_rooms", "Rooms by time spent (score = seconds), most first.", {"days_ago": _AGO}),
    _t("visited_rooms", "Rooms in the order first entered.", {"days_ago": _AGO}),
    _t("unvisited_rooms", "Rooms not visited.", {"days_ago": _AGO}),
    _t(
        "room_at",
        "The room you were in at a time of day.",
        {"time_of_day": _HHMM, "days_ago": _AGO},
        ("time_of_day",),
    ),
    _t(
        "room_of_interaction",
        "Room where you picked (or placed) a category.",
        {"category": _S, "kind": _KIND, "days_ago": _AGO},
        ("category",),
    ),
    _t(
        "where_was",
        "Objects of a category as they were N days ago.",
        {"category": _S, "days_ago": _AGO, "time_of_day": _HHMM},
        ("category", "days_ago"),
    ),
    _t(
        "most_moved",
        "Objects by how often you moved them.",
        {"last_n_days": {"type": "integer", "minimum": 1}, "limit": _N},
    ),
    _t(
        "most_used_receptacles",
        "Receptacles by how often you used them.",
        {"last_n_days": {"type": "integer", "minimum": 1}, "limit": _N},
    ),
    _t("count_moved", "How many objects you moved.", {"days_ago": _AGO}),
)
