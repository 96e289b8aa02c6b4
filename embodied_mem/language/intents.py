"""The intents the parser knows: one per template of TASKS.md, in one table.

Each :class:`Intent` says what a sentence must contain to mean it:

* ``mode`` - go somewhere (nav), move something (manip) or answer (ask);
* ``slots`` - slot name (as in ``PHRASINGS``) -> mention kinds that can fill it;
* ``needs`` - groups of cue tags, at least one tag of each group present;
* ``allows`` - contrast tags it tolerates though it does not need them (every other contrast
  tag present rules the intent out: "last" can never mean T11);
* ``exemplars`` - phrasings beyond the template text, for the sentence embedder. They are
  written here independently of the paraphrase test sets (a test checks no exemplar is one).

Which intents are possible is decided by these rules; which of the possible ones is meant is
decided by sentence-embedding similarity to the exemplars (:mod:`embodied_mem.language.parser`).
"""

from __future__ import annotations

from dataclasses import dataclass

from embodied_mem.benchmark.task import FAMILY_OF, PHRASINGS

_ACTS = "PICK PLACE MOVE USE"
_CATEGORY = ("object",)
_THING = ("object", "receptacle")
_REC = ("receptacle",)


@dataclass(frozen=True)
class Intent:
    template: str
    mode: str
    slots: dict[str, tuple[str, ...]]
    needs: tuple[frozenset[str], ...]
    allows: frozenset[str]
    ignores: frozenset[str]
    """Mention kinds tolerated and dropped (T56's "yesterday morning" names no slot)."""
    exemplars: tuple[str, ...]

    @property
    def family(self) -> str:
        return FAMILY_OF[self.template]

    @property
    def phrasing(self) -> str:
        return PHRASINGS[self.template]


def _intent(
    template: str,
    mode: str,
    slots: dict[str, tuple[str, ...]] | None = None,
    needs: str = "",
    allows: str = "",
    exemplars: tuple[str, ...] = (),
    ignores: str = "",
) -> Intent:
    groups = tuple(frozenset(g.split("|")) for g in needs.split()) if needs else ()
    return Intent(
        template=template,
        mode=mode,
        slots=dict(slots or {}),
        needs=groups,
        allows=frozenset(allows.split()),
        ignores=frozenset(ignores.split()),
        exemplars=exemplars,
    )


_ANY = "|".join(_ACTS.split())
_PICKISH = "PICK|MOVE|USE"

INTENTS: dict[str, Intent] = {
    i.template: i
    for i in (
        # --- object recall and interaction
        _intent(
            "T01",
            "nav",
            {"category": _THING},
            exemplars=(
                "Please go over to a mug.",
                "I am looking for a mug, take me to one.",
                "Walk over to the counter.",
            ),
        ),
        _intent(
            "T02",
            "nav",
            {"category": _CATEGORY},
            "PICK",
            exemplars=("Bring me to the mug that you picked up yesterday.",),
        ),
        _intent(
            "T03",
            "nav",
            needs=_ANY,
            exemplars=("Go to one of the objects you picked up or put down yesterday.",),
        ),
        _intent(
            "T04",
            "nav",
            {"category": _CATEGORY},
            f"NEG {_ANY}",
            exemplars=("Go to a mug that you left untouched yesterday.",),
        ),
        _intent(
            "T05",
            "nav",
            {"receptacle": _REC},
            "PICK",
            exemplars=("Find the object that you took from the counter.",),
        ),
        _intent(
            "T06",
            "nav",
            {"receptacle": _REC},
            "PLACE",
            exemplars=("Find the object that you put down on the counter.",),
        ),
        _intent(
            "T07",
            "nav",
            {"room": ("room",)},
            "PICK",
            exemplars=("Go to an object that you grabbed while in the kitchen.",),
        ),
        # --- temporal and order
        _intent(
            "T08",
            "nav",
            {"time": ("time",)},
            _ANY,
            exemplars=("Go to the object you were handling at 10:15 yesterday.",),
        ),
        _intent(
            "T09",
            "nav",
            {"start": ("time",), "end": ("time",)},
            _ANY,
            exemplars=("Go to an object you used yesterday sometime from 10:15 to 11:40.",),
        ),
        _intent(
            "T10",
            "nav",
            {"period": ("period",)},
            _ANY,
            exemplars=("Go to an object you used during yesterday morning.",),
        ),
        _intent(
            "T11",
            "nav",
            needs=f"FIRST {_PICKISH}",
            exemplars=("Go to the very first object that you grabbed yesterday.",),
        ),
        _intent(
            "T12",
            "nav",
            needs=f"LAST {_PICKISH}",
            exemplars=("Go to the object that you grabbed most recently yesterday.",),
        ),
        _intent(
            "T13",
            "nav",
            {"ordinal": ("ordinal",)},
            _PICKISH,
            exemplars=("Go to the object that was the third one you picked up yesterday.",),
        ),
        _intent(
            "T14",
            "nav",
            {"category": _CATEGORY},
            "AFTER PICK",
            exemplars=("Go to the object you picked up next after picking up the mug.",),
        ),
        _intent(
            "T15",
            "nav",
            {"category": _CATEGORY},
            "BEFORE PICK",
            exemplars=("Go to the object you picked up just before picking up the mug.",),
        ),
        # --- duration
        _intent(
            "T16",
            "nav",
            needs="MAX MOVE",
            exemplars=("Go to the object whose rearranging took the most time yesterday.",),
        ),
        _intent(
            "T17",
            "nav",
            needs="MIN MOVE",
            exemplars=("Go to the object whose rearranging took the least time yesterday.",),
        ),
        _intent(
            "T18",
            "nav",
            {"N": ("seconds",)},
            "MOVE",
            exemplars=("Go to the object you needed about 40 seconds to rearrange.",),
        ),
        # --- attributes
        _intent(
            "T19",
            "nav",
            {"color": ("color",)},
            _ANY,
            exemplars=("Go to an object of that red colour you interacted with yesterday.",),
        ),
        _intent(
            "T20",
            "nav",
            {"shape": ("shape",)},
            _ANY,
            exemplars=("Go to an object with a round shape you interacted with yesterday.",),
        ),
        _intent(
            "T21",
            "nav",
            {"material": ("material",)},
            _ANY,
            exemplars=("Go to an object made of wood you interacted with yesterday.",),
        ),
        _intent(
            "T22",
            "nav",
            {"color": ("color",), "category": _CATEGORY},
            exemplars=("Please go over to the red mug.",),
        ),
        # --- distance
        _intent(
            "T23",
            "nav",
            needs=f"FAR {_ANY}",
            allows="PLURAL",
            exemplars=("Among the objects you interacted with yesterday, go to the farthest.",),
        ),
        _intent(
            "T24",
            "nav",
            needs=f"NEAR {_ANY}",
            allows="PLURAL",
            exemplars=("Among the objects you interacted with yesterday, go to the nearest.",),
        ),
        _intent(
            "T25",
            "nav",
            needs="FAR PLACE REC",
            allows="PLURAL WHERE",
            exemplars=("Among the receptacles you placed objects on, go to the farthest.",),
        ),
        # --- receptacles
        _intent(
            "T26",
            "nav",
            {"category": _CATEGORY},
            "PLACE REC|WHERE",
            allows="WHERE REC",
            exemplars=("Go to the receptacle that you put the mug on.",),
        ),
        _intent(
            "T27",
            "nav",
            {"category": _CATEGORY},
            "PICK REC|WHERE",
            allows="WHERE REC BEFORE",
            exemplars=("Go to the receptacle the mug was on before you picked it up.",),
        ),
        _intent(
            "T28",
            "nav",
            needs="PLACE REC",
            allows="WHERE",
            exemplars=("Go to any receptacle where you put down an object yesterday.",),
        ),
        _intent(
            "T29",
            "nav",
            needs="PICK REC",
            allows="WHERE",
            exemplars=("Go to any receptacle where you picked up an object yesterday.",),
        ),
        _intent(
            "T30",
            "nav",
            {"receptacle_category": _REC},
            f"NEG {_ANY}|OPEN",
            allows="WHERE REC",
            exemplars=("Go to a counter that you did not place anything on yesterday.",),
        ),
        _intent(
            "T31",
            "nav",
            needs="FIRST PLACE REC|WHERE",
            allows="WHERE REC",
            exemplars=("Go to the receptacle where the first object you moved was put.",),
        ),
        _intent(
            "T32",
            "nav",
            needs="LAST PLACE REC|WHERE",
            allows="WHERE REC",
            exemplars=("Go to the receptacle where the last object you moved was put.",),
        ),
        _intent(
            "T33",
            "nav",
            {"time": ("time",)},
            f"REC {_ANY}",
            allows="WHERE",
            exemplars=("Go to the receptacle you put something on at 10:15 yesterday.",),
        ),
        _intent(
            "T34",
            "nav",
            {"color": ("color",)},
            "ORIGIN REC|WHERE",
            allows="WHERE REC BEFORE",
            exemplars=("Go back to the receptacle the red object was on in the beginning.",),
        ),
        _intent(
            "T35",
            "nav",
            {"receptacle_category": _REC},
            "OPEN",
            allows="WHERE",
            exemplars=("Go to the counter that you opened up yesterday.",),
        ),
        # --- rooms
        _intent(
            "T36",
            "nav",
            needs="START ROOM",
            allows="WHERE",
            exemplars=("Go to the room you were in when yesterday started.",),
        ),
        _intent(
            "T37",
            "nav",
            needs="END|ENDUP ROOM",
            allows="WHERE",
            exemplars=("Go to the room you were in when yesterday ended.",),
        ),
        _intent(
            "T38",
            "nav",
            needs="MAX ROOM",
            allows="WHERE",
            exemplars=("Go to the room you stayed in for the most time yesterday.",),
        ),
        _intent(
            "T39",
            "nav",
            needs="MIN ROOM",
            allows="WHERE",
            exemplars=("Go to the room you stayed in for the least time yesterday.",),
        ),
        _intent(
            "T40",
            "nav",
            {"category": _CATEGORY},
            "PICK ROOM",
            allows="WHERE",
            exemplars=("Go to the room in which you picked up the mug.",),
        ),
        _intent(
            "T41",
            "nav",
            {"category": _CATEGORY},
            "PLACE ROOM",
            allows="WHERE",
            exemplars=("Go to the room in which you put down the mug.",),
        ),
        _intent(
            "T42",
            "nav",
            needs="NEG ROOM",
            allows="WHERE",
            exemplars=("Go to a room you did not go into yesterday.",),
        ),
        _intent(
            "T43",
            "nav",
            {"time": ("time",)},
            "ROOM",
            allows="WHERE",
            exemplars=("Go to the room you were in yesterday at 10:15.",),
        ),
        # --- several targets
        _intent(
            "T44",
            "nav",
            needs="ORDERED ALL|PLURAL PICK",
            allows="PLURAL ALL",
            exemplars=("Go to each object you picked up yesterday, in the same order.",),
        ),
        _intent(
            "T45",
            "nav",
            needs="ALL|PLURAL|ANYORDER PICK",
            allows="PLURAL ALL ANYORDER",
            exemplars=("Go to each of the objects you picked up yesterday, any order.",),
        ),
        _intent(
            "T46",
            "nav",
            needs="ORDERED PLACE REC",
            allows="PLURAL WHERE ALL",
            exemplars=("Go to each receptacle you put objects on, in the same order.",),
        ),
        _intent(
            "T47",
            "nav",
            {"category_a": _THING, "category_b": _THING},
            needs="THEN|AND",
            allows="THEN FIRST AFTER",
            exemplars=("Go first to the mug, and after that to the counter.",),
        ),
        _intent(
            "T48",
            "nav",
            {"color": ("color",)},
            f"ALL {_ANY}",
            allows="PLURAL",
            exemplars=("Go to each of the red objects you interacted with yesterday.",),
        ),
        _intent(
            "T49",
            "nav",
            needs="ROOM ALL|ORDERED|PLURAL",
            allows="PLURAL WHERE ALL ORDERED",
            exemplars=("Go to each room you were in yesterday, in the same order.",),
        ),
        _intent(
            "T50",
            "nav",
            needs=f"FIRST LAST {_PICKISH}",
            allows="THEN AFTER ORDERED PLURAL",
            exemplars=("Go to the first object you picked up yesterday, then to the last.",),
        ),
        # --- several days
        _intent(
            "T51",
            "nav",
            {"N": ("days",), "time": ("time",)},
            "PICK",
            exemplars=("Go to the object you grabbed at 10:15 2 days ago.",),
        ),
        _intent(
            "T52",
            "nav",
            {"category": _CATEGORY, "N": ("days",)},
            "REC|WHERE",
            allows="WHERE REC ORIGIN",
            exemplars=("Go to the receptacle the mug was on 2 days ago.",),
        ),
        _intent(
            "T53",
            "nav",
            {"N": ("days",)},
            "MAX MOVE",
            allows="PLURAL",
            exemplars=("Go to the object you rearranged most often in the past 2 days.",),
        ),
        _intent(
            "T54",
            "nav",
            {"N": ("days",)},
            f"MAX REC {_ANY}",
            allows="WHERE PLURAL",
            exemplars=("Go to the receptacle you used the most in the past 2 days.",),
        ),
        # --- manipulation
        _intent(
            "T55",
            "manip",
            {"receptacle": _REC},
            f"FIRST {_PICKISH}",
            exemplars=("Take the first object you picked up yesterday over to the counter.",),
        ),
        _intent(
            "T56",
            "manip",
            {"category": _CATEGORY},
            needs="BACK|ORIGIN|WHERE",
            allows="WHERE REC ORIGIN BEFORE",
            ignores="period",
            exemplars=("Put the mug back on the receptacle it was on yesterday morning.",),
        ),
        _intent(
            "T57",
            "manip",
            {"category": _CATEGORY, "openable_receptacle": _REC},
            exemplars=("Put the mug inside the counter.",),
        ),
        _intent(
            "T58",
            "manip",
            needs="ALL MOVE|PICK|PLACE",
            allows="PLURAL WHERE ORIGIN START REC BEFORE",
            exemplars=("Put every object you moved yesterday back on its original receptacle.",),
        ),
        # --- questions
        _intent(
            "T59",
            "ask",
            {"category": _CATEGORY},
            "WHERE PLACE|MOVE",
            allows="AFTER",
            exemplars=("Where did you place the mug yesterday?",),
        ),
        _intent(
            "T60",
            "ask",
            {"time": ("time",)},
            "PICK",
            exemplars=("Which object did you pick up at 10:15 yesterday?",),
        ),
        _intent(
            "T61",
            "ask",
            {"category": _CATEGORY, "receptacle": _REC},
            allows="STILL",
            exemplars=("Is the mug on the counter still?",),
        ),
        _intent(
            "T62",
            "ask",
            needs="HOWMANY MOVE|PICK|PLACE",
            allows="PLURAL ALL",
            exemplars=("How many objects did you rearrange yesterday?",),
        ),
        _intent(
            "T63",
            "ask",
            needs="MAX ROOM",
            allows="WHERE",
            exemplars=("In which room did you spend the most time yesterday?",),
        ),
    )
}
assert set(INTENTS) == set(PHRASINGS), "every template of TASKS.md needs an intent"

#: Values used to fill the template phrasings when they serve as exemplars.
EXAMPLE_SLOTS = {
    "category": "mug",
    "category_a": "mug",
    "category_b": "book",
    "receptacle": "counter",
    "receptacle_category": "cabinet",
    "openable_receptacle": "fridge",
    "room": "kitchen",
    "time": "10:15",
    "start": "10:15",
    "end": "11:40",
    "period": "morning",
    "ordinal": "third",
    "N": "2",
    "color": "red",
    "shape": "round",
    "material": "wooden",
}


def exemplar_texts(intent: Intent) -> list[str]:
    """The template phrasing (slots filled with examples) followed by the extra exemplars."""
    slots = dict(EXAMPLE_SLOTS)
    if intent.template == "T18":
        slots["N"] = "40"
    return [intent.phrasing.format(**slots), *intent.exemplars]
