"""What the episodic log records: keyframes (what the agent saw) and events (what it did).

Keyframes keep frame indices (FindingDory's baselines answer with frame indices), the agent
pose, the room and the memory objects visible in the frame with their pixel coverage. Events
are the agent's own pick/place/open/close interactions and its room entries/exits. The log that
collects them is :class:`embodied_mem.memory.episodic.EpisodicLog`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from envs.timeutil import parse_hhmm
from envs.types import AgentPose


class EventKind(str, Enum):
    """What happened. Interactions are the agent's own; room events come from its pose."""

    PICK = "pick"
    PLACE = "place"
    OPEN = "open"
    CLOSE = "close"
    ROOM_ENTER = "room_enter"
    ROOM_EXIT = "room_exit"

    @classmethod
    def parse(cls, value: str | EventKind) -> EventKind:
        try:
            return cls(value)
        except ValueError:
            known = ", ".join(k.value for k in cls)
            raise ValueError(f"unknown event kind {value!r}; expected one of: {known}") from None


INTERACTION_KINDS = frozenset({EventKind.PICK, EventKind.PLACE, EventKind.OPEN, EventKind.CLOSE})


@dataclass(frozen=True)
class Keyframe:
    """One kept frame.

    Attributes:
        frame_index: running frame index of the episode.
        time: simulation seconds. ``day`` / ``time_of_day`` give the wall clock.
        pose: agent base pose at the frame.
        room_id: room the agent stood in (env annotation), or None outside every room.
        visible: memory id -> fraction of the image's pixels covered by the object's mask.
        thumbnail: optional small JPEG bytes of the RGB frame.
    """

    frame_index: int
    time: float
    day: int
    time_of_day: str
    pose: AgentPose
    room_id: str | None
    visible: dict[str, float] = field(default_factory=dict)
    thumbnail: bytes | None = None

    @property
    def minutes_of_day(self) -> int:
        return parse_hhmm(self.time_of_day)


@dataclass(frozen=True)
class Event:
    """One interaction or room entry/exit.

    Attributes:
        event_id: running id, unique within a memory (ordering tie-breaker).
        kind: see :class:`EventKind`.
        start_time / end_time: simulation seconds; equal for instantaneous events.
        start_frame / end_frame: frame indices.
        day / time_of_day: wall clock at ``start_time``.
        object_id: memory id of the object acted on (for open/close: the container).
        source_id: receptacle memory id the object was picked from (pick events).
        target_id: receptacle memory id the object was placed on/in (place events).
        room_id: room id (room events: the room entered/exited; interactions: where it happened).
        point: world point (x, y, z) where the agent acted, or None.
        pose: agent pose at the event, or None.
    """

    event_id: int
    kind: EventKind
    start_time: float
    end_time: float
    start_frame: int
    end_frame: int
    day: int
    time_of_day: str
    object_id: str | None = None
    source_id: str | None = None
    target_id: str | None = None
    room_id: str | None = None
    point: tuple[float, float, float] | None = None
    pose: AgentPose | None = None

    @property
    def minutes_of_day(self) -> int:
        return parse_hhmm(self.time_of_day)

    @property
    def is_interaction(self) -> bool:
        return self.kind in INTERACTION_KINDS
