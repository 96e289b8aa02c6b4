"""Room queries behind :class:`~embodied_mem.memory.retrieval.MemoryQuery`.

Rooms are the env's room annotations (Habitat regions, AI2-THOR rooms, built-in footprints),
given to the long-term memory at construction; the agent's visits come from the episodic log's
room entry/exit events, which follow ``Observation.room_id`` frame by frame.
"""

from __future__ import annotations

from embodied_mem.memory import retrieval_events as rev
from embodied_mem.memory.episodic_records import EventKind
from embodied_mem.memory.results import Evidence, RoomHit, RoomVisit
from embodied_mem.memory.retrieval_context import QuerySources
from envs.timeutil import ClockSamples, parse_hhmm


def _hit(
    src: QuerySources, room_id: str, score: float = 1.0, evidence: Evidence | None = None
) -> RoomHit:
    rec = src.lt.rooms.get(room_id)
    if rec is None:  # a room id the env reported but did not annotate
        return RoomHit(
            room_id, room_id, "unknown", (float("nan"), float("nan")), score, evidence or Evidence()
        )
    return RoomHit(
        room_id, rec.name, rec.room_type, src.lt.room_anchor(room_id), score, evidence or Evidence()
    )


def all_rooms(src: QuerySources) -> list[RoomHit]:
    return [_hit(src, rid) for rid in sorted(src.lt.rooms)]


def room_visits(src: QuerySources, day: int) -> list[RoomVisit]:
    """Enter→exit pairs of ``day``; a visit still open ends at the day's last logged frame."""
    visits: list[RoomVisit] = []
    open_: dict[str, tuple[float, int, str]] = {}
    for ev in src.log.events_on(day):
        if ev.kind is EventKind.ROOM_ENTER and ev.room_id:
            open_[ev.room_id] = (ev.start_time, ev.start_frame, ev.time_of_day)
        elif ev.kind is EventKind.ROOM_EXIT and ev.room_id in open_:
            t0, f0, tod = open_.pop(ev.room_id)
            visits.append(RoomVisit(ev.room_id, day, t0, ev.start_time, f0, ev.start_frame, tod))
    span = src.log.day_span(day)
    for rid, (t0, f0, tod) in open_.items():
        t1, f1 = (span[1], span[3]) if span else (t0, f0)
        visits.append(RoomVisit(rid, day, t0, t1, f0, f1, tod))
    visits.sort(key=lambda v: (v.enter_time, v.enter_frame))
    return visits


def _visit_evidence(visits: list[RoomVisit]) -> Evidence:
    times = tuple(t for v in visits for t in (v.enter_time, v.exit_time))
    frames = tuple(f for v in visits for f in (v.enter_frame, v.exit_frame))
    return Evidence((), times, frames, note=f"{len(visits)} visit(s)")


def start_room(src: QuerySources, day: int) -> RoomHit | None:
    v = room_visits(src, day)
    return _hit(src, v[0].room_id, evidence=_visit_evidence(v[:1])) if v else None


def end_room(src: QuerySources, day: int) -> RoomHit | None:
    v = room_visits(src, day)
    return _hit(src, v[-1].room_id, evidence=_visit_evidence(v[-1:])) if v else None


def time_in_rooms(src: QuerySources, day: int) -> list[RoomHit]:
    per: dict[str, list[RoomVisit]] = {}
    for v in room_visits(src, day):
        per.setdefault(v.room_id, []).append(v)
    hits = [
        _hit(src, rid, sum(v.duration for v in vs), _visit_evidence(vs)) for rid, vs in per.items()
    ]
    hits.sort(key=lambda h: (-h.score, h.room_id))
    return hits


def visited_rooms(src: QuerySources, day: int) -> list[RoomHit]:
    """Rooms in order of visits (consecutive repeats collapsed, revisits kept, as T49 asks)."""
    out: list[RoomHit] = []
    for v in room_visits(src, day):
        if out and out[-1].room_id == v.room_id:
            continue
        out.append(_hit(src, v.room_id, evidence=_visit_evidence([v])))
    return out


def unvisited_rooms(src: QuerySources, day: int) -> list[RoomHit]:
    seen = {v.room_id for v in room_visits(src, day)}
    return [_hit(src, rid) for rid in sorted(src.lt.rooms) if rid not in seen]


def day_clock(src: QuerySources, day: int) -> ClockSamples:
    samples = [(k.minutes_of_day, k.time) for k in _keyframes_of_day(src, day)]
    samples += [(e.minutes_of_day, e.start_time) for e in src.log.events_on(day)]
    return ClockSamples.from_samples(samples)


def _keyframes_of_day(src: QuerySources, day: int) -> list:
    span = src.log.day_span(day)
    if span is None:
        return []
    return [k for k in src.log.keyframes_between(span[0], span[1]) if k.day == day]


def seconds_at(src: QuerySources, time_of_day: str, day: int) -> float | None:
    return day_clock(src, day).seconds_at(parse_hhmm(time_of_day))


def room_at(src: QuerySources, time_of_day: str, day: int) -> RoomHit | None:
    t = seconds_at(src, time_of_day, day)
    if t is None:
        return None
    visits = room_visits(src, day)
    for v in visits:
        if v.enter_time <= t <= v.exit_time:
            return _hit(src, v.room_id, evidence=_visit_evidence([v]))
    if not visits:
        return None
    # Between rooms (a doorway frame): the nearest visit in time is the honest answer.
    v = min(visits, key=lambda v: min(abs(v.enter_time - t), abs(v.exit_time - t)))
    return _hit(src, v.room_id, score=0.5, evidence=_visit_evidence([v]))


def room_of_interaction(src: QuerySources, category: str, kind: str, day: int) -> RoomHit | None:
    hits = rev.interactions(src, kind=kind, day=day, category=category)
    hits = [h for h in hits if h.event.room_id]
    if not hits:
        return None
    ev = hits[-1].event
    assert ev.room_id is not None
    return _hit(src, ev.room_id, evidence=Evidence.of_event(ev))
