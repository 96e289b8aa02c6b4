"""Timeline compaction: drop sightings that add nothing, so months of memory stay small.

An entry is redundant when it is a plain ``OBSERVED`` sighting whose parent, relation, state
and room equal those of the last kept entry and whose centroid lies within ``tolerance``
metres of it. Dropping it changes world instances only by less than ``tolerance`` in
position; every relation, state, room and interaction entry is kept.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING

import numpy as np

from scene_graph.layers import EventKind
from scene_graph.timeline import Timeline, TimelineEntry, check_time

if TYPE_CHECKING:
    from scene_graph.graph import SceneGraph

logger = logging.getLogger(__name__)


def _redundant(entry: TimelineEntry, kept: TimelineEntry, tolerance: float) -> bool:
    return (
        entry.kind is EventKind.OBSERVED
        and kept.kind is not EventKind.VANISHED  # a sighting after vanishing is a re-appearance
        and (entry.parent_id, entry.relation, entry.state, entry.room_id)
        == (kept.parent_id, kept.relation, kept.state, kept.room_id)
        and float(np.linalg.norm(entry.centroid - kept.centroid)) <= tolerance
    )


def compact_timeline(timeline: Timeline, tolerance: float, before: float = math.inf) -> Timeline:
    """A new timeline without the redundant entries older than ``before``.

    The latest entry is always kept so the node's current belief does not change.
    """
    entries = list(timeline)
    out: list[TimelineEntry] = []
    for i, entry in enumerate(entries):
        last = i == len(entries) - 1
        if out and not last and entry.time < before and _redundant(entry, out[-1], tolerance):
            continue
        out.append(entry)
    return Timeline(out)


def compact(graph: SceneGraph, *, tolerance: float = 0.05, before: float | None = None) -> int:
    """Compact every node's timeline in place; return how many entries were dropped.

    Args:
        tolerance: metres of position drift a dropped sighting may hide.
        before: only entries earlier than this time are considered (default: all).
    """
    if not tolerance >= 0.0:
        raise ValueError(f"tolerance must be >= 0 metres; got {tolerance}")
    limit = math.inf if before is None else check_time(before, "before")
    dropped = 0
    for node in graph.nodes(include_vanished=True):
        new = compact_timeline(node.timeline, tolerance, limit)
        dropped += len(node.timeline) - len(new)
        node.timeline = new
    graph._time_cache = None  # entry times changed; rebuilt lazily
    logger.debug("compacted %d redundant timeline entries", dropped)
    return dropped
