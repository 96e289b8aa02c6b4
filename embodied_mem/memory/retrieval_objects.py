"""Object filtering, ranking and evidence behind :class:`~embodied_mem.memory.retrieval.MemoryQuery`.

Candidates come from the scene graph's indexes (layer/category/room, O(result)); the
remaining filters run on those candidates only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from embodied_mem.memory import retrieval_events as rev
from embodied_mem.memory.episodic_records import Event
from embodied_mem.memory.results import Evidence, ObjectHit, ObjectState
from embodied_mem.memory.retrieval_context import QuerySources


def find_objects(
    src: QuerySources,
    *,
    category: str | None,
    text: str | None,
    attributes: dict[str, str] | None,
    room: str | None,
    near: Sequence[float] | None,
    radius: float | None,
    on: str | None,
    inside: str | None,
    layer: str | None,
    interacted: bool | None,
    interaction_kind: str | Iterable[str] | None,
    day: int | Iterable[int] | None,
    seen_between: tuple[float, float] | None,
    at_time: float | None,
    limit: int | None,
) -> list[ObjectHit]:
    """See :meth:`MemoryQuery.objects`."""
    # The room index holds *current* rooms; a past world instance filters rooms per state.
    ids = src.lt.ids(layer=layer, category=category, room=None if at_time is not None else room)
    on = None if on is None else src.lt.resolve(on)
    inside = None if inside is None else src.lt.resolve(inside)
    acted = interacted_ids(src, interaction_kind, day) if interacted is not None else None
    text_scores = text_scores_for(src, text, layer) if text else None
    seen = seen_ids(src, *seen_between) if seen_between is not None else None
    hits: list[ObjectHit] = []
    for mid in ids:
        if acted is not None and (mid in acted) != interacted:
            continue
        if (seen is not None and mid not in seen) or (
            text_scores is not None and mid not in text_scores
        ):
            continue
        st = src.lt.state(mid, at_time)
        if st is None or not state_matches(st, attributes, room, on, inside):
            continue
        score = text_scores[mid] if text_scores is not None else 1.0
        if near is not None:
            d = distance(st.position, near)
            if d > (radius if radius is not None else src.config.near_radius):
                continue
            score = score / (1.0 + d)
        hits.append(
            ObjectHit(st, float(score), object_evidence(src, st, acted.get(mid) if acted else None))
        )
    hits.sort(key=lambda h: (-h.score, h.memory_id))
    return hits[:limit] if limit is not None else hits


def ranked(src: QuerySources, counts: Counter[str], limit: int | None) -> list[ObjectHit]:
    """Hits for the most counted ids (score = count), ties by id."""
    merged: Counter[str] = Counter()
    for mid, n in counts.items():
        merged[src.lt.resolve(mid)] += n
    hits: list[ObjectHit] = []
    # Rank first, then build only the hits returned (states and evidence cost the most).
    for mid, n in sorted(merged.items(), key=lambda kv: (-kv[1], kv[0])):
        if limit is not None and len(hits) >= limit:
            break
        st = src.lt.state(mid)
        if st is not None:
            hits.append(ObjectHit(st, float(n), object_evidence(src, st)))
    return hits


def seen_ids(src: QuerySources, t0: float, t1: float) -> set[str]:
    """Memory ids visible in some keyframe in [t0, t1] (the episodic log is the record of sight)."""
    seen: set[str] = set()
    for kf in src.log.keyframes_between(t0, t1):
        seen.update(src.lt.resolve(i) for i in kf.visible)
    return seen


def interacted_ids(
    src: QuerySources, kind: str | Iterable[str] | None, day: int | Iterable[int] | None
) -> dict[str, list[Event]]:
    out: dict[str, list[Event]] = {}
    for h in rev.interactions(src, kind=kind, day=day):
        if h.event.object_id is not None:
            out.setdefault(src.lt.resolve(h.event.object_id), []).append(h.event)
    return out


def text_scores_for(src: QuerySources, text: str, layer: str | None) -> dict[str, float]:
    """Cosine similarity of the text embedding to node label embeddings; word overlap without an embedder."""
    ids, mat = src.lt.embedding_matrix(layer)
    vec = src.embed_text(text)
    if vec is not None and mat is not None and len(ids):
        sims = mat @ (vec / max(float(np.linalg.norm(vec)), 1e-12))
        return {
            i: float(s) for i, s in zip(ids, sims, strict=True) if s >= src.config.min_text_score
        }
    return rev.lexical_scores(src, text, layer)


def object_evidence(
    src: QuerySources, st: ObjectState, events: list[Event] | None = None
) -> Evidence:
    ev = Evidence((st.memory_id,), (st.first_seen, st.last_seen))
    # The latest keyframe that saw it: where to look again (cheap: index tail).
    kfs = src.log.keyframes_with(st.memory_id)[-1:]
    if kfs:
        ev = ev.merged(Evidence((), (kfs[0].time,), (kfs[0].frame_index,), (kfs[0].pose,)))
    for e in events or []:
        ev = ev.merged(Evidence.of_event(e))
    return ev


def distance(pos: Sequence[float], point: Sequence[float]) -> float:
    p = np.asarray(point, dtype=float)
    if p.shape not in ((2,), (3,)) or not np.all(np.isfinite(p)):
        raise ValueError(f"near= must be a finite (x, y) or (x, y, z) point, got {point!r}")
    return float(np.linalg.norm(np.asarray(pos[: len(p)], dtype=float) - p))


def state_matches(
    st: ObjectState,
    attributes: dict[str, str] | None,
    room: str | None,
    on: str | None,
    inside: str | None,
) -> bool:
    if attributes and not rev.attributes_match(st.attributes, attributes):
        return False
    if room is not None and st.room_id != room:
        return False
    if on is not None and not (st.parent_id == on and st.relation == "on"):
        return False
    return inside is None or (st.parent_id == inside and st.relation == "inside")
