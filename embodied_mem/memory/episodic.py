"""Episodic log: keyframes and events of what the agent saw and did, in order.

Keyframes keep frame indices (FindingDory's baselines answer with frame indices), the agent
pose, the room (from the env's room annotations, see :mod:`embodied_mem.memory.long_term`)
and the memory objects visible in the frame with their pixel coverage. Events are the agent's
own pick/place/open/close interactions (start/end times and frames, object and receptacle
memory ids) and room entries/exits derived from the room of consecutive frames.

The record types are in :mod:`embodied_mem.memory.episodic_records`; which frames become
keyframes (and their thumbnails) in :mod:`embodied_mem.memory.keyframing`.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from embodied_mem.memory.episodic_records import Event, EventKind, Keyframe
from embodied_mem.memory.keyframing import EpisodicConfig, encode_thumbnail, jaccard_distance
from envs.types import AgentPose, SimTime

if TYPE_CHECKING:
    import numpy as np

# The record types and the keyframe config are defined next door; this module's names stay the
# ones the memory, its codec and store, the planners and the benchmark import.
__all__ = [
    "EpisodicConfig",
    "EpisodicLog",
    "Event",
    "EventKind",
    "Keyframe",
    "encode_thumbnail",
]

logger = logging.getLogger(__name__)


class EpisodicLog:
    """Keyframes and events, indexed by day and time for retrieval.

    New items are also queued in ``pending_keyframes`` / ``pending_events`` until the owner
    (the :class:`~embodied_mem.memory.memory.AgentMemory`) persists them and calls
    :meth:`clear_pending`.
    """

    def __init__(self, config: EpisodicConfig | None = None) -> None:
        self.config = config or EpisodicConfig()
        self.keyframes: list[Keyframe] = []
        self.events: list[Event] = []
        self._kf_times: list[float] = []
        self._kf_by_object: dict[str, list[Keyframe]] = {}
        self._events_by_day: dict[int, list[Event]] = {}
        self._day_span: dict[int, tuple[float, float, int, int]] = {}
        self._current_room: str | None = None
        self._last_kf_frame: int | None = None
        self._last_frame: tuple[float, int, int, str] | None = None  # time, frame, day, hh:mm
        self._next_event_id = 0
        self.version = 0
        """Bumped whenever events change, so readers can cache derived results."""
        self.pending_keyframes: list[Keyframe] = []
        self.pending_events: list[Event] = []

    # ------------------------------------------------------------------ writing
    def observe_frame(
        self,
        frame_index: int,
        time: SimTime,
        pose: AgentPose,
        room_id: str | None,
        visible_pixels: dict[str, int],
        image_pixels: int,
        rgb: np.ndarray | Callable[[], np.ndarray | None] | None = None,
    ) -> Keyframe | None:
        """Log one frame: emit room exit/enter events and keep it as a keyframe if selected.

        Args:
            visible_pixels: memory id -> mask pixels of the object in this frame.
            image_pixels: H * W of the frame, to turn pixels into coverage.
            rgb: the frame's image for a thumbnail, or a function returning it: called only
                for a frame kept as a keyframe (an adapter may render colour on demand).
        Returns:
            The new keyframe, or None if the frame was not selected.
        """
        if image_pixels <= 0:
            raise ValueError(f"image_pixels must be positive, got {image_pixels}")
        if self._last_frame is not None and time.seconds < self._last_frame[0]:
            raise ValueError(
                f"frame {frame_index} at t={time.seconds}s is older than the last logged frame "
                f"(t={self._last_frame[0]}s); frames must arrive in time order"
            )
        self._track_day(time, frame_index)
        if room_id != self._current_room:
            if self._current_room is not None:
                self._emit_room(EventKind.ROOM_EXIT, self._current_room, time, frame_index, pose)
            if room_id is not None:
                self._emit_room(EventKind.ROOM_ENTER, room_id, time, frame_index, pose)
            self._current_room = room_id
        self._last_frame = (time.seconds, frame_index, time.day, time.time_of_day)
        cfg = self.config
        visible = {
            k: v / image_pixels
            for k, v in visible_pixels.items()
            if v / image_pixels >= cfg.min_coverage
        }
        if not self._is_keyframe(frame_index, visible):
            return None
        thumb = None
        if cfg.thumbnails:
            image = rgb() if callable(rgb) else rgb
            if image is not None:
                thumb = encode_thumbnail(image, cfg.thumbnail_width, cfg.thumbnail_quality)
        kf = Keyframe(
            frame_index,
            time.seconds,
            time.day,
            time.time_of_day,
            pose,
            room_id,
            dict(sorted(visible.items())),
            thumb,
        )
        self.add_keyframe(kf)
        return kf

    def _is_keyframe(self, frame_index: int, visible: dict[str, float]) -> bool:
        cfg = self.config
        if not self.keyframes or self._last_kf_frame is None:
            return True
        if cfg.keyframe_every and frame_index - self._last_kf_frame >= cfg.keyframe_every:
            return True
        return jaccard_distance(visible, self.keyframes[-1].visible) > cfg.visible_change

    def _track_day(self, time: SimTime, frame_index: int) -> None:
        span = self._day_span.get(time.day)
        if span is None:
            self._day_span[time.day] = (time.seconds, time.seconds, frame_index, frame_index)
        else:
            self._day_span[time.day] = (span[0], time.seconds, span[2], frame_index)

    def _emit_room(
        self, kind: EventKind, room_id: str, time: SimTime, frame: int, pose: AgentPose | None
    ) -> None:
        self.add_event(kind, time, frame, room_id=room_id, pose=pose)

    def end_day(self) -> None:
        """Close the open room visit at the last frame of the day (called by ``start_day``)."""
        if self._current_room is not None and self._last_frame is not None:
            t, frame, day, hhmm = self._last_frame
            self._emit_room(
                EventKind.ROOM_EXIT, self._current_room, SimTime(t, day, hhmm), frame, None
            )
        self._current_room = None
        self._last_kf_frame = None

    def add_event(
        self,
        kind: EventKind | str,
        time: SimTime,
        frame_index: int,
        *,
        end_time: float | None = None,
        end_frame: int | None = None,
        object_id: str | None = None,
        source_id: str | None = None,
        target_id: str | None = None,
        room_id: str | None = None,
        point: tuple[float, float, float] | None = None,
        pose: AgentPose | None = None,
    ) -> Event:
        """Append an event (start at ``time``/``frame_index``) and return it."""
        kind = EventKind.parse(kind)
        end_t = time.seconds if end_time is None else float(end_time)
        end_f = frame_index if end_frame is None else int(end_frame)
        if end_t < time.seconds or end_f < frame_index:
            raise ValueError(
                f"{kind.value} event ends before it starts "
                f"(t {time.seconds}->{end_t}, frames {frame_index}->{end_f})"
            )
        ev = Event(
            self._next_event_id,
            kind,
            float(time.seconds),
            end_t,
            int(frame_index),
            end_f,
            time.day,
            time.time_of_day,
            object_id,
            source_id,
            target_id,
            room_id,
            None if point is None else tuple(float(v) for v in point),  # type: ignore[arg-type]
            pose,
        )
        self._insert_event(ev)
        self.pending_events.append(ev)
        return ev

    def _insert_event(self, ev: Event) -> None:
        self.version += 1
        self._next_event_id = max(self._next_event_id, ev.event_id + 1)
        self.events.append(ev)
        day_list = self._events_by_day.setdefault(ev.day, [])
        key = (ev.start_time, ev.event_id)
        pos = bisect.bisect_right([(e.start_time, e.event_id) for e in day_list], key)
        day_list.insert(pos, ev)

    def add_keyframe(self, kf: Keyframe, *, pending: bool = True) -> None:
        pos = bisect.bisect_right(self._kf_times, kf.time)
        self._kf_times.insert(pos, kf.time)
        self.keyframes.insert(pos, kf)
        for mid in kf.visible:
            self._kf_by_object.setdefault(mid, []).append(kf)
        self._last_kf_frame = kf.frame_index
        self._track_day(SimTime(kf.time, kf.day, kf.time_of_day), kf.frame_index)
        if pending:
            self.pending_keyframes.append(kf)

    def load(
        self,
        keyframes: Iterable[Keyframe],
        events: Iterable[Event],
        day_spans: dict[int, tuple[float, float, int, int]],
    ) -> None:
        """Restore persisted items (not queued as pending)."""
        for kf in keyframes:
            self.add_keyframe(kf, pending=False)
        for ev in sorted(events, key=lambda e: e.event_id):
            self._insert_event(ev)
        self._day_span.update(day_spans)
        self._last_kf_frame = None
        self._resume_state()

    def _resume_state(self) -> None:
        """After a reload, continue where the log stopped: the last frame and an open room visit."""
        stamps = [(k.time, k.frame_index, k.day, k.time_of_day) for k in self.keyframes[-1:]]
        stamps += [(e.end_time, e.end_frame, e.day, e.time_of_day) for e in self.events[-1:]]
        if not stamps:
            return
        last = max(stamps)
        span = self._day_span.get(last[2])
        if span is not None and span[1] > last[0]:  # later non-key frames were logged that day
            last = (span[1], span[3], last[2], last[3])
        self._last_frame = last
        room_events = [
            e
            for e in self.events_on(last[2])
            if e.kind in (EventKind.ROOM_ENTER, EventKind.ROOM_EXIT)
        ]
        if room_events and room_events[-1].kind is EventKind.ROOM_ENTER:
            self._current_room = room_events[-1].room_id

    def clear_pending(self) -> None:
        self.pending_keyframes.clear()
        self.pending_events.clear()

    def relink(self, event: Event) -> None:
        """Replace the logged event with ``event``'s id by ``event`` (same time, new ids: an
        interaction linked to its object after the fact); queued to be persisted again."""
        for i, ev in enumerate(self.events):
            if ev.event_id == event.event_id:
                self.events[i] = event
                break
        else:
            raise KeyError(f"no event {event.event_id} in the log")
        day_list = self._events_by_day.get(event.day, [])
        for i, ev in enumerate(day_list):
            if ev.event_id == event.event_id:
                day_list[i] = event
        self.pending_events[:] = [e for e in self.pending_events if e.event_id != event.event_id]
        self.pending_events.append(event)
        self.version += 1

    def remap_object(self, old: str, new: str) -> int:
        """Rewrite memory ids after the mapper merged ``old`` into ``new``; returns events changed.

        Keyframes keep the id they were logged with (history); lookups resolve aliases.
        """
        if old in self._kf_by_object:
            merged = self._kf_by_object.pop(old) + self._kf_by_object.get(new, [])
            self._kf_by_object[new] = sorted(merged, key=lambda k: (k.time, k.frame_index))
        changed = 0
        for i, ev in enumerate(self.events):
            if old in (ev.object_id, ev.source_id, ev.target_id):
                self.events[i] = _replace_ids(ev, old, new)
                changed += 1
        if changed:
            self.version += 1
            for day, lst in self._events_by_day.items():
                self._events_by_day[day] = [_replace_ids(e, old, new) for e in lst]
            self.pending_events[:] = [_replace_ids(e, old, new) for e in self.pending_events]
        return changed

    # ------------------------------------------------------------------ reading
    @property
    def current_room(self) -> str | None:
        """Room of the last logged frame (None between days)."""
        return self._current_room

    def last_frame_time(self) -> float | None:
        """Sim seconds of the last logged frame or event, or None if the log is empty."""
        return None if self._last_frame is None else self._last_frame[0]

    def days(self) -> list[int]:
        return sorted(self._day_span)

    def day_span(self, day: int) -> tuple[float, float, int, int] | None:
        """(first time, last time, first frame, last frame) logged on ``day``, or None."""
        return self._day_span.get(day)

    def events_on(self, day: int | None = None) -> list[Event]:
        """Events of one day (or all days) in time order."""
        if day is None:
            return sorted(self.events, key=lambda e: (e.start_time, e.event_id))
        return self._events_by_day.get(day, [])

    def keyframes_with(self, memory_id: str) -> list[Keyframe]:
        """Keyframes in which ``memory_id`` was visible (index, O(result))."""
        return self._kf_by_object.get(memory_id, [])

    def keyframes_between(self, t0: float, t1: float) -> list[Keyframe]:
        lo = bisect.bisect_left(self._kf_times, t0)
        hi = bisect.bisect_right(self._kf_times, t1)
        return self.keyframes[lo:hi]

    def keyframe_near(self, t: float) -> Keyframe | None:
        """The keyframe closest in time to ``t``."""
        if not self.keyframes:
            return None
        i = bisect.bisect_left(self._kf_times, t)
        cands = [j for j in (i - 1, i) if 0 <= j < len(self.keyframes)]
        return self.keyframes[min(cands, key=lambda j: abs(self._kf_times[j] - t))]


def _replace_ids(ev: Event, old: str, new: str) -> Event:
    from dataclasses import replace

    def sub(v: str | None) -> str | None:
        return new if v == old else v

    return replace(
        ev, object_id=sub(ev.object_id), source_id=sub(ev.source_id), target_id=sub(ev.target_id)
    )
