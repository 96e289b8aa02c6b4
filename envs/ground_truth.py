"""Ground-truth metadata (AI2-THOR-like). Oracles and evaluation only, never memory or planner."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

STOREY_TOLERANCE = 0.5
"""Metres below a room's ``z_range`` that still count as its storey (floors in scans are
uneven and region boxes do not always start exactly at the floor)."""


@dataclass
class ObjectRecord:
    """One object or receptacle as the simulator knows it.

    Categories use AI2-THOR object type names (Apple, Mug, CounterTop, Fridge, ...).
    ``bbox_min``/``bbox_max`` are the axis-aligned 3D box in world metres.
    """

    id: str
    category: str
    room_id: str | None
    position: tuple[float, float, float]
    bbox_min: tuple[float, float, float]
    bbox_max: tuple[float, float, float]
    parent_receptacle: str | None = None
    pickupable: bool = False
    is_receptacle: bool = False
    openable: bool = False
    is_open: bool = False
    is_held: bool = False
    attributes: dict[str, str] = field(default_factory=dict)

    @property
    def center(self) -> np.ndarray:
        return (np.asarray(self.bbox_min) + np.asarray(self.bbox_max)) / 2.0

    def contains(self, point: np.ndarray, margin: float = 0.0) -> bool:
        p = np.asarray(point, dtype=float)
        return bool(
            np.all(p >= np.asarray(self.bbox_min) - margin)
            and np.all(p <= np.asarray(self.bbox_max) + margin)
        )


@dataclass
class RoomRecord:
    """A room: id, type (kitchen, bedroom, ...), display name and floor footprint polygon (K, 2).

    ``z_range`` is the world height span (floor to ceiling, metres) of rooms in multi-storey
    scenes, so that a lookup with a height picks the room on the right storey; None means the
    room spans every height (single-storey scenes).
    """

    id: str
    room_type: str
    name: str
    footprint: list[tuple[float, float]]
    z_range: tuple[float, float] | None = None

    def contains_xy(self, x: float, y: float) -> bool:
        """Point-in-polygon test (even-odd rule) on the floor plane."""
        inside = False
        pts = self.footprint
        j = len(pts) - 1
        for i in range(len(pts)):
            xi, yi = pts[i]
            xj, yj = pts[j]
            if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi + 1e-12) + xi:
                inside = not inside
            j = i
        return inside

    def contains_z(self, z: float, tolerance: float = STOREY_TOLERANCE) -> bool:
        """Whether height ``z`` lies on this room's storey (always true without a ``z_range``)."""
        if self.z_range is None:
            return True
        return self.z_range[0] - tolerance <= z <= self.z_range[1]

    @property
    def area(self) -> float:
        """Footprint area in square metres (shoelace formula)."""
        pts = np.asarray(self.footprint, dtype=float).reshape(-1, 2)
        if len(pts) < 3:
            return 0.0
        x, y = pts[:, 0], pts[:, 1]
        return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2.0)


@dataclass
class GroundTruth:
    """Every object, receptacle and room in the scene at one moment."""

    objects: dict[str, ObjectRecord]
    rooms: dict[str, RoomRecord]

    def room_at(self, x: float, y: float, z: float | None = None) -> str | None:
        """The room holding floor point (x, y), or None.

        With ``z`` (world height of the point, e.g. the agent's floor) only rooms on that storey
        count. Annotations can overlap (Matterport3D region boxes do); the smallest room that
        holds the point wins, because it is the most specific one.
        """
        holding = [
            room
            for room in self.rooms.values()
            if room.contains_xy(x, y) and (z is None or room.contains_z(z))
        ]
        if not holding:
            return None
        return min(holding, key=lambda room: room.area).id

    def pickupables(self) -> list[ObjectRecord]:
        return [o for o in self.objects.values() if o.pickupable]

    def receptacles(self) -> list[ObjectRecord]:
        return [o for o in self.objects.values() if o.is_receptacle]
