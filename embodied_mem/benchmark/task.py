"""Task instances: the phrasing, family and the valid targets of one filled template.

A navigation goal is a *set* of valid env ids (any instance that fits the description counts);
multi-goal tasks are a list of such goals, ordered or not; manipulation tasks carry goal
predicates (object on/in receptacle, container closed); questions carry the normalised answers.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

# Phrasings exactly as docs/tasks.md, slots renamed only where the spec uses an
# alternative ({morning|afternoon|evening} -> {period}) or repeats a slot ({HH:MM} twice).
PHRASINGS: dict[str, str] = {
    "T01": "Navigate to a {category}.",
    "T02": "Navigate to the {category} you picked up yesterday.",
    "T03": "Navigate to an object you interacted with yesterday.",
    "T04": "Navigate to a {category} you did not interact with yesterday.",
    "T05": "Navigate to the object you picked up from the {receptacle}.",
    "T06": "Navigate to the object you placed on the {receptacle}.",
    "T07": "Navigate to an object you picked up in the {room}.",
    "T08": "Navigate to the object you interacted with at {time} yesterday.",
    "T09": "Navigate to an object you interacted with between {start} and {end} yesterday.",
    "T10": "Navigate to an object you interacted with in the {period} yesterday.",
    "T11": "Navigate to the first object you picked up yesterday.",
    "T12": "Navigate to the last object you picked up yesterday.",
    "T13": "Navigate to the {ordinal} object you picked up yesterday.",
    "T14": "Navigate to the object you picked up right after the {category}.",
    "T15": "Navigate to the object you picked up right before the {category}.",
    "T16": "Navigate to the object that took you the longest to rearrange yesterday.",
    "T17": "Navigate to the object that took you the shortest time to rearrange yesterday.",
    "T18": "Navigate to the object that took about {N} seconds to rearrange.",
    "T19": "Navigate to a {color} object you interacted with yesterday.",
    "T20": "Navigate to a {shape} object you interacted with yesterday.",
    "T21": "Navigate to a {material} object you interacted with yesterday.",
    "T22": "Navigate to the {color} {category}.",
    "T23": "Navigate to the object you interacted with yesterday that is farthest from you.",
    "T24": "Navigate to the object you interacted with yesterday that is closest to you.",
    "T25": "Navigate to the receptacle you placed something on that is farthest from you.",
    "T26": "Navigate to the receptacle where you placed the {category}.",
    "T27": "Navigate to the receptacle you picked the {category} up from.",
    "T28": "Navigate to a receptacle you placed an object on yesterday.",
    "T29": "Navigate to a receptacle you picked an object up from yesterday.",
    "T30": "Navigate to a {receptacle_category} you did not use yesterday.",
    "T31": "Navigate to the receptacle where you placed the first object yesterday.",
    "T32": "Navigate to the receptacle where you placed the last object yesterday.",
    "T33": "Navigate to the receptacle you used at {time} yesterday.",
    "T34": "Navigate to the receptacle the {color} object was originally on.",
    "T35": "Navigate to the {receptacle_category} you opened yesterday.",
    "T36": "Navigate to the room where you started yesterday.",
    "T37": "Navigate to the room where you ended yesterday.",
    "T38": "Navigate to the room where you spent the most time yesterday.",
    "T39": "Navigate to the room where you spent the least time yesterday.",
    "T40": "Navigate to the room where you picked up the {category}.",
    "T41": "Navigate to the room where you placed the {category}.",
    "T42": "Navigate to a room you did not visit yesterday.",
    "T43": "Navigate to the room you were in at {time} yesterday.",
    "T44": "Navigate to all the objects you picked up yesterday, in the order you picked them up.",
    "T45": "Navigate to all the objects you picked up yesterday, in any order.",
    "T46": "Navigate to all the receptacles you placed objects on, in the order you placed them.",
    "T47": "Navigate to the {category_a} and then to the {category_b}.",
    "T48": "Navigate to every {color} object you interacted with yesterday.",
    "T49": "Visit the rooms you visited yesterday, in the same order.",
    "T50": "Navigate to the first and then the last object you picked up yesterday.",
    "T51": "Navigate to the object you picked up {N} days ago at {time}.",
    "T52": "Navigate to where the {category} was {N} days ago.",
    "T53": "Navigate to the object you have moved most often over the past {N} days.",
    "T54": "Navigate to the receptacle you have used most often over the past {N} days.",
    "T55": "Bring the first object you picked up yesterday to the {receptacle}.",
    "T56": "Put the {category} back where it was yesterday morning.",
    "T57": "Put the {category} in the {openable_receptacle}.",
    "T58": "Return every object you moved yesterday to the receptacle it started on.",
    "T59": "Where did you put the {category} yesterday?",
    "T60": "What did you pick up at {time} yesterday?",
    "T61": "Is the {category} still on the {receptacle}?",
    "T62": "How many objects did you move yesterday?",
    "T63": "Which room did you spend the most time in yesterday?",
}

FAMILIES: dict[str, tuple[str, ...]] = {
    "object_recall": tuple(f"T{i:02d}" for i in range(1, 8)),
    "temporal": tuple(f"T{i:02d}" for i in range(8, 16)),
    "duration": ("T16", "T17", "T18"),
    "attributes": ("T19", "T20", "T21", "T22"),
    "distance": ("T23", "T24", "T25"),
    "receptacles": tuple(f"T{i:02d}" for i in range(26, 36)),
    "rooms": tuple(f"T{i:02d}" for i in range(36, 44)),
    "multi_goal": tuple(f"T{i:02d}" for i in range(44, 51)),
    "multi_day": ("T51", "T52", "T53", "T54"),
    "manipulation": ("T55", "T56", "T57", "T58"),
    "questions": tuple(f"T{i:02d}" for i in range(59, 64)),
}
FAMILY_OF: dict[str, str] = {t: fam for fam, ts in FAMILIES.items() for t in ts}
ALL_TEMPLATES: tuple[str, ...] = tuple(sorted(PHRASINGS))

GOAL_KINDS = ("object", "receptacle", "room")
TASK_KINDS = ("navigate", "multi", "manipulate", "question")


@dataclass(frozen=True)
class Goal:
    """One navigation goal: reaching any id in ``valid`` (env object/receptacle ids or room ids)."""

    kind: str
    valid: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.kind not in GOAL_KINDS:
            raise ValueError(f"goal kind must be one of {GOAL_KINDS}, got {self.kind!r}")
        if not self.valid:
            raise ValueError("a goal needs at least one valid target")


@dataclass(frozen=True)
class Placement:
    """Goal predicate: one of ``objects`` ends on/in one of ``receptacles`` (closed if asked)."""

    objects: tuple[str, ...]
    receptacles: tuple[str, ...]
    closed_after: bool = False


@dataclass
class TaskInstance:
    """One filled template, ready to give to an agent and to score."""

    task_id: str
    episode_id: str
    template_id: str
    text: str
    kind: str
    goals: list[Goal] = field(default_factory=list)
    ordered: bool = False
    placements: list[Placement] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    """Normalised valid answers (see :func:`normalize_answer`)."""
    slots: dict[str, str] = field(default_factory=dict)
    start_pose: tuple[float, float, float] | None = None
    """(x, y, yaw) where the agent starts the task; distance templates are relative to it."""
    source: dict[str, Any] = field(default_factory=dict)
    """What filled the template (interaction indices, day, ...), for debugging reports."""

    def __post_init__(self) -> None:
        if self.template_id not in PHRASINGS:
            raise ValueError(f"unknown template {self.template_id!r}; expected T01..T63")
        if self.kind not in TASK_KINDS:
            raise ValueError(f"task kind must be one of {TASK_KINDS}, got {self.kind!r}")
        if self.kind in ("navigate", "multi") and not self.goals:
            raise ValueError(f"{self.task_id}: a {self.kind} task needs goals")
        if self.kind == "manipulate" and not self.placements:
            raise ValueError(f"{self.task_id}: a manipulation task needs placements")
        if self.kind == "question" and not self.answers:
            raise ValueError(f"{self.task_id}: a question needs at least one valid answer")

    @property
    def family(self) -> str:
        return FAMILY_OF[self.template_id]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TaskInstance:
        try:
            d = dict(data)
            d["goals"] = [Goal(g["kind"], tuple(g["valid"])) for g in d.get("goals", [])]
            d["placements"] = [
                Placement(
                    tuple(p["objects"]), tuple(p["receptacles"]), bool(p.get("closed_after", False))
                )
                for p in d.get("placements", [])
            ]
            if d.get("start_pose") is not None:
                d["start_pose"] = tuple(d["start_pose"])
            return cls(**d)
        except (KeyError, TypeError) as exc:
            raise ValueError(f"invalid task instance {data.get('task_id')!r}: {exc}") from exc


_NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}
_DROP = {"a", "an", "the"}


def humanize(name: str) -> str:
    """``"CounterTop"`` -> ``"counter top"``; ``"living_room"`` -> ``"living room"``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|_", " ", str(name))
    return " ".join(spaced.lower().split())


def normalize_answer(text: str) -> str:
    """Lower-case words without punctuation, articles or spelled-out numbers.

    ``"The CounterTop, in the Kitchen."`` -> ``"counter top in kitchen"``; ``"Three"`` -> ``"3"``.
    """
    words = re.sub(r"[^a-z0-9 ]+", " ", humanize(text)).split()
    return " ".join(_NUMBER_WORDS.get(w, w) for w in words if w not in _DROP)
