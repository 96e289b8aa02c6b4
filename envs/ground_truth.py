"""Ground-truth metadata (AI2-THOR-like). Oracles and evaluation only, never memory or planner."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


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
    """A room: id, type (kitchen, bedroom, ...), display name and floor footprint polygon (K, 2)."""

    id: str
    room_type: str
    name: str
    footprint: list[tuple[float, float]]

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


@dataclass
class GroundTruth:
    """Every object, receptacle and room in the scene at one moment."""

    objects: dict[str, ObjectRecord]
    rooms: dict[str, RoomRecord]

    def room_at(self, x: float, y: float) -> str | None:
        for room in self.rooms.values():
            if room.contains_xy(x, y):
                return room.id
        return None

    def pickupables(self) -> list[ObjectRecord]:
        return [o for o in self.objects.values() if o.pickupable]

    def receptacles(self) -> list[ObjectRecord]:
        return [o for o in self.objects.values() if o.is_receptacle]
