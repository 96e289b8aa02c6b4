"""What template fillers read: the experience record, the world now, and seeded choices.

Fillers never invent answers: every slot is drawn from ground truth and every valid target
set is computed from it, so an instance always has at least one valid answer. A filler that
the episode cannot support raises :class:`Unsupported` and the template is skipped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from embodied_mem.benchmark.episode import ExperienceRecord, InteractionRecord
from embodied_mem.benchmark.task import Goal, Placement
from envs.base import Navigability
from envs.ground_truth import GroundTruth, ObjectRecord
from envs.timeutil import DayPeriods

T = TypeVar("T")


class Unsupported(Exception):
    """The episode cannot support this template (the message says why)."""


@dataclass
class TemplateConfig:
    """Thresholds that decide when two candidate answers tie (ties become valid alternatives)."""

    duration_tie_s: float = 2.0
    """Interactions whose durations differ by less than this tie for longest/shortest."""
    duration_about_rel: float = 0.15
    """T18: durations within this fraction of N seconds count as 'about N seconds'."""
    duration_about_abs_s: float = 3.0
    """T18: ... or within this many seconds, whichever is larger."""
    distance_tie_m: float = 0.5
    """Farthest/closest ties: geodesic distances within this many metres."""
    room_time_tie_s: float = 5.0
    """Most/least time in a room ties within this many seconds."""
    periods: DayPeriods = field(default_factory=DayPeriods)
    """Morning/afternoon/evening (T10); the episode runner passes the memory's
    ``RetrievalConfig.periods`` so the question and the agent's answer agree."""
    attribute_keys: tuple[str, ...] = ("color", "shape", "material")
    """Attribute names the attribute templates read from ``ObjectRecord.attributes``."""

    def __post_init__(self) -> None:
        for name in (
            "duration_tie_s",
            "duration_about_rel",
            "duration_about_abs_s",
            "distance_tie_m",
            "room_time_tie_s",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")


@dataclass
class Filled:
    """A filler's result: slot values (display text) and what counts as success."""

    slots: dict[str, str]
    kind: str
    goals: list[Goal] = field(default_factory=list)
    ordered: bool = False
    placements: list[Placement] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    source: dict[str, Any] = field(default_factory=dict)


@dataclass
class Ctx:
    """Everything a filler may read. ``gt`` is the world at the start of phase 2."""

    record: ExperienceRecord
    gt: GroundTruth
    nav: Navigability | None
    start_xy: np.ndarray | None
    rng: np.random.Generator
    config: TemplateConfig

    # --- the record -------------------------------------------------------------------
    @property
    def yesterday(self) -> list[InteractionRecord]:
        return self.record.on_day(self.record.last_day)

    def require_yesterday(self, n: int = 1) -> list[InteractionRecord]:
        y = self.yesterday
        if len(y) < n:
            raise Unsupported(f"needs >= {n} interactions yesterday, episode has {len(y)}")
        return y

    # --- the world --------------------------------------------------------------------
    def obj(self, oid: str) -> ObjectRecord:
        if oid not in self.gt.objects:
            raise Unsupported(f"object {oid!r} of the record is not in the ground truth")
        return self.gt.objects[oid]

    def items(self) -> list[ObjectRecord]:
        """Non-receptacle objects (the things one navigates to and picks)."""
        return sorted(
            (o for o in self.gt.objects.values() if not o.is_receptacle), key=lambda o: o.id
        )

    def receptacles(self) -> list[ObjectRecord]:
        return sorted(self.gt.receptacles(), key=lambda o: o.id)

    def of_category(self, category: str, *, receptacle: bool) -> list[str]:
        pool = self.receptacles() if receptacle else self.items()
        return [o.id for o in pool if o.category == category]

    def room_name(self, room_id: str | None) -> str:
        if room_id is None or room_id not in self.gt.rooms:
            raise Unsupported(f"room {room_id!r} is not in the ground truth")
        return self.gt.rooms[room_id].name

    def rooms_named(self, name: str) -> list[str]:
        return sorted(r.id for r in self.gt.rooms.values() if r.name == name)

    def parent_category(self, oid: str) -> str | None:
        parent = self.obj(oid).parent_receptacle
        return self.gt.objects[parent].category if parent in self.gt.objects else None

    # --- seeded choices ---------------------------------------------------------------
    def choice(self, options: Sequence[T], what: str = "candidates") -> T:
        if not options:
            raise Unsupported(f"no {what}")
        return options[int(self.rng.integers(len(options)))]

    # --- geometry ---------------------------------------------------------------------
    def distance_from_start(self, oid: str) -> float:
        """Geodesic metres from the task's start to the object (walk to its nearest floor point)."""
        if self.nav is None or self.start_xy is None:
            raise Unsupported("distance templates need the env's navigability and a start pose")
        xy = np.asarray(self.obj(oid).center[:2], dtype=float)
        snapped = np.asarray(self.nav.snap(xy), dtype=float)
        d = float(self.nav.geodesic_distance(self.start_xy, snapped))
        return d + float(np.linalg.norm(xy - snapped)) if math.isfinite(d) else math.inf


def uniq(seq: Sequence[T]) -> list[T]:
    """Items in first-seen order without repeats."""
    seen: set[Any] = set()
    out = []
    for x in seq:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out


def obj_goal(ids: Sequence[str]) -> Goal:
    return Goal("object", tuple(sorted(set(ids))))


def rec_goal(ids: Sequence[str]) -> Goal:
    return Goal("receptacle", tuple(sorted(set(ids))))


def room_goal(ids: Sequence[str]) -> Goal:
    return Goal("room", tuple(sorted(set(ids))))


def near_extreme(values: dict[str, float], tie: float, *, largest: bool) -> list[str]:
    """Keys whose finite value is within ``tie`` of the max (or min)."""
    finite = {k: v for k, v in values.items() if math.isfinite(v)}
    if not finite:
        raise Unsupported("no finite values to compare")
    best = max(finite.values()) if largest else min(finite.values())
    return sorted(k for k, v in finite.items() if abs(v - best) <= tie)


def contains_minute(i: InteractionRecord, minute: int) -> bool:
    return i.start_minute <= minute <= i.end_minute


def ordinal(n: int) -> str:
    words = [
        "first",
        "second",
        "third",
        "fourth",
        "fifth",
        "sixth",
        "seventh",
        "eighth",
        "ninth",
        "tenth",
        "eleventh",
        "twelfth",
    ]
    if n <= len(words):
        return words[n - 1]
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
