"""A seeded synthetic house and scripted days that feed memory through its public API.

Used by memory tests and the query/storage benchmarks when a real simulator run is not
needed: rooms with footprints, receptacles and objects as boxes with fixed point clouds,
frames whose detections carry masks and world points (as a back-projecting segmenter would),
and a scripted agent that walks room to room and rearranges objects, reporting its
interactions like the benchmark's oracle experience does. It is labelled synthetic: no
rendering happens, geometry is exact, and ``oracle_id`` is set on detections.

Clock: day ``d`` starts at sim second ``d * day_seconds``; one sim second is one wall-clock
minute from 06:00 (so a day of 960 s spans 06:00-22:00, as in FindingDory).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from embodied_mem.perception.types import Detection
from envs.ground_truth import RoomRecord
from envs.timeutil import format_hhmm
from envs.types import AgentPose, CameraIntrinsics, Observation, SimTime

ROOM_TYPES = ("kitchen", "living_room", "bedroom", "bathroom", "office", "hallway")
ROOM_FURNITURE = {
    "kitchen": ("CounterTop", "Fridge", "DiningTable", "Cabinet"),
    "living_room": ("Sofa", "CoffeeTable", "Shelf", "SideTable"),
    "bedroom": ("Bed", "Dresser", "Desk", "Shelf"),
    "bathroom": ("Sink", "Cabinet", "Shelf", "SideTable"),
    "office": ("Desk", "Shelf", "SideTable", "Cabinet"),
    "hallway": ("SideTable", "Shelf", "Dresser", "CoffeeTable"),
}
OBJECTS = (
    "Apple",
    "Mug",
    "Book",
    "Bowl",
    "Vase",
    "Laptop",
    "Pillow",
    "Plate",
    "Cup",
    "Remote",
    "Candle",
    "Bottle",
    "Statue",
    "Lamp",
    "Pen",
)
COLORS = ("red", "blue", "green", "white", "black", "yellow")
MATERIALS = ("ceramic", "plastic", "wood", "metal", "glass", "fabric")
SHAPES = ("round", "square", "cylindrical", "flat")
CONTAINERS = ("Fridge", "Cabinet")


@dataclass
class Thing:
    """A receptacle or object of the synthetic house (env id, category, box)."""

    id: str
    category: str
    room_id: str
    lo: np.ndarray
    hi: np.ndarray
    receptacle: bool
    attributes: dict[str, str] = field(default_factory=dict)
    parent: str | None = None
    base_points: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))

    @property
    def center(self) -> np.ndarray:
        return (self.lo + self.hi) / 2

    def points(self) -> np.ndarray:
        return self.base_points + self.lo


@dataclass
class SynthConfig:
    """Size and rendering of the synthetic house."""

    seed: int = 0
    rooms: int = 3
    """Rooms in a row, 5 m x 4 m each."""
    receptacles_per_room: int = 3
    objects_per_receptacle: int = 2
    width: int = 64
    """Frame width in pixels (masks have this size)."""
    height: int = 48
    day_seconds: float = 960.0
    frame_dt: float = 4.0
    """Sim seconds between frames."""
    points_per_thing: int = 60

    def __post_init__(self) -> None:
        if self.rooms < 1 or self.rooms > len(ROOM_TYPES):
            raise ValueError(f"rooms must be in 1..{len(ROOM_TYPES)}, got {self.rooms}")
        if not 1 <= self.receptacles_per_room <= 4:
            raise ValueError(
                f"receptacles_per_room must be in 1..4, got {self.receptacles_per_room}"
            )
        if self.frame_dt <= 0 or self.day_seconds <= 0:
            raise ValueError("frame_dt and day_seconds must be > 0")


def _grid_points(size: np.ndarray, n: int) -> np.ndarray:
    """~n points on a regular grid filling a box of ``size`` (deterministic, so re-observations overlap)."""
    k = max(2, round(n ** (1 / 3)))
    axes = [np.linspace(0.0, float(s), k) for s in size]
    g = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 3)
    return g


class SyntheticHouse:
    """Rooms in a row; each with furniture along the walls and small objects on it."""

    def __init__(self, config: SynthConfig | None = None) -> None:
        self.config = cfg = config or SynthConfig()
        rng = np.random.default_rng(cfg.seed)
        self.rooms: list[RoomRecord] = []
        self.things: dict[str, Thing] = {}
        for r in range(cfg.rooms):
            rtype = ROOM_TYPES[r]
            x0 = 5.0 * r
            rid = f"room_{r}"
            self.rooms.append(
                RoomRecord(
                    rid,
                    rtype,
                    f"{rtype.replace('_', ' ')}",
                    [(x0, 0.0), (x0 + 5, 0.0), (x0 + 5, 4.0), (x0, 4.0)],
                )
            )
            for j, cat in enumerate(ROOM_FURNITURE[rtype][: cfg.receptacles_per_room]):
                lo = np.array([x0 + 0.4 + 1.5 * j, 0.3 + 1.6 * (j % 2), 0.0])
                h = 0.9 if cat not in ("Fridge", "Cabinet") else 1.4
                hi = lo + np.array([1.0, 0.8, h])
                rec = Thing(f"{cat}_{r}_{j}", cat, rid, lo, hi, True)
                rec.base_points = _grid_points(hi - lo, cfg.points_per_thing)
                self.things[rec.id] = rec
                for k in range(cfg.objects_per_receptacle):
                    cat_o = OBJECTS[int(rng.integers(len(OBJECTS)))]
                    size = np.array([0.12, 0.12, 0.12])
                    olo = np.array([lo[0] + 0.15 + 0.45 * k, lo[1] + 0.3, hi[2]])
                    attrs = {
                        "color": COLORS[int(rng.integers(len(COLORS)))],
                        "material": MATERIALS[int(rng.integers(len(MATERIALS)))],
                        "shape": SHAPES[int(rng.integers(len(SHAPES)))],
                    }
                    obj = Thing(
                        f"{cat_o}_{r}_{j}_{k}", cat_o, rid, olo, olo + size, False, attrs, rec.id
                    )
                    obj.base_points = _grid_points(size, cfg.points_per_thing)
                    self.things[obj.id] = obj
        self.intrinsics = CameraIntrinsics.from_fov(cfg.width, cfg.height, hfov_deg=90)
        self.held: str | None = None

    def room_center(self, room_id: str) -> np.ndarray:
        x0 = 5.0 * int(room_id.split("_")[1])
        return np.array([x0 + 2.5, 3.5])

    def receptacles(self) -> list[Thing]:
        return [t for t in self.things.values() if t.receptacle]

    def objects(self) -> list[Thing]:
        return [t for t in self.things.values() if not t.receptacle]

    def free_spot(self, rec_id: str) -> np.ndarray:
        """Bottom-centre (x, y, z) of a free spot on top of a receptacle."""
        rec = self.things[rec_id]
        if rec.category in CONTAINERS:  # inside, on the middle shelf
            c = rec.center
            return np.array([c[0], c[1], rec.lo[2] + 0.4])
        taken = [t for t in self.objects() if t.parent == rec_id]
        x = rec.lo[0] + 0.15 + 0.45 * len(taken) % max(0.3, (rec.hi[0] - rec.lo[0] - 0.2))
        return np.array([x + 0.06, rec.lo[1] + 0.55, rec.hi[2]])

    def pick(self, obj_id: str) -> np.ndarray:
        obj = self.things[obj_id]
        self.held, obj.parent = obj_id, None
        return obj.center

    def place(self, rec_id: str) -> np.ndarray:
        """Put the held object on ``rec_id``; returns its new centre."""
        assert self.held is not None
        obj = self.things[self.held]
        spot = self.free_spot(rec_id)
        size = obj.hi - obj.lo
        obj.lo = np.array([spot[0] - size[0] / 2, spot[1] - size[1] / 2, spot[2]])
        obj.hi = obj.lo + size
        obj.parent, obj.room_id, self.held = rec_id, self.things[rec_id].room_id, None
        return obj.center

    def frame(
        self, frame_index: int, t: SimTime, room_id: str, *, rgb: bool = True
    ) -> tuple[Observation, list[Detection]]:
        """The agent in ``room_id`` sees everything in that room (except what it holds)."""
        cfg = self.config
        xy = self.room_center(room_id)
        pose = AgentPose((float(xy[0]), float(xy[1]), 0.0), -math.pi / 2)
        cam = np.eye(4)
        cam[:3, 3] = [xy[0], xy[1], 1.5]
        depth = np.full((cfg.height, cfg.width), 2.0, dtype=np.float32)
        visible = [
            th for th in self.things.values() if th.room_id == room_id and th.id != self.held
        ]
        dets: list[Detection] = []
        cols = np.array_split(np.arange(cfg.width), max(1, len(visible)))
        for th, c in zip(visible, cols, strict=True):
            mask = np.zeros((cfg.height, cfg.width), dtype=bool)
            rows = cfg.height if th.receptacle else cfg.height // 3
            mask[:rows, c] = True
            dets.append(
                Detection(mask, th.category, 1.0, th.points(), None, th.id, dict(th.attributes))
            )
        image = np.zeros((cfg.height, cfg.width, 3), dtype=np.uint8) if rgb else None
        obs = Observation(
            depth, self.intrinsics, cam, pose, t, image, None, {}, self.held, frame_index, room_id
        )
        return obs, dets


def clock(day: int, seconds_into_day: float, cfg: SynthConfig) -> SimTime:
    minutes = 360 + int(seconds_into_day)  # one sim second = one wall-clock minute
    minutes = min(minutes, 22 * 60 + 59)
    return SimTime(day * cfg.day_seconds + seconds_into_day, day, format_hhmm(minutes))


@dataclass
class Interaction:
    """Ground truth of one scripted rearrangement (for tests to check answers)."""

    day: int
    object_id: str
    category: str
    source: str
    target: str
    pick_time: float
    place_time: float
    pick_tod: str
    place_tod: str


def run_day(
    mem,
    house: SyntheticHouse,
    day: int,
    plan: list[tuple[str, str]],
    *,  # noqa: ANN001
    frames_per_room: int = 6,
    start_room: str | None = None,
) -> list[Interaction]:
    """Walk the house and perform ``plan`` [(object env id, target receptacle env id)] through
    ``mem.ingest`` / ``mem.record_interaction``. Returns the ground-truth interactions."""
    cfg = house.config
    s = 0.0
    frame = int(day * 100000)
    room = start_room or house.rooms[0].id
    gt: list[Interaction] = []

    def look(n: int) -> None:
        nonlocal s, frame
        for _ in range(n):
            obs, dets = house.frame(frame, clock(day, s, cfg), room)
            mem.ingest(obs, dets)
            s += cfg.frame_dt
            frame += 1

    look(frames_per_room)
    for obj_id, rec_id in plan:
        obj = house.things[obj_id]
        if obj.room_id != room:
            room = obj.room_id
            look(frames_per_room)
        src = obj.parent or ""
        t_pick = clock(day, s, cfg)
        mem.record_interaction("pick", t_pick, frame, house.pick(obj_id))
        look(2)
        target_room = house.things[rec_id].room_id
        if target_room != room:
            room = target_room
            look(frames_per_room)
        container = house.things[rec_id].category in CONTAINERS
        if container:
            mem.record_interaction("open", clock(day, s, cfg), frame, house.things[rec_id].center)
            look(1)
        t_place = clock(day, s, cfg)
        center = house.place(rec_id)
        mem.record_interaction("place", t_place, frame, center)
        look(2)
        if container:
            mem.record_interaction("close", clock(day, s, cfg), frame, house.things[rec_id].center)
            look(1)
        gt.append(
            Interaction(
                day,
                obj_id,
                obj.category,
                src,
                rec_id,
                t_pick.seconds,
                t_place.seconds,
                t_pick.time_of_day,
                t_place.time_of_day,
            )
        )
    look(frames_per_room // 2)
    return gt


def random_plan(house: SyntheticHouse, rng: np.random.Generator, k: int) -> list[tuple[str, str]]:
    """``k`` distinct objects each moved to a different receptacle."""
    objs = house.objects()
    recs = house.receptacles()
    order = rng.permutation(len(objs))[:k]
    plan = []
    for i in order:
        obj = objs[int(i)]
        choices = [r for r in recs if r.id != obj.parent]
        plan.append((obj.id, choices[int(rng.integers(len(choices)))].id))
    return plan
