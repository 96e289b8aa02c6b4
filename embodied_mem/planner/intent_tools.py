"""Which memory tools and which retrieved records each task intent needs.

The ``llm`` planner parses the instruction (:mod:`embodied_mem.language`) and offers only the
tools of its intent: 31 tool specs cost ~2.3k tokens, the 4-6 an intent needs a few hundred.
An instruction the parser is unsure about gets every tool (a wrong narrowing would hide the
tool the task needs). :data:`BASE_TOOLS` are always offered: looking an id up, filtering
objects and listing rooms answer follow-up questions of any task.

:data:`RETRIEVAL` says which memory records the prompt carries before any tool call
("retrieval first", :mod:`embodied_mem.planner.retrieval`): the agent's interactions of the
days the task is about, the rooms and room visits, or the objects the words name.
"""

from __future__ import annotations

BASE_TOOLS: tuple[str, ...] = ("get", "rooms")

#: Template id -> the tools beyond :data:`BASE_TOOLS` its answer takes (tool_table names).
TEMPLATE_TOOLS: dict[str, tuple[str, ...]] = {
    "T01": ("objects", "search_text"),
    "T02": ("interactions",),
    "T03": ("interactions",),
    "T04": ("objects", "search_text"),
    "T05": ("interactions", "receptacle_for"),
    "T06": ("interactions", "receptacle_for"),
    "T07": ("interactions", "room_of_interaction"),
    "T08": ("interaction_at",),
    "T09": ("interactions",),
    "T10": ("interactions",),
    "T11": ("nth_interaction",),
    "T12": ("nth_interaction",),
    "T13": ("nth_interaction",),
    "T14": ("adjacent_interaction",),
    "T15": ("adjacent_interaction",),
    "T16": ("longest_rearrangement", "rearrangements"),
    "T17": ("shortest_rearrangement", "rearrangements"),
    "T18": ("rearrangements_lasting", "rearrangements"),
    "T19": ("interactions",),
    "T20": ("interactions",),
    "T21": ("interactions",),
    "T22": ("objects", "search_text"),
    "T23": ("objects_by_distance",),
    "T24": ("objects_by_distance",),
    "T25": ("receptacles_used", "objects_by_distance"),
    "T26": ("receptacle_for",),
    "T27": ("receptacle_for",),
    "T28": ("receptacles_used",),
    "T29": ("receptacles_used",),
    "T30": ("unused_receptacles", "receptacles"),
    "T31": ("receptacle_for", "nth_interaction"),
    "T32": ("receptacle_for", "nth_interaction"),
    "T33": ("interaction_at", "receptacle_for"),
    "T34": ("interactions", "original_receptacle"),
    "T35": ("receptacles",),
    "T36": ("start_room",),
    "T37": ("end_room",),
    "T38": ("time_in_rooms",),
    "T39": ("time_in_rooms",),
    "T40": ("room_of_interaction",),
    "T41": ("room_of_interaction",),
    "T42": ("unvisited_rooms",),
    "T43": ("room_at",),
    "T44": ("interactions",),
    "T45": ("interactions",),
    "T46": ("receptacles_used",),
    "T47": ("objects", "search_text"),
    "T48": ("interactions",),
    "T49": ("visited_rooms", "room_visits"),
    "T50": ("nth_interaction",),
    "T51": ("interaction_at", "interactions"),
    "T52": ("where_was",),
    "T53": ("most_moved",),
    "T54": ("most_used_receptacles",),
    "T55": ("nth_interaction", "receptacles"),
    "T56": ("receptacle_for", "interactions"),
    "T57": ("receptacles",),
    "T58": ("rearrangements", "original_receptacle"),
    "T59": ("receptacle_for",),
    "T60": ("interaction_at",),
    "T61": ("is_on", "receptacles"),
    "T62": ("count_moved",),
    "T63": ("time_in_rooms",),
}

#: What the prompt retrieves before any tool call, per template: "acts" = the agent's
#: interactions of the days the task is about, "rooms" = room visits of that day, "named" =
#: memory entries of the categories/receptacles the instruction names. Templates not listed
#: retrieve "named" only; an unsure parse retrieves all three.
RETRIEVAL: dict[str, tuple[str, ...]] = {
    **{
        f"T{n:02d}": ("acts", "named")
        for n in (*range(2, 22), *range(23, 35), 44, 45, 46, 48, 50, 51, 53, 54, 55, 56, 58)
    },
    **{f"T{n:02d}": ("acts", "named") for n in range(59, 63)},
    **{f"T{n:02d}": ("rooms",) for n in (36, 37, 38, 39, 42, 43, 49, 63)},
    **{f"T{n:02d}": ("acts", "rooms", "named") for n in (40, 41)},
    "T35": ("acts", "named"),
}
ALL_RETRIEVAL: tuple[str, ...] = ("acts", "rooms", "named")


def tools_for(template: str | None) -> tuple[str, ...] | None:
    """Tool names for a parsed template (base tools first); None = offer every tool."""
    if template is None or template not in TEMPLATE_TOOLS:
        return None
    extra = [t for t in TEMPLATE_TOOLS[template] if t not in BASE_TOOLS]
    return (*BASE_TOOLS, *extra)


def retrieval_for(template: str | None) -> tuple[str, ...]:
    """What the prompt retrieves for a parsed template (everything when unsure)."""
    if template is None:
        return ALL_RETRIEVAL
    return RETRIEVAL.get(template, ("named",))
