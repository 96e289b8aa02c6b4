"""What the agent checks with its own perception before it believes a policy's report.

A policy's success is the env's word that an action went through; whether it did what the
plan meant is another matter. Two checks read the memory's view of the current frame
(``AgentMemory.last_seen``: the memory objects perception saw in it):

- :func:`sighting`: arriving at a remembered object needs the object (or a thing of its
  category in one of the last few frames, or a container it may be shut in) seen where it was
  expected — depth alone declared arrivals with the target at 0 % of the pixels.
- :func:`picked_something_else`: after a pick, the target must no longer be seen where it
  was; if it still is, the gripper took a neighbour (pick and place then "succeeded" while the
  target never moved).
- :func:`sighted_near`: where the last few frames show a thing of a category near where memory
  expects it (a pick aims there when memory's point is a guess or proved stale).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from embodied_mem.perception.backproject import detection_points
from envs.types import Observation
from policies.navigation import NEARER_VIEW


def sighting(
    memory: Any, subgoal: Any, radius: float, min_fraction: float = 0.001
) -> Callable[[Observation], str | None] | None:
    """The arrival check for a navigation subgoal to a remembered thing (None: no memory id)."""
    memory_id = getattr(subgoal, "memory_id", None)
    if memory_id is None:
        return None
    expected = np.asarray(subgoal.position, dtype=float)

    def seen(_obs: Observation) -> str | None:
        lt = memory.long_term
        target = lt.resolve(memory_id)
        for mid in memory.last_seen:
            st = lt.state(mid)
            if st is None:
                continue
            if _holds(lt, st, expected):  # a closed container it may be shut in
                return None
            if mid != target and st.category != subgoal.category:
                continue
            if float(np.linalg.norm(np.asarray(st.position) - expected)) <= radius:
                return None
        what = subgoal.category or "target"
        if subgoal.category:
            small = _too_small_now(memory, _obs, subgoal.category, expected, radius, min_fraction)
            if small is not None:
                return (
                    f"the {what} shows at only {small} pixels here (under "
                    f"{min_fraction:.1%} of the frame): {NEARER_VIEW}"
                )
            if _detected_near(memory, subgoal.category, expected, radius, min_fraction):
                return None
        missing = f"the {what} is not among what perception sees where it was expected"
        if _small(lt.state(target)):
            # Depth says the spot is in view, yet nothing is detected there: a thing this small
            # may be under the detector's smallest mask (a key chain at 17 pixels from 0.7 m,
            # 26 from 0.35 m: the noisy detector keeps masks of 20 and up; seed 6161 full-0000).
            return f"{missing}, and it is small: {NEARER_VIEW}"
        return missing

    return seen


SMALL_EXTENT = 0.15
"""Metres: a remembered thing no larger than this along every axis is small (pen, key chain,
watch, credit card)."""


def _small(state: Any) -> bool:
    if state is None or state.bbox_min is None or state.bbox_max is None:
        return False
    extent = np.asarray(state.bbox_max, dtype=float) - np.asarray(state.bbox_min, dtype=float)
    return bool(np.all(extent <= SMALL_EXTENT))


def _too_small_now(
    memory: Any,
    obs: Observation | None,
    category: str,
    expected: np.ndarray,
    radius: float,
    min_fraction: float,
) -> int | None:
    """The pixel count of the ``category`` thing perception sees within ``radius`` of
    ``expected`` in the current frame when it is too small to count as seen (under
    ``min_fraction`` of the frame), else None. A key chain at 14 pixels from 0.7 m is there,
    but a view from 0.3 m shows it at 26: the earlier frames' bigger sightings do not make
    this view one."""
    recent = memory.recent_detections()
    if obs is None or not recent or recent[-1][0].time.seconds != obs.time.seconds:
        return None
    frame, detections = recent[-1]
    least = min_fraction * frame.intrinsics.width * frame.intrinsics.height
    sizes = _sizes_near(frame, detections, category, expected, radius)
    if not sizes or max(sizes) >= least:
        return None
    return max(sizes)


def _sizes_near(
    obs: Observation, detections: list[Any], category: str, expected: np.ndarray, radius: float
) -> list[int]:
    """Pixel counts of the ``category`` detections of ``obs`` with a point within ``radius``
    of ``expected`` (the agent's own depth and pose)."""
    sizes = []
    for det in detections:
        if det.category != category or det.pixel_count == 0:
            continue
        pts = detection_points(obs, det)
        if len(pts) and float(np.min(np.linalg.norm(pts - expected, axis=1))) <= radius:
            sizes.append(int(det.pixel_count))
    return sizes


def _detected_near(
    memory: Any, category: str, expected: np.ndarray, radius: float, min_fraction: float
) -> bool:
    """Whether perception detected a ``category`` thing covering ``min_fraction`` of a frame
    within ``radius`` of ``expected`` in one of the last few frames (the approach and the final
    turn toward the target). One frame is not enough evidence of absence: a real detector
    misses, merges into a neighbour or mislabels a thing in a frame now and then (the noisy
    backend: 10 % misses, 5 % merges, 5 % confusions per detection), and arrivals with the
    target in full view were rejected for it (a cabinet at 38 % of the frame, a book on a sofa
    merged into the sofa). Small things count too: a watch 20 pixels big is in view (0.1 % of
    a 160 x 120 frame) but below the mapper's 25 pixels to update an object, so it is not among
    the memory's ``last_seen``."""
    for obs, detections in reversed(memory.recent_detections()):
        least = min_fraction * obs.intrinsics.width * obs.intrinsics.height
        big = [d for d in detections if d.pixel_count >= least]
        if _sizes_near(obs, big, category, expected, radius):
            return True
    return False


def picked_something_else(
    memory: Any,
    subgoal: Any,
    radius: float = 0.25,
    put_back: np.ndarray | None = None,
    target_id: str | None = None,
) -> str | None:
    """Why a reported pick did not take its target, or None when it may have.

    The target is the remembered object the pick was planned on (``target_id``; without it,
    any remembered thing of the subgoal's category); if perception still sees it within
    ``radius`` of the subgoal's position in the frame after the pick, something else is in the
    gripper. Unseen (occluded, missed) it may have been taken: no evidence either way, the pick
    stands. Only the target counts when known: a second credit card lying 0.2 m from the one
    taken is no evidence against the pick (seed 6161 full-0003). A thing of the category within
    ``radius / 2`` of ``put_back`` (where a neighbour taken by mistake was just put down) is
    that neighbour.
    """
    if subgoal.position is None or subgoal.category is None:
        return None
    lt = memory.long_term
    where = np.asarray(subgoal.position, dtype=float)
    for mid in memory.last_seen:
        st = lt.state(mid)
        if st is None or st.layer != "object" or st.category != subgoal.category:
            continue
        if target_id is not None and lt.resolve(mid) != target_id:
            continue
        if st.state == "held":
            continue
        position = np.asarray(st.position, dtype=float)
        if put_back is not None and float(np.linalg.norm(position - put_back)) <= radius / 2:
            continue
        if float(np.linalg.norm(position - where)) <= radius:
            return (
                f"pick reported success but the {subgoal.category} is still seen where it "
                "was: something else was picked"
            )
    return None


def _holds(lt: Any, st: Any, point: np.ndarray, margin: float = 0.1) -> bool:
    """Whether ``st`` is a container whose box holds ``point`` (an object shut inside a
    container is seen by seeing the container, as the benchmark's success rule has it)."""
    if st.layer != "receptacle" or not lt.is_container(st.memory_id):
        return False
    lo, hi = np.asarray(st.bbox_min) - margin, np.asarray(st.bbox_max) + margin
    return bool(np.all(point >= lo) and np.all(point <= hi))


def sighted_near(
    memory: Any, category: str, expected: np.ndarray, reach: float
) -> tuple[float, np.ndarray] | None:
    """(distance, point) of the ``category`` detection of the last few frames nearest
    ``expected`` within ``reach`` metres: its distance to ``expected`` and the middle of its
    points (the agent's own depth and pose). None when no such detection is in view."""
    best: tuple[float, np.ndarray] | None = None
    for obs, detections in memory.recent_detections():
        for det in detections:
            if det.category != category or det.pixel_count == 0:
                continue
            pts = detection_points(obs, det)
            if not len(pts):
                continue
            gap = float(np.min(np.linalg.norm(pts - expected, axis=1)))
            if gap <= reach and (best is None or gap < best[0]):
                best = (gap, np.median(pts, axis=0))
    return best
