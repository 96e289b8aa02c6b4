"""Episode specifications and the ground truth an experience phase records.

An :class:`EpisodeSpec` is everything needed to replay an episode deterministically (house
seed, days, interactions per day, overnight changes, enabled templates, seed). An
:class:`ExperienceRecord` is what the oracle did: every interaction, every room visit, start and
end rooms, overnight changes and where each object sat at the start of each day. Both export to
plain JSON (schema-versioned) so a suite can be frozen and shared.
"""

from __future__ import annotations

import json
import logging
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from envs.timeutil import parse_hhmm

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
"""Bump when a stored field changes meaning; loaders refuse other versions with a clear error."""


class EpisodeFormatError(ValueError):
    """A stored episode/suite/record does not match the schema; the message names the field."""


def _check_keys(cls: type, data: dict[str, Any], what: str) -> None:
    if not isinstance(data, dict):
        raise EpisodeFormatError(f"{what} must be a JSON object, got {type(data).__name__}")
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise EpisodeFormatError(f"{what} has unknown field(s) {unknown}; known: {sorted(names)}")
    required = {
        f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING
    }
    missing = sorted(n for n in required if n not in data)
    if missing:
        raise EpisodeFormatError(f"{what} is missing field(s) {missing}")


@dataclass
class EpisodeSpec:
    """What to replay: the house, the experience schedule and which templates to fill."""

    episode_id: str
    """Unique name of the episode inside its suite (used in result files)."""
    seed: int
    """Master seed: the oracle's plan, overnight changes and template sampling derive from it."""
    house_seed: int
    """Seed of the procedural house (passed to the env's reset)."""
    interactions_per_day: list[int]
    """K for every experience day (its length is the number of days D)."""
    overnight_changes: int = 0
    """Objects moved after every experience day (so also before phase 2) while the agent is away."""
    templates: list[str] = field(default_factory=list)
    """Enabled template ids (``T01``..``T63``); empty means all."""
    env: str = "builtin"
    """Registered env name."""
    env_options: dict[str, Any] = field(default_factory=dict)
    """Fields of the env's config dataclass (image size, rooms, steps_per_day, ...), stored verbatim."""
    rearrangements: list[list[list[str]]] = field(default_factory=list)
    """Per day, the (object id, goal receptacle id) pairs the oracle performs in this order
    (an external episode's plan, e.g. FindingDory's); empty: sampled from the seed."""
    instructions: list[dict[str, Any]] = field(default_factory=list)
    """External instructions (FindingDory's ``task_id``/``lang``/``goal_expr``) resolved into
    tasks after the experience instead of filling the templates."""

    def __post_init__(self) -> None:
        if not self.episode_id:
            raise ValueError("episode_id must be a non-empty string")
        if not self.interactions_per_day:
            raise ValueError("interactions_per_day must list K for at least one day")
        bad = [k for k in self.interactions_per_day if int(k) < 1]
        if bad:
            raise ValueError(
                f"every day needs at least 1 interaction, got {self.interactions_per_day}"
            )
        if self.overnight_changes < 0:
            raise ValueError(f"overnight_changes must be >= 0, got {self.overnight_changes}")
        unknown = [
            t
            for t in self.templates
            if not (len(t) == 3 and t[0] == "T" and t[1:].isdigit() and 1 <= int(t[1:]) <= 63)
        ]
        if unknown:
            raise ValueError(f"unknown template id(s) {unknown}; use T01..T63 as in TASKS.md")

    @property
    def days(self) -> int:
        return len(self.interactions_per_day)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EpisodeSpec:
        _check_keys(cls, data, "episode spec")
        try:
            return cls(**data)
        except (TypeError, ValueError) as exc:
            raise EpisodeFormatError(
                f"invalid episode spec {data.get('episode_id')!r}: {exc}"
            ) from exc


@dataclass
class InteractionRecord:
    """One pick-and-place by the oracle. Times are env seconds and ``HH:MM`` of that day.

    ``start_*`` is the pick, ``end_*`` the place: the duration is the time it took to rearrange.
    """

    index: int
    """Running index over the whole experience (0-based, in time order)."""
    day: int
    object_id: str
    category: str
    attributes: dict[str, str]
    start_receptacle: str
    start_receptacle_category: str
    goal_receptacle: str
    goal_receptacle_category: str
    pick_room: str | None
    place_room: str | None
    start_seconds: float
    end_seconds: float
    start_time: str
    end_time: str
    start_frame: int
    end_frame: int
    opened: list[str] = field(default_factory=list)
    """Ids of the containers the oracle opened (and closed again) for this interaction."""
    pick_point: tuple[float, float, float] | None = None
    place_point: tuple[float, float, float] | None = None
    planned_goal: str = ""
    """The receptacle the oracle meant to use; differs from ``goal_receptacle`` when that one
    refused the object and it was put elsewhere (possibly back where it came from)."""

    @property
    def duration(self) -> float:
        return self.end_seconds - self.start_seconds

    @property
    def start_minute(self) -> int:
        return parse_hhmm(self.start_time)

    @property
    def end_minute(self) -> int:
        return parse_hhmm(self.end_time)


@dataclass
class RoomVisit:
    """A stay in one room: entered at ``enter_*``, left at ``exit_*`` (same day)."""

    day: int
    room_id: str
    enter_seconds: float
    exit_seconds: float
    enter_time: str
    exit_time: str

    @property
    def duration(self) -> float:
        return self.exit_seconds - self.enter_seconds


@dataclass
class OvernightChange:
    """An object moved while the agent was away, after experience day ``after_day``."""

    after_day: int
    object_id: str
    category: str
    from_receptacle: str
    to_receptacle: str


@dataclass
class ExperienceRecord:
    """Ground truth of the experience phase (evaluation and template filling only)."""

    episode_id: str
    days: int
    interactions: list[InteractionRecord] = field(default_factory=list)
    visits: list[RoomVisit] = field(default_factory=list)
    start_rooms: list[str | None] = field(default_factory=list)
    """Room the agent started each day in (index = day)."""
    end_rooms: list[str | None] = field(default_factory=list)
    overnight: list[OvernightChange] = field(default_factory=list)
    day_start_receptacles: list[dict[str, str]] = field(default_factory=list)
    """For every day, object id -> receptacle id at the start of that day (after overnight moves)."""
    final_receptacles: dict[str, str] = field(default_factory=dict)
    """Object id -> receptacle id when the experience ended (after the last overnight moves)."""
    num_frames: int = 0
    oracle: str = "oracle"
    """Who acted in phase 1; always the scripted oracle, labelled so results say so."""
    oracle_fallbacks: int = 0
    """Policy failures the oracle recovered from via the env's viewpoints (a policy-quality signal)."""
    opened_without_interaction: list[list[str]] = field(default_factory=list)
    """Per day, containers the oracle opened (and closed) in attempts that moved nothing."""
    slots_given_up: list[int] = field(default_factory=list)
    """Per day, interaction slots not used because no pair could be executed or the day's
    steps left could not fit another interaction (the record holds what did happen)."""

    def opened_on(self, day: int) -> list[str]:
        """Every container opened on ``day``: for an interaction or in an attempt that failed."""
        stray = (
            self.opened_without_interaction[day]
            if day < len(self.opened_without_interaction)
            else []
        )
        return sorted({r for i in self.on_day(day) for r in i.opened} | set(stray))

    @property
    def last_day(self) -> int:
        return self.days - 1

    def on_day(self, day: int) -> list[InteractionRecord]:
        return sorted((i for i in self.interactions if i.day == day), key=lambda i: i.start_seconds)

    def visits_on(self, day: int) -> list[RoomVisit]:
        return sorted((v for v in self.visits if v.day == day), key=lambda v: v.enter_seconds)

    def time_per_room(self, day: int) -> dict[str, float]:
        out: dict[str, float] = {}
        for v in self.visits_on(day):
            out[v.room_id] = out.get(v.room_id, 0.0) + v.duration
        return out

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExperienceRecord:
        _check_keys(cls, data, "experience record")
        try:
            d = dict(data)
            d["interactions"] = [
                _load(InteractionRecord, i, "interaction") for i in d.get("interactions", [])
            ]
            d["visits"] = [_load(RoomVisit, v, "room visit") for v in d.get("visits", [])]
            d["overnight"] = [
                _load(OvernightChange, o, "overnight change") for o in d.get("overnight", [])
            ]
            return cls(**d)
        except TypeError as exc:
            raise EpisodeFormatError(f"invalid experience record: {exc}") from exc


def _load(cls: type, data: dict[str, Any], what: str) -> Any:
    _check_keys(cls, data, what)
    d = dict(data)
    for key in ("pick_point", "place_point"):
        if d.get(key) is not None:
            d[key] = tuple(d[key])
    return cls(**d)


def write_json(path: str | Path, kind: str, payload: dict[str, Any]) -> Path:
    """Write ``payload`` with a schema header; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"schema_version": SCHEMA_VERSION, "kind": kind, **payload}
    path.write_text(json.dumps(doc, indent=1, sort_keys=True))
    return path


def read_json(path: str | Path, kind: str) -> dict[str, Any]:
    """Read a file written by :func:`write_json`, checking kind and schema version.

    Raises:
        FileNotFoundError: the file does not exist.
        EpisodeFormatError: not JSON, another kind of file, or another schema version.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such {kind} file: {path}")
    try:
        doc = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise EpisodeFormatError(f"{path} is not valid JSON ({exc}); re-export it") from exc
    if not isinstance(doc, dict) or doc.get("kind") != kind:
        got = doc.get("kind") if isinstance(doc, dict) else type(doc).__name__
        raise EpisodeFormatError(f"{path} holds {got!r}, expected a {kind!r} file")
    version = doc.get("schema_version")
    if version != SCHEMA_VERSION:
        raise EpisodeFormatError(
            f"{path} has schema_version {version!r} but this version of embodied_mem reads "
            f"{SCHEMA_VERSION}; regenerate the file with this version"
        )
    return doc
