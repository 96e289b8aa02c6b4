"""Bookkeeping of one track: creating it from a detection, recording a new observation, and
folding a duplicate into it. Geometry (which points to keep) is the mapper's business."""

from __future__ import annotations

import numpy as np

from embodied_mem.perception.mapper_types import MappedObject
from embodied_mem.perception.types import Detection
from envs.types import Observation


def new_track(tid: str, det: Detection, points: np.ndarray, obs: Observation) -> MappedObject:
    """A track seen once, in ``obs``, as ``det`` with cleaned ``points`` (N, 3)."""
    obj = MappedObject(
        id=tid,
        category=det.category,
        category_votes={det.category: float(det.score)},
        points=np.asarray(points, dtype=np.float32),
        centroid=np.zeros(3),
        bbox_min=np.zeros(3),
        bbox_max=np.zeros(3),
        embedding=normalised(det.embedding),
        n_observations=1,
        first_seen=obs.time.seconds,
        last_seen=obs.time.seconds,
        last_frame=obs.frame_index,
        attributes=dict(det.attributes),
        oracle_votes={det.oracle_id: 1} if det.oracle_id else {},
        first_frame=obs.frame_index,
    )
    obj.refresh_geometry()
    return obj


def record_observation(obj: MappedObject, det: Detection, obs: Observation) -> None:
    """Votes, running-mean embedding, counts and times of one more sighting of ``obj``."""
    obj.category_votes[det.category] = obj.category_votes.get(det.category, 0.0) + float(det.score)
    obj.vote()
    if det.embedding is not None:
        new = normalised(det.embedding)
        obj.embedding = (
            new if obj.embedding is None else normalised(obj.embedding * obj.n_observations + new)
        )
    obj.n_observations += 1
    obj.last_seen = obs.time.seconds
    obj.last_frame = obs.frame_index
    obj.attributes.update(det.attributes)
    if det.oracle_id:
        obj.oracle_votes[det.oracle_id] = obj.oracle_votes.get(det.oracle_id, 0) + 1


def fold_into(keep: MappedObject, other: MappedObject) -> None:
    """Merge ``other``'s votes, embedding, counts, times and attributes into ``keep``."""
    for cat, v in other.category_votes.items():
        keep.category_votes[cat] = keep.category_votes.get(cat, 0.0) + v
    keep.furniture = keep.furniture | other.furniture
    keep.vote()
    if other.embedding is not None:
        keep.embedding = (
            other.embedding
            if keep.embedding is None
            else normalised(
                keep.embedding * keep.n_observations + other.embedding * other.n_observations
            )
        )
    for oid, n in other.oracle_votes.items():
        keep.oracle_votes[oid] = keep.oracle_votes.get(oid, 0) + n
    keep.n_observations += other.n_observations
    keep.first_seen = min(keep.first_seen, other.first_seen)
    keep.first_frame = min(keep.first_frame, other.first_frame)
    if other.last_seen > keep.last_seen:
        keep.last_seen, keep.last_frame = other.last_seen, other.last_frame
    keep.attributes = {**other.attributes, **keep.attributes}


def normalised(v: np.ndarray | None) -> np.ndarray | None:
    """Flattened float32 copy scaled to unit length (zero vectors stay zero); None stays None."""
    if v is None:
        return None
    v = np.asarray(v, dtype=np.float32).ravel()
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else v
