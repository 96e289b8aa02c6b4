"""Parse the instruction phrasings of TASKS.md into a template id and typed slots.

The rule planner uses this to turn text into memory queries. Phrasings are the spec, so the
patterns follow TASKS.md word for word (case-insensitive, trailing punctuation ignored); an
instruction that matches nothing is reported, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_W = r"[A-Za-z][\w ]*?"  # a category / receptacle / room phrase (lazy)
_CLOCK = r"\d{1,2}:\d{2}"

# (template id, family, pattern). More specific patterns come before more general ones.
_PATTERNS: list[tuple[str, str, str]] = [
    # Several days
    (
        "T51",
        "multi_day",
        rf"navigate to the object you picked up (?P<n>\d+) days ago at (?P<time>{_CLOCK})",
    ),
    ("T52", "multi_day", rf"navigate to where the (?P<category>{_W}) was (?P<n>\d+) days ago"),
    (
        "T53",
        "multi_day",
        r"navigate to the object you have moved most often over the past (?P<n>\d+) days",
    ),
    (
        "T54",
        "multi_day",
        r"navigate to the receptacle you have used most often over the past (?P<n>\d+) days",
    ),
    # Several targets
    (
        "T44",
        "multi_goal",
        r"navigate to all the objects you picked up yesterday, in the order you picked them up",
    ),
    ("T45", "multi_goal", r"navigate to all the objects you picked up yesterday, in any order"),
    (
        "T46",
        "multi_goal",
        r"navigate to all the receptacles you placed objects on, in the order you placed them",
    ),
    (
        "T48",
        "multi_goal",
        rf"navigate to every (?P<color>{_W}) object you interacted with yesterday",
    ),
    ("T49", "multi_goal", r"visit the rooms you visited yesterday, in the same order"),
    (
        "T50",
        "multi_goal",
        r"navigate to the first and then the last object you picked up yesterday",
    ),
    (
        "T47",
        "multi_goal",
        rf"navigate to the (?P<category_a>{_W}) and then to the (?P<category_b>{_W})",
    ),
    # Manipulation
    (
        "T55",
        "manipulation",
        rf"bring the first object you picked up yesterday to the (?P<receptacle>{_W})",
    ),
    ("T56", "manipulation", rf"put the (?P<category>{_W}) back where it was yesterday morning"),
    (
        "T57",
        "manipulation",
        rf"put the (?P<category>{_W}) in the (?P<receptacle>{_W})(?:\.? ?\(open it first, close it after\))?",
    ),
    (
        "T58",
        "manipulation",
        r"return every object you moved yesterday to the receptacle it started on",
    ),
    # Questions
    ("T59", "question", rf"where did you put the (?P<category>{_W}) yesterday\?"),
    ("T60", "question", rf"what did you pick up at (?P<time>{_CLOCK}) yesterday\?"),
    ("T61", "question", rf"is the (?P<category>{_W}) still on the (?P<receptacle>{_W})\?"),
    ("T62", "question", r"how many objects did you move yesterday\?"),
    ("T63", "question", r"which room did you spend the most time in yesterday\?"),
    # Rooms
    ("T36", "room", r"navigate to the room where you started yesterday"),
    ("T37", "room", r"navigate to the room where you ended yesterday"),
    ("T38", "room", r"navigate to the room where you spent the most time yesterday"),
    ("T39", "room", r"navigate to the room where you spent the least time yesterday"),
    ("T40", "room", rf"navigate to the room where you picked up the (?P<category>{_W})"),
    ("T41", "room", rf"navigate to the room where you placed the (?P<category>{_W})"),
    ("T42", "room", r"navigate to a room you did not visit yesterday"),
    ("T43", "room", rf"navigate to the room you were in at (?P<time>{_CLOCK}) yesterday"),
    # Receptacles
    (
        "T25",
        "distance",
        r"navigate to the receptacle you placed something on that is farthest from you",
    ),
    (
        "T31",
        "receptacle",
        r"navigate to the receptacle where you placed the first object yesterday",
    ),
    ("T32", "receptacle", r"navigate to the receptacle where you placed the last object yesterday"),
    ("T26", "receptacle", rf"navigate to the receptacle where you placed the (?P<category>{_W})"),
    ("T27", "receptacle", rf"navigate to the receptacle you picked the (?P<category>{_W}) up from"),
    ("T28", "receptacle", r"navigate to a receptacle you placed an object on yesterday"),
    ("T29", "receptacle", r"navigate to a receptacle you picked an object up from yesterday"),
    ("T33", "receptacle", rf"navigate to the receptacle you used at (?P<time>{_CLOCK}) yesterday"),
    (
        "T34",
        "receptacle",
        rf"navigate to the receptacle the (?P<color>{_W}) object was originally on",
    ),
    ("T35", "receptacle", rf"navigate to the (?P<receptacle_category>{_W}) you opened yesterday"),
    (
        "T30",
        "receptacle",
        rf"navigate to an? (?P<receptacle_category>{_W}) you did not use yesterday",
    ),
    # Distance
    (
        "T23",
        "distance",
        r"navigate to the object you interacted with yesterday that is farthest from you",
    ),
    (
        "T24",
        "distance",
        r"navigate to the object you interacted with yesterday that is closest to you",
    ),
    # Duration
    ("T16", "duration", r"navigate to the object that took you the longest to rearrange yesterday"),
    (
        "T17",
        "duration",
        r"navigate to the object that took you the shortest time to rearrange yesterday",
    ),
    (
        "T18",
        "duration",
        r"navigate to the object that took about (?P<seconds>\d+) seconds to rearrange",
    ),
    # Temporal and order
    (
        "T08",
        "temporal",
        rf"navigate to the object you interacted with at (?P<time>{_CLOCK}) yesterday",
    ),
    (
        "T09",
        "temporal",
        rf"navigate to an object you interacted with between (?P<time_a>{_CLOCK}) and (?P<time_b>{_CLOCK}) yesterday",
    ),
    (
        "T10",
        "temporal",
        r"navigate to an object you interacted with in the (?P<period>morning|afternoon|evening) yesterday",
    ),
    ("T11", "temporal", r"navigate to the first object you picked up yesterday"),
    ("T12", "temporal", r"navigate to the last object you picked up yesterday"),
    ("T13", "temporal", r"navigate to the (?P<ordinal>\w+) object you picked up yesterday"),
    (
        "T14",
        "temporal",
        rf"navigate to the object you picked up right after the (?P<category>{_W})",
    ),
    (
        "T15",
        "temporal",
        rf"navigate to the object you picked up right before the (?P<category>{_W})",
    ),
    # Attributes
    ("T19", "attribute", rf"navigate to an? (?P<color>{_W}) object you interacted with yesterday"),
    ("T20", "attribute", rf"navigate to an? (?P<shape>{_W}) object you interacted with yesterday"),
    (
        "T21",
        "attribute",
        rf"navigate to an? (?P<material>{_W}) object you interacted with yesterday",
    ),
    # Object recall and interaction
    ("T02", "object", rf"navigate to the (?P<category>{_W}) you picked up yesterday"),
    ("T03", "object", r"navigate to an object you interacted with yesterday"),
    ("T04", "object", rf"navigate to an? (?P<category>{_W}) you did not interact with yesterday"),
    ("T05", "object", rf"navigate to the object you picked up from the (?P<receptacle>{_W})"),
    ("T06", "object", rf"navigate to the object you placed on the (?P<receptacle>{_W})"),
    ("T07", "object", rf"navigate to an object you picked up in the (?P<room>{_W})"),
    ("T22", "attribute", rf"navigate to the (?P<color>[a-z]+) (?P<category>{_W})"),
    ("T01", "object", rf"navigate to an? (?P<category>{_W})"),
]
_COMPILED = [
    (tid, fam, re.compile(rf"^\s*{pat}\s*\.?\s*$", re.IGNORECASE)) for tid, fam, pat in _PATTERNS
]

ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
}


class UnknownInstructionError(ValueError):
    """The instruction matches no template of TASKS.md."""


@dataclass(frozen=True)
class ParsedInstruction:
    """A template id, its family and the slot values found in the text."""

    template: str
    family: str
    slots: dict[str, str] = field(default_factory=dict)


def parse_instruction(text: str) -> ParsedInstruction:
    """Match ``text`` against the TASKS.md phrasings.

    T19/T20/T21 share one phrasing ("a {X} object you interacted with"); they are told apart
    later by which attribute vocabulary X belongs to, so all three parse as T19 with the word
    in ``slots["attribute"]``. Likewise T22 vs T01 depends on whether the first word is a color.

    Raises:
        UnknownInstructionError: nothing matched.
    """
    for template, family, pattern in _COMPILED:
        match = pattern.match(text)
        if match is None:
            continue
        slots = {k: v.strip() for k, v in match.groupdict().items() if v is not None}
        if template in ("T19", "T20", "T21"):
            value = (
                slots.pop("color", None) or slots.pop("shape", None) or slots.pop("material", "")
            )
            return ParsedInstruction("T19", "attribute", {"attribute": value})
        if template == "T13" and slots.get("ordinal", "").lower() not in ORDINALS:
            continue
        return ParsedInstruction(template, family, slots)
    raise UnknownInstructionError(
        f"instruction {text!r} matches no template of TASKS.md; see embodied_mem/planner/instructions.py"
    )
