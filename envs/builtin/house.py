"""The data model of a built-in house: rooms, doorways, walls, receptacles and objects.

A house is a rectangle cut into axis-aligned rooms (binary space partition), joined by
doorways along a random spanning tree of the room-adjacency graph. Furniture stands with its
back to a wall (or free in the room) and is rotated by multiples of 90 degrees, so every box is
axis-aligned in the world. Generation lives in :mod:`envs.builtin.layout` and
:mod:`envs.builtin.furnish`; this module holds the types and the floor rasterisation that both
the occupancy grid and furniture placement use.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

WALL_THICKNESS = 0.1
WALL_HEIGHT = 2.5
DOOR_WIDTH = 1.0
# Openable receptacles are hollow boxes with panels this thick.
PANEL = 0.03


@dataclass
class Room:
    """An axis-aligned room; ``x0 < x1``, ``y0 < y1`` are its wall centre lines."""

    id: str
    room_type: str
    name: str
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def footprint(self) -> list[tuple[float, float]]:
        return [(self.x0, self.y0), (self.x1, self.y0), (self.x1, self.y1), (self.x0, self.y1)]

    @property
    def center(self) -> np.ndarray:
        return np.array([(self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2])

    @property
    def area(self) -> float:
        return (self.x1 - self.x0) * (self.y1 - self.y0)

    def contains(self, x: float, y: float) -> bool:
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1


@dataclass
class Doorway:
    """A gap of ``width`` in the wall between rooms ``a`` and ``b``, centred at ``center``.

    ``vertical`` is True when the wall runs along y (the doorway is crossed along x).
    """

    a: str
    b: str
    center: tuple[float, float]
    vertical: bool
    width: float = DOOR_WIDTH


@dataclass
class Box2:
    """An axis-aligned floor rectangle: centre and half extents (metres)."""

    cx: float
    cy: float
    hx: float
    hy: float

    def overlaps(self, other: Box2, margin: float = 0.0) -> bool:
        return (
            abs(self.cx - other.cx) < self.hx + other.hx + margin
            and abs(self.cy - other.cy) < self.hy + other.hy + margin
        )

    def distance_to(self, x: float, y: float) -> float:
        """Floor distance from (x, y) to the nearest point of the rectangle (0 inside)."""
        dx = max(abs(x - self.cx) - self.hx, 0.0)
        dy = max(abs(y - self.cy) - self.hy, 0.0)
        return math.hypot(dx, dy)


@dataclass
class Receptacle:
    """Furniture that can hold objects.

    Attributes:
        size: (width, depth, height) in its own frame; the front is the +depth side.
        quadrant: yaw = quadrant * 90 degrees; the front faces ``front`` in the world.
        base_z: height of its bottom (a microwave stands on a counter).
        parent: id of the receptacle it stands on, if any.
    """

    id: str
    category: str
    room_id: str
    center: tuple[float, float]
    size: tuple[float, float, float]
    quadrant: int
    color: tuple[float, float, float]
    openable: bool = False
    base_z: float = 0.0
    parent: str | None = None

    @property
    def half_xy(self) -> tuple[float, float]:
        w, d, _ = self.size
        return (w / 2, d / 2) if self.quadrant % 2 == 0 else (d / 2, w / 2)

    @property
    def footprint(self) -> Box2:
        hx, hy = self.half_xy
        return Box2(self.center[0], self.center[1], hx, hy)

    @property
    def top_z(self) -> float:
        return self.base_z + self.size[2]

    @property
    def front(self) -> np.ndarray:
        """Unit floor vector the front (door side) faces."""
        return np.array([[0, 1], [-1, 0], [0, -1], [1, 0]][self.quadrant % 4], dtype=float)

    def aabb(self) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
        hx, hy = self.half_xy
        cx, cy = self.center
        return (cx - hx, cy - hy, self.base_z), (cx + hx, cy + hy, self.top_z)

    def interior(self) -> tuple[Box2, float, float]:
        """Inside of an openable receptacle: floor rectangle, bottom z and top z."""
        hx, hy = self.half_xy
        box = Box2(self.center[0], self.center[1], hx - PANEL, hy - PANEL)
        return box, self.base_z + PANEL, self.top_z - PANEL


@dataclass
class PlacedObject:
    """A pickupable object: its kind, looks and where it is.

    ``position`` is the centre of its box; ``parent`` the receptacle it lies on (or in, when
    ``inside``); ``parent`` is None while held.
    """

    id: str
    category: str
    shape: str
    size: tuple[float, float, float]
    color_name: str
    material: str
    position: tuple[float, float, float]
    parent: str | None
    inside: bool = False

    def aabb(self) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
        p = np.asarray(self.position)
        h = np.asarray(self.size) / 2
        return tuple(p - h), tuple(p + h)  # type: ignore[return-value]

    @property
    def footprint(self) -> Box2:
        return Box2(self.position[0], self.position[1], self.size[0] / 2, self.size[1] / 2)


@dataclass
class House:
    """A generated house; everything in world metres (z up, floor at z = 0)."""

    seed: int
    rooms: list[Room]
    doorways: list[Doorway]
    walls: list[Box2]
    receptacles: list[Receptacle] = field(default_factory=list)
    objects: list[PlacedObject] = field(default_factory=list)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return (
            min(r.x0 for r in self.rooms),
            min(r.y0 for r in self.rooms),
            max(r.x1 for r in self.rooms),
            max(r.y1 for r in self.rooms),
        )

    def room_at(self, x: float, y: float) -> Room | None:
        """The room whose footprint contains (x, y); a wall line belongs to the first match."""
        for room in self.rooms:
            if room.contains(x, y):
                return room
        return None

    def receptacle(self, rid: str) -> Receptacle:
        for r in self.receptacles:
            if r.id == rid:
                return r
        raise KeyError(rid)

    def floor_obstacles(self) -> list[Box2]:
        """Walls and furniture that stand on the floor (a microwave on a counter does not)."""
        return self.walls + [r.footprint for r in self.receptacles if r.parent is None]


def _fill_box(mask: np.ndarray, box: Box2, origin: np.ndarray, res: float, value: bool) -> None:
    """Set every cell whose area intersects ``box`` (conservative for obstacles)."""
    h, w = mask.shape
    c0 = max(int(math.floor((box.cx - box.hx - origin[0]) / res)), 0)
    c1 = min(int(math.ceil((box.cx + box.hx - origin[0]) / res)), w)
    r0 = max(int(math.floor((box.cy - box.hy - origin[1]) / res)), 0)
    r1 = min(int(math.ceil((box.cy + box.hy - origin[1]) / res)), h)
    if c1 > c0 and r1 > r0:
        mask[r0:r1, c0:c1] = value


def rasterize_free(
    house: House, resolution: float, obstacles: list[Box2] | None = None, margin: float = 0.5
) -> tuple[np.ndarray, tuple[float, float]]:
    """Free-floor mask of ``house`` (rooms minus walls and furniture) and the grid origin."""
    x0, y0, x1, y1 = house.bounds
    origin = np.array([x0 - margin, y0 - margin])
    w = int(math.ceil((x1 - x0 + 2 * margin) / resolution))
    h = int(math.ceil((y1 - y0 + 2 * margin) / resolution))
    free = np.zeros((h, w), dtype=bool)
    for room in house.rooms:
        # Room interior only (cells fully inside), so outside the house stays blocked.
        rows = origin[1] + (np.arange(h) + 0.5) * resolution
        cols = origin[0] + (np.arange(w) + 0.5) * resolution
        rin = (rows > room.y0) & (rows < room.y1)
        cin = (cols > room.x0) & (cols < room.x1)
        free[np.ix_(rin, cin)] = True
    for box in obstacles if obstacles is not None else house.floor_obstacles():
        _fill_box(free, box, origin, resolution, False)
    return free, (float(origin[0]), float(origin[1]))
