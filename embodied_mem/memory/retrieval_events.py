"""Interaction and rearrangement queries behind :class:`~embodied_mem.memory.retrieval.MemoryQuery`.

Functions take the :class:`~embodied_mem.memory.retrieval_context.QuerySources` first (the
memories, thresholds and cache); callers resolve day defaults before calling.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from embodied_mem.memory.episodic_records import INTERACTION_KINDS, Event, EventKind
from embodied_mem.memory.long_term import split_camel
from embodied_mem.memory.query_api import TimeRange
from embodied_mem.memory.results import Evidence, InteractionHit, ObjectHit, Rearrangement
from embodied_mem.memory.retrieval_context import QuerySources
from envs.timeutil import DayPeriods, parse_hhmm


def _kinds(kind: str | Iterable[str] | None) -> frozenset[EventKind]:
    if kind is None:
        return INTERACTION_KINDS
    raw = [kind] if isinstance(kind, str | EventKind) else list(kind)
    kinds = frozenset(EventKind.parse(k) for k in raw)
    bad = kinds - INTERACTION_KINDS
    if bad:
        raise ValueError(
            f"interaction kinds are pick/place/open/close; got {sorted(k.value for k in bad)}"
        )
    return kinds


def _days(day: int | Iterable[int] | None) -> list[int | None]:
    if day is None:
        return [None]
    if isinstance(day, int):
        return [day]
    return list(sorted(set(day)))


def day_events(src: QuerySources, day: int | Iterable[int] | None) -> list[Event]:
    out: list[Event] = []
    for d in _days(day):
        out.extend(src.log.events_on(d))
    return out


def _category(src: QuerySources, mid: str | None) -> str | None:
    return src.category_of(mid)


def _to_hit(src: QuerySources, ev: Event) -> InteractionHit:
    return InteractionHit(
        ev,
        _category(src, ev.object_id),
        _category(src, ev.source_id),
        _category(src, ev.target_id),
        Evidence.of_event(ev),
    )


def _time_filter(  # noqa: ANN202 - small closure
    between: TimeRange | None, period: str | None, periods: DayPeriods
):
    if between is not None and period is not None:
        raise ValueError("give either between= or period=, not both")
    if period is not None:
        lo, hi = periods.range_of(period)
        return lambda e: lo <= e.minutes_of_day < hi
    if between is None:
        return None
    a, b = between
    if isinstance(a, str) or isinstance(b, str):
        lo_m, hi_m = parse_hhmm(str(a)), parse_hhmm(str(b))
        if hi_m < lo_m:
            raise ValueError(f"between=({a!r}, {b!r}) ends before it starts")
        # An interaction spans start..end; it is "between" when the spans intersect.
        return lambda e: e.minutes_of_day <= hi_m and _end_minutes(e) >= lo_m
    t0, t1 = float(a), float(b)
    if t1 < t0:
        raise ValueError(f"between=({t0}, {t1}) ends before it starts")
    return lambda e: e.start_time <= t1 and e.end_time >= t0


def _end_minutes(ev: Event) -> int:
    # Events keep the wall clock of their start; a minute-long pick ends in the same minute
    # for every template's purposes, and rearrangement spans are handled in interaction_at.
    return ev.minutes_of_day


def interactions(
    src: QuerySources,
    *,
    kind: str | Iterable[str] | None = None,
    day: int | Iterable[int] | None = None,
    between: TimeRange | None = None,
    period: str | None = None,
    category: str | None = None,
    object_id: str | None = None,
    receptacle_id: str | None = None,
    room: str | None = None,
    attributes: dict[str, str] | None = None,
    receptacle_category: str | None = None,
) -> list[InteractionHit]:
    """See :meth:`MemoryQuery.interactions <embodied_mem.memory.retrieval.MemoryQuery.interactions>`."""
    kinds = _kinds(kind)
    tf = _time_filter(between, period, src.config.periods)
    oid = src.lt.resolve(object_id) if object_id else None
    rid = src.lt.resolve(receptacle_id) if receptacle_id else None
    out: list[InteractionHit] = []
    for ev in day_events(src, day):
        if ev.kind not in kinds or (tf is not None and not tf(ev)):
            continue
        if oid is not None and ev.object_id != oid:
            continue
        if rid is not None and rid not in receptacles_of_event(ev):
            continue
        if room is not None and ev.room_id != room:
            continue
        hit = _to_hit(src, ev)
        if category is not None and (hit.object_category or "").lower() != category.lower():
            continue
        if receptacle_category is not None and not _rec_category_matches(
            src, ev, receptacle_category
        ):
            continue
        if attributes and not _attrs_match(src, ev.object_id, attributes):
            continue
        out.append(hit)
    out.sort(key=lambda h: (h.event.start_time, h.event.event_id))
    return out


def _rec_category_matches(src: QuerySources, ev: Event, category: str) -> bool:
    return any(
        (_category(src, r) or "").lower() == category.lower() for r in receptacles_of_event(ev)
    )


def attributes_match(have: dict[str, object], wanted: dict[str, str]) -> bool:
    """Every wanted attribute value equals the stored one (case-insensitive)."""
    return all(str(have.get(k, "")).lower() == str(v).lower() for k, v in wanted.items())


def _attrs_match(src: QuerySources, mid: str | None, attributes: dict[str, str]) -> bool:
    if mid is None:
        return False
    st = src.lt.state(src.lt.resolve(mid))
    return st is not None and attributes_match(st.attributes, attributes)


def receptacles_of_event(ev: Event) -> list[str]:
    """Receptacle memory ids an interaction used: source (pick), target (place), container (open/close)."""
    if ev.kind in (EventKind.OPEN, EventKind.CLOSE):
        return [ev.object_id] if ev.object_id else []
    return [r for r in (ev.source_id, ev.target_id) if r]


def rearrangements(src: QuerySources, day: int | Iterable[int] | None) -> list[Rearrangement]:
    """Pair each pick with the next place of the same object (same day or later)."""
    key = (src.log.version, src.lt.version)
    cached = src.cache.get("rearrangements")
    if cached is None or cached[0] != key:
        cached = (key, _pair_all(src))
        src.cache["rearrangements"] = cached
    if day is None:
        return list(cached[1])
    wanted = set(_days(day))
    return [r for r in cached[1] if r.pick.day in wanted]


def _pair_all(src: QuerySources) -> list[Rearrangement]:
    evs = [e for e in day_events(src, None) if e.kind in (EventKind.PICK, EventKind.PLACE)]
    evs.sort(key=lambda e: (e.start_time, e.event_id))
    out: list[Rearrangement] = []
    open_picks: dict[str, Event] = {}
    for ev in evs:
        if ev.object_id is None:
            continue
        if ev.kind is EventKind.PICK:
            if ev.object_id in open_picks:
                out.append(_rearr(src, open_picks.pop(ev.object_id), None))
            open_picks[ev.object_id] = ev
        elif ev.object_id in open_picks:
            out.append(_rearr(src, open_picks.pop(ev.object_id), ev))
    out.extend(_rearr(src, p, None) for p in open_picks.values())
    out.sort(key=lambda r: (r.pick.start_time, r.pick.event_id))
    return out


def _rearr(src: QuerySources, pick: Event, place: Event | None) -> Rearrangement:
    ev = Evidence.of_event(pick)
    if place is not None:
        ev = ev.merged(Evidence.of_event(place))
    assert pick.object_id is not None
    return Rearrangement(
        pick.object_id,
        _category(src, pick.object_id),
        pick.source_id,
        None if place is None else place.target_id,
        pick,
        place,
        ev,
    )


def interaction_at(
    src: QuerySources, time_of_day: str, *, day: int, kind: str | Iterable[str] | None
) -> InteractionHit | None:
    """Prefer an interaction whose pick→place span contains the time, else the nearest one."""
    target = parse_hhmm(time_of_day)
    kinds = _kinds(kind)
    hits = interactions(src, kind=kinds, day=day)
    if not hits:
        return None
    spans: dict[int, tuple[int, int]] = {}
    for r in rearrangements(src, day):
        if r.place is not None:
            span = (r.pick.minutes_of_day, r.place.minutes_of_day)
            spans[r.pick.event_id] = spans[r.place.event_id] = span

    def gap(h: InteractionHit) -> tuple[int, float]:
        lo, hi = spans.get(h.event.event_id, (h.event.minutes_of_day, h.event.minutes_of_day))
        inside = lo <= target <= hi
        return (0 if inside else 1, abs(h.event.minutes_of_day - target))

    best = min(hits, key=lambda h: (*gap(h), h.event.start_time))
    g = gap(best)
    if g[0] == 0 or g[1] <= src.config.at_tolerance_minutes:
        return best
    return None


def receptacle_for(
    src: QuerySources,
    *,
    category: str | None,
    object_id: str | None,
    kind: str,
    day: int,
    which: int,
) -> ObjectHit | None:
    k = EventKind.parse(kind)
    if k not in (EventKind.PICK, EventKind.PLACE):
        raise ValueError(f"receptacle_for: kind must be 'pick' or 'place', got {kind!r}")
    if category is None and object_id is None:
        raise ValueError("receptacle_for: give category= or object_id=")
    hits = interactions(src, kind=k, day=day, category=category, object_id=object_id)
    hits = [h for h in hits if (h.event.source_id if k is EventKind.PICK else h.event.target_id)]
    if which == 0:  # 0 would silently mean "first"; ordinals are 1-based like nth_interaction
        raise ValueError("receptacle_for: which is 1-based (1 = first, -1 = last); got 0")
    if not hits:
        return None
    idx = which - 1 if which > 0 else which
    if not -len(hits) <= idx < len(hits):
        return None
    ev = hits[idx].event
    rid = ev.source_id if k is EventKind.PICK else ev.target_id
    assert rid is not None
    st = src.lt.state(src.lt.resolve(rid))
    if st is None:
        return None
    return ObjectHit(st, 1.0, Evidence.of_event(ev, note=f"{k.value} of {ev.object_id}"))


def receptacle_usage(
    src: QuerySources, kind: str | Iterable[str] | None, day: int | Iterable[int] | None
) -> dict[str, list[Event]]:
    usage: dict[str, list[Event]] = {}
    for ev in day_events(src, day):
        if ev.kind not in _kinds(kind):
            continue
        for rid in receptacles_of_event(ev):
            usage.setdefault(src.lt.resolve(rid), []).append(ev)
    return usage


def receptacles_used(
    src: QuerySources, kind: str | Iterable[str], day: int | Iterable[int] | None
) -> list[ObjectHit]:
    usage = receptacle_usage(src, kind, day)
    out: list[ObjectHit] = []
    for rid, evs in sorted(usage.items(), key=lambda kv: min(e.start_time for e in kv[1])):
        st = src.lt.state(rid)
        if st is None:
            continue
        ev = Evidence()
        for e in evs:
            ev = ev.merged(Evidence.of_event(e))
        out.append(ObjectHit(st, float(len(evs)), ev))
    return out


_WORD = re.compile(r"[a-z]+")


def _words(text: str) -> set[str]:
    # Split CamelCase categories ("DiningTable") so "dining table" matches them.
    return set(_WORD.findall(split_camel(text)))


def lexical_scores(src: QuerySources, text: str, layer: str | None) -> dict[str, float]:
    """Fallback text match without an embedder: word overlap with category and attribute values."""
    words = _words(text)
    out: dict[str, float] = {}
    for mid in src.lt.ids(layer=layer):
        st = src.lt.state(mid)
        if st is None:
            continue
        cat = _words(st.category)
        attrs = (
            set().union(*(_words(v) for v in st.attributes.values())) if st.attributes else set()
        )
        if not cat & words:
            continue
        score = len(cat & words) / len(cat) * 0.7 + 0.3 * (
            len(attrs & words) / max(1, len(words - cat))
        )
        if score >= src.config.min_text_score:
            out[mid] = min(1.0, score)
    return out
