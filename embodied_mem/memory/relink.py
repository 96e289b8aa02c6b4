"""Interactions whose object is not in memory yet: adopted at once, or linked back later.

The agent may pick something up that perception has not made a memory object of yet (a pen
too small to keep from afar). If a detection of the frames just before lies at the point
acted on, too small for the mapper's threshold, it becomes a memory object then and there
(:func:`adopt_detection_at`: the agent knows it is holding *something* it saw). Otherwise the
pick is logged without an object. The agent then holds an
*unknown* thing — its place must not be pinned on whatever remembered object lies nearest the
place point, so it is logged without an object too. When an object first seen after that pick
turns up near the place point, it is the thing that was carried: both events get its id, its
timeline gets the pick and the place (it rested where it was picked until then, which is how
the agent knows it), and queries through those interactions work again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from embodied_mem.perception.backproject import detection_points
from scene_graph import EventKind, Layer

if TYPE_CHECKING:
    from embodied_mem.memory.episodic_records import Event
    from embodied_mem.memory.memory import AgentMemory
    from embodied_mem.perception.types import Detection
    from envs.types import Observation

logger = logging.getLogger(__name__)

ADOPT_REACH = 0.15
"""Metres from the point acted on within which a thing counts as the one acted on."""


@dataclass
class UnlinkedMove:
    """A pick logged without an object, and the place that ended it (once it happened)."""

    pick: Event
    place: Event | None = None


class Relinker:
    """Keeps unlinked moves of one memory and links them when their object appears.

    Args:
        radius: metres between the place point and a new object's centre for them to match.
    """

    def __init__(self, radius: float) -> None:
        self.radius = radius
        self.moves: list[UnlinkedMove] = []

    @property
    def holding_unknown(self) -> bool:
        """Whether the agent holds something it picked before it was in memory."""
        return bool(self.moves) and self.moves[-1].place is None

    def picked(self, event: Event) -> None:
        self.moves.append(UnlinkedMove(event))

    def placed(self, event: Event) -> None:
        if self.holding_unknown:
            self.moves[-1].place = event

    def link_new_objects(self, memory: AgentMemory, seen: list[str]) -> list[str]:
        """Link finished unlinked moves to objects of ``seen`` (ids this frame created or
        updated) first seen after the pick and lying near the place; returns linked ids."""
        linked = []
        for move in [m for m in self.moves if m.place is not None]:
            mid = self._match(memory, move, seen)
            if mid is not None:
                _apply(memory, move, mid)
                self.moves.remove(move)
                linked.append(mid)
        return linked

    def link_at_place(
        self,
        memory: AgentMemory,
        recent: Iterable[tuple[Observation, list[Detection]]],
        is_receptacle: Callable[[str], bool],
    ) -> str | None:
        """Link the move the last place ended to what the frames show at its point, if they
        show a movable thing there: a remembered one first seen after the pick, else a
        detection too small for the mapper, made a memory object (what the agent puts down is
        in its view at the spot, though it may be too small or too briefly seen to map — a
        spatula taken from where the agent never saw it and put in a cabinet shows as 8 px).
        Returns the linked id, or None (the move then waits for :meth:`link_new_objects`)."""
        move = self.moves[-1] if self.moves else None
        if move is None or move.place is None or move.place.point is None:
            return None
        point = np.asarray(move.place.point, dtype=float)
        kind = kind_at(point, recent, is_receptacle)
        if kind is None:
            return None
        lt = memory.long_term
        mid = self._match(memory, move, lt.ids(layer=Layer.OBJECT, category=kind))
        mid = mid or adopt_detection_at(memory, point, recent, ADOPT_REACH, category=kind)
        if mid is not None:
            _apply(memory, move, mid)
            self.moves.remove(move)
        return mid

    def _match(self, memory: AgentMemory, move: UnlinkedMove, seen: list[str]) -> str | None:
        assert move.place is not None and move.place.point is not None
        lt = memory.long_term
        target = np.asarray(move.place.point, dtype=float)
        best: tuple[float, str] | None = None
        for raw in seen:
            mid = lt.resolve(raw)
            if mid not in lt.graph or lt.graph.get(mid).layer is not Layer.OBJECT:
                continue
            node = lt.graph.get(mid)
            if node.first_seen < move.pick.start_time or mid in lt.interacted:
                continue
            st = lt.state(mid)
            if st is None:
                continue
            d = float(np.linalg.norm(np.asarray(st.position) - target))
            if d <= self.radius and (best is None or (d, mid) < best):
                best = (d, mid)
        return None if best is None else best[1]


def _apply(memory: AgentMemory, move: UnlinkedMove, mid: str) -> None:
    """Give both events ``mid`` and write the pick and place into its timeline."""
    lt = memory.long_term
    pick, place = move.pick, move.place
    assert place is not None and pick.point is not None and place.point is not None
    held = lt.held
    source = lt.receptacle_at(pick.point, exclude=[mid])
    target = lt.receptacle_at(place.point, exclude=[mid])
    if source is not None:
        # It rested where it was picked until the pick (the agent took it from there).
        lt.graph.record(
            mid,
            pick.start_time - 1e-3,
            kind=EventKind.OBSERVED,
            centroid=np.asarray(pick.point, dtype=float),
            parent_id=source,
        )
    lt.graph.pick(mid, pick.start_time, centroid=np.asarray(pick.point, dtype=float))
    lt.apply_place(mid, target, place.start_time, place.point)
    lt.held = held if held != mid else None
    lt.interacted.add(mid)
    lt.touch(mid)
    memory.mapper.agent_handled(mid, lt.receptacle_kinds)
    memory.episodic.relink(replace(pick, object_id=mid, source_id=source))
    memory.episodic.relink(replace(place, object_id=mid, target_id=target))
    memory.unresolved_interactions = max(memory.unresolved_interactions - 2, 0)
    logger.info(
        "linked the pick at %s and the place at %s (%s, %s) to %s, first seen after them",
        pick.time_of_day,
        place.time_of_day,
        np.round(pick.point, 2).tolist(),
        np.round(place.point, 2).tolist(),
        mid,
    )


AT_POINT = 0.03
"""Metres: a detection with a point this close to the point acted on shows what is there (the
point is the back-projection of a pixel of the agent's own view, so the detection covering
that pixel lies at distance 0 in that frame)."""


SEEN_NEAR = 0.3
"""Metres: a movable thing the recent frames show this close to the point acted on may be what
was taken when none shows at the point itself (the point is a pixel's back-projection; an aim
a few centimetres off lands on the table beside the tissue box)."""


def kind_at(
    point: np.ndarray,
    recent: Iterable[tuple[Observation, list[Detection]]],
    is_receptacle: Callable[[str], bool],
    reach: float = AT_POINT,
) -> str | None:
    """The category of the movable thing the ``recent`` frames show at ``point``, or None.

    In each frame, of the detections reaching within ``reach`` of the point the nearest
    counts, and of equally near ones the smallest (the egg, not the microwave shelf it lies
    on); receptacles cannot be picked, so they never name the kind. The frames then vote with
    their detections' scores, so one frame's confused label does not decide; a tie goes to
    the nearest detection of all."""
    votes: dict[str, float] = {}
    nearest: dict[str, tuple[float, int]] = {}
    for obs, detections in recent:
        best: tuple[float, int, str, float] | None = None
        for det in detections:
            if det.pixel_count == 0 or is_receptacle(det.category):
                continue
            pts = detection_points(obs, det)
            if not len(pts):
                continue
            d = round(float(np.min(np.linalg.norm(pts - point, axis=1))), 3)
            key = (d, det.pixel_count, det.category, float(det.score))
            if d <= reach and (best is None or key < best):
                best = key
        if best is not None:
            d, size, category, score = best
            votes[category] = votes.get(category, 0.0) + score
            nearest[category] = min(nearest.get(category, (d, size)), (d, size))
    if not votes:
        return None
    return min(votes, key=lambda c: (-votes[c], nearest[c], c))


def adopt_detection_at(
    memory: AgentMemory,
    point: np.ndarray,
    recent: Iterable[tuple[Observation, list[Detection]]],
    reach: float = ADOPT_REACH,
    category: str | None = None,
) -> str | None:
    """Make a memory object of a detection the mapper skipped as too small, if one of the
    ``recent`` frames shows it within ``reach`` metres of ``point`` (where the agent acted);
    returns its memory id (None when there is none: the interaction stays unresolved).
    With ``category``, only a detection of that kind is adopted."""
    mapper = memory.mapper
    # A new object, never joined to a track: the thing lies on something mapped (a watch on
    # a desk has all its points on the desk's), which would otherwise take it in.
    small = replace(mapper.config, min_mask_pixels=1, min_points=1, match_threshold=float("inf"))
    for obs, detections in reversed(list(recent)):
        for det in detections:
            if det.pixel_count >= mapper.config.min_mask_pixels or det.pixel_count == 0:
                continue  # the mapper already had its chance with this one
            if category is not None and det.category != category:
                continue
            pts = detection_points(obs, det)
            if not len(pts) or np.min(np.linalg.norm(pts - point, axis=1)) > reach:
                continue
            kept, mapper.config = mapper.config, small
            try:
                upd = mapper.update([det], obs, checked=True)
            finally:
                mapper.config = kept
            memory.long_term.apply_mapper_update(upd, mapper.objects, obs.time.seconds)
            if upd.created:
                logger.info(
                    "acted on a %s too small to map so far: now %s", det.category, upd.created[0]
                )
                return upd.created[0]
    return None
