"""A hand-checked three-room house and experience record for the benchmark tests.

Floor plan (metres), rooms in a row, 0.1 m walls at x=4 and x=8 with 1 m doors at y 1.5-2.5::

    y=4 +-------------+--------------+--------------+
        | Fridge(open)|   Sofa       |Drawer(open.) |
        |  kitchen    |   living     |  bedroom     |
        |CounterTop   |   Table      |        Bed   |
    y=0 +-------------+--------------+--------------+
        x=0          x=4            x=8           x=12

Day 0 (yesterday for D=1) the oracle did, in order:
  i0 07:10-07:12 apple    CounterTop -> Table       (kitchen -> living)
  i1 09:30-09:31 book     Sofa       -> Bed         (living -> bedroom)
  i2 13:00-13:03 remote   Drawer     -> Sofa        (bedroom -> living), opened the Drawer
  i3 18:00-18:01 mug_red  CounterTop -> Fridge      (kitchen -> kitchen), opened the Fridge
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage
from skimage.graph import MCP_Geometric

from embodied_mem.benchmark.episode import (
    ExperienceRecord,
    InteractionRecord,
    OvernightChange,
    RoomVisit,
)
from envs.ground_truth import GroundTruth, ObjectRecord, RoomRecord
from envs.timeutil import parse_hhmm
from envs.types import AgentPose, CameraIntrinsics, Observation, SimTime

RES = 0.05


def _box(
    oid: str,
    cat: str,
    room: str,
    lo: tuple[float, float],
    hi: tuple[float, float],
    *,
    z: tuple[float, float] = (0.0, 0.8),
    **kw: object,
) -> ObjectRecord:
    centre = ((lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, (z[0] + z[1]) / 2)
    return ObjectRecord(oid, cat, room, centre, (lo[0], lo[1], z[0]), (hi[0], hi[1], z[1]), **kw)  # type: ignore[arg-type]


def _item(
    oid: str, cat: str, room: str, on: ObjectRecord, dx: float, attrs: dict[str, str]
) -> ObjectRecord:
    c = on.center
    x, y = c[0] + dx, c[1]
    return ObjectRecord(
        oid,
        cat,
        room,
        (x, y, on.bbox_max[2] + 0.05),
        (x - 0.05, y - 0.05, on.bbox_max[2]),
        (x + 0.05, y + 0.05, on.bbox_max[2] + 0.1),
        parent_receptacle=on.id,
        pickupable=True,
        attributes=attrs,
    )


def make_gt() -> GroundTruth:
    """The world after day 0 (what phase 2 starts from)."""
    rooms = {
        "kitchen": RoomRecord("kitchen", "kitchen", "kitchen", [(0, 0), (4, 0), (4, 4), (0, 4)]),
        "living": RoomRecord(
            "living", "living_room", "living room", [(4, 0), (8, 0), (8, 4), (4, 4)]
        ),
        "bedroom": RoomRecord("bedroom", "bedroom", "bedroom", [(8, 0), (12, 0), (12, 4), (8, 4)]),
    }
    r = dict(is_receptacle=True)
    recs = [
        _box("counter", "CounterTop", "kitchen", (0.1, 0.5), (0.7, 3.0), **r),
        _box("fridge", "Fridge", "kitchen", (3.0, 3.3), (3.8, 3.9), z=(0, 1.8), openable=True, **r),
        _box("table", "Table", "living", (5.5, 1.5), (6.5, 2.5), **r),
        _box("sofa", "Sofa", "living", (4.5, 3.3), (7.5, 3.9), z=(0, 0.5), **r),
        _box("bed", "Bed", "bedroom", (10.4, 0.0), (12.0, 1.8), z=(0, 0.5), **r),
        _box("drawer", "Dresser", "bedroom", (8.3, 3.3), (9.3, 3.9), openable=True, **r),
    ]
    by = {o.id: o for o in recs}
    items = [
        _item(
            "apple",
            "Apple",
            "living",
            by["table"],
            -0.2,
            {"color": "red", "shape": "round", "material": "organic"},
        ),
        _item(
            "book",
            "Book",
            "bedroom",
            by["bed"],
            0.0,
            {"color": "blue", "shape": "rectangular", "material": "paper"},
        ),
        _item(
            "remote",
            "RemoteControl",
            "living",
            by["sofa"],
            0.5,
            {"color": "black", "shape": "rectangular", "material": "plastic"},
        ),
        _item(
            "mug_red",
            "Mug",
            "kitchen",
            by["fridge"],
            0.0,
            {"color": "red", "shape": "cylindrical", "material": "ceramic"},
        ),
        _item(
            "mug_blue",
            "Mug",
            "living",
            by["table"],
            0.3,
            {"color": "blue", "shape": "cylindrical", "material": "ceramic"},
        ),
        _item(
            "pillow",
            "Pillow",
            "bedroom",
            by["bed"],
            0.6,
            {"color": "white", "shape": "rectangular", "material": "fabric"},
        ),
    ]
    return GroundTruth(objects={o.id: o for o in recs + items}, rooms=rooms)


def _ix(
    index: int,
    day: int,
    oid: str,
    cat: str,
    attrs: dict[str, str],
    src: tuple[str, str],
    dst: tuple[str, str],
    rooms: tuple[str, str],
    t0: str,
    t1: str,
    opened: list[str],
) -> InteractionRecord:
    s = day * 86400 + parse_hhmm(t0) * 60.0
    e = day * 86400 + parse_hhmm(t1) * 60.0
    return InteractionRecord(
        index,
        day,
        oid,
        cat,
        attrs,
        src[0],
        src[1],
        dst[0],
        dst[1],
        rooms[0],
        rooms[1],
        s,
        e,
        t0,
        t1,
        index * 100,
        index * 100 + 50,
        opened,
    )


def _visits(day: int, spans: list[tuple[str, str, str]]) -> list[RoomVisit]:
    base = day * 86400
    return [
        RoomVisit(day, room, base + parse_hhmm(a) * 60.0, base + parse_hhmm(b) * 60.0, a, b)
        for room, a, b in spans
    ]


_DAY = [  # room, enter, exit
    ("kitchen", "06:00", "07:11"),
    ("living", "07:11", "09:20"),
    ("bedroom", "09:20", "09:25"),
    ("living", "09:25", "09:30"),
    ("bedroom", "09:30", "13:02"),
    ("living", "13:02", "17:55"),
    ("kitchen", "17:55", "22:00"),
]


def day_interactions(day: int, first_index: int) -> list[InteractionRecord]:
    gt = make_gt()
    a = {k: gt.objects[k].attributes for k in ("apple", "book", "remote", "mug_red")}
    return [
        _ix(
            first_index,
            day,
            "apple",
            "Apple",
            a["apple"],
            ("counter", "CounterTop"),
            ("table", "Table"),
            ("kitchen", "living"),
            "07:10",
            "07:12",
            [],
        ),
        _ix(
            first_index + 1,
            day,
            "book",
            "Book",
            a["book"],
            ("sofa", "Sofa"),
            ("bed", "Bed"),
            ("living", "bedroom"),
            "09:30",
            "09:31",
            [],
        ),
        _ix(
            first_index + 2,
            day,
            "remote",
            "RemoteControl",
            a["remote"],
            ("drawer", "Dresser"),
            ("sofa", "Sofa"),
            ("bedroom", "living"),
            "13:00",
            "13:03",
            ["drawer"],
        ),
        _ix(
            first_index + 3,
            day,
            "mug_red",
            "Mug",
            a["mug_red"],
            ("counter", "CounterTop"),
            ("fridge", "Fridge"),
            ("kitchen", "kitchen"),
            "18:00",
            "18:01",
            ["fridge"],
        ),
    ]


MORNING = {
    "apple": "counter",
    "book": "sofa",
    "remote": "drawer",
    "mug_red": "counter",
    "mug_blue": "table",
    "pillow": "bed",
}
FINAL = {
    "apple": "table",
    "book": "bed",
    "remote": "sofa",
    "mug_red": "fridge",
    "mug_blue": "table",
    "pillow": "bed",
}


def make_record_one_day() -> ExperienceRecord:
    return ExperienceRecord(
        episode_id="hand-1",
        days=1,
        interactions=day_interactions(0, 0),
        visits=_visits(0, _DAY),
        start_rooms=["kitchen"],
        end_rooms=["kitchen"],
        day_start_receptacles=[dict(MORNING)],
        final_receptacles=dict(FINAL),
        num_frames=400,
    )


def make_two_day() -> tuple[ExperienceRecord, GroundTruth]:
    """Day 0: pillow bed -> sofa 08:00-08:02, then overnight pillow sofa -> bed (so it moved since).

    Day 1 is the four interactions of the one-day episode (starting from the same morning
    layout, apple and friends having been put back overnight).
    """
    pillow = make_gt().objects["pillow"].attributes
    d0 = [
        _ix(
            0,
            0,
            "pillow",
            "Pillow",
            pillow,
            ("bed", "Bed"),
            ("sofa", "Sofa"),
            ("bedroom", "living"),
            "08:00",
            "08:02",
            [],
        )
    ]
    day0_morning = dict(MORNING)
    day1_morning = dict(MORNING)  # the pillow went back to the bed overnight
    visits = _visits(0, [("bedroom", "06:00", "08:01"), ("living", "08:01", "22:00")]) + _visits(
        1, _DAY
    )
    rec = ExperienceRecord(
        episode_id="hand-2",
        days=2,
        interactions=d0 + day_interactions(1, 1),
        visits=visits,
        start_rooms=["bedroom", "kitchen"],
        end_rooms=["living", "kitchen"],
        overnight=[OvernightChange(0, "pillow", "Pillow", "sofa", "bed")],
        day_start_receptacles=[day0_morning, day1_morning],
        final_receptacles=dict(FINAL),
        num_frames=800,
    )
    return rec, make_gt()


class GridNav:
    """Occupancy-grid navigability of the hand-checked house (walls and furniture block)."""

    def __init__(self, gt: GroundTruth, res: float = RES) -> None:
        self.res = res
        self.shape = (int(round(12 / res)), int(round(4 / res)))  # (x cells, y cells)
        free = np.ones(self.shape, dtype=bool)
        for wx in (4.0, 8.0):  # walls with doors at y in [1.5, 2.5]
            i0, i1 = int((wx - 0.05) / res), int(math.ceil((wx + 0.05) / res))
            free[i0:i1, :] = False
            free[i0:i1, int(1.5 / res) : int(2.5 / res)] = True
        for o in gt.receptacles():
            free[
                int(o.bbox_min[0] / res) : int(math.ceil(o.bbox_max[0] / res)),
                int(o.bbox_min[1] / res) : int(math.ceil(o.bbox_max[1] / res)),
            ] = False
        self.free = free
        self._fields: dict[tuple[int, int], _Field] = {}
        _, self._nearest = ndimage.distance_transform_edt(~free, return_indices=True)

    def _cell(self, xy: np.ndarray) -> tuple[int, int]:
        i = int(np.clip(np.floor(xy[0] / self.res), 0, self.shape[0] - 1))
        j = int(np.clip(np.floor(xy[1] / self.res), 0, self.shape[1] - 1))
        return i, j

    def _xy(self, cell: tuple[int, int]) -> np.ndarray:
        return (np.asarray(cell, dtype=float) + 0.5) * self.res

    def is_navigable(self, xy: np.ndarray) -> bool:
        xy = np.asarray(xy, dtype=float)
        if not (0 <= xy[0] < 12 and 0 <= xy[1] < 4):
            return False
        return bool(self.free[self._cell(xy)])

    def snap(self, xy: np.ndarray) -> np.ndarray:
        i, j = self._cell(np.asarray(xy, dtype=float))
        return self._xy((int(self._nearest[0, i, j]), int(self._nearest[1, i, j])))

    def distances_from(self, goal: np.ndarray) -> _Field:
        cell = self._cell(np.asarray(self.snap(goal)))
        if cell not in self._fields:  # fields are the expensive part; tests ask for few goals
            costs, _ = MCP_Geometric(np.where(self.free, 1.0, np.inf)).find_costs([cell])
            self._fields[cell] = _Field(self, costs * self.res)
        return self._fields[cell]

    def geodesic_distance(self, a: np.ndarray, b: np.ndarray) -> float:
        return float(self.distances_from(b).at(a))

    def shortest_path(self, a: np.ndarray, b: np.ndarray) -> list[np.ndarray] | None:
        cost = np.where(self.free, 1.0, np.inf)
        mcp = MCP_Geometric(cost)
        mcp.find_costs([self._cell(self.snap(a))], [self._cell(self.snap(b))])
        try:
            cells = mcp.traceback(self._cell(self.snap(b)))
        except ValueError:
            return None
        return [self._xy(c) for c in cells]

    def sample_navigable(self, rng: np.random.Generator) -> np.ndarray:
        cells = np.argwhere(self.free)
        return self._xy(tuple(cells[int(rng.integers(len(cells)))]))


class _Field:
    def __init__(self, nav: GridNav, costs: np.ndarray) -> None:
        self.nav, self.costs = nav, costs

    def at(self, xy: np.ndarray) -> float | np.ndarray:
        xy = np.asarray(xy, dtype=float)
        if xy.ndim == 2:
            return np.array([self.at(p) for p in xy])
        return float(self.costs[self.nav._cell(xy)])


def observe(
    x: float,
    y: float,
    yaw: float,
    visible: dict[str, float] | None = None,
    gt: GroundTruth | None = None,
) -> Observation:
    """A frame at (x, y, yaw) whose instance mask shows each id in ``visible`` on that pixel fraction."""
    k = CameraIntrinsics.from_fov(100, 100, hfov_deg=90)
    ids = np.zeros((100, 100), dtype=np.int32)
    names: dict[int, str] = {}
    offset = 0
    for n, (oid, frac) in enumerate((visible or {}).items(), start=1):
        count = int(round(frac * ids.size))
        ids.flat[offset : offset + count] = n
        names[n] = oid
        offset += count
    c, s = math.cos(yaw), math.sin(yaw)
    # optical z forward = heading, optical x right, optical y down
    rot = np.array([[s, 0, c], [-c, 0, s], [0, -1, 0]], dtype=float)
    pose = np.eye(4)
    pose[:3, :3] = rot
    pose[:3, 3] = (x, y, 1.2)
    room = gt.room_at(x, y) if gt is not None else None
    return Observation(
        depth=np.ones((100, 100), np.float32),
        intrinsics=k,
        cam_to_world=pose,
        agent=AgentPose((x, y, 0.0), yaw),
        time=SimTime(0.0, 1, "08:00"),
        instance_ids=ids,
        instance_names=names,
        room_id=room,
    )
