"""A small top-down sketch of one task attempt, drawn with OpenCV while the benchmark runs.

The benchmark must not need matplotlib (an optional extra), and a sketch of ~200 px costs about
a millisecond with ``cv2``, so failed tasks get their picture at run time. World +y points up
in the image. What is drawn:

- room footprints (the annotations every agent is given), light grey;
- the agent's own free-space map when the memory has one (seen floor white, obstacles dark);
- the attempt's path (every step, purple), its start (green dot) and where it stopped (red dot
  with the heading);
- what the plan chose (orange crosses) and the truth (blue diamonds; evaluation only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from envs.camera import world_to_pixels
from envs.types import CameraIntrinsics

# RGB colours (the image is RGB; cv2 only sees numbers)
PATH, START, STOP = (147, 52, 230), (24, 128, 56), (217, 48, 37)
CHOSEN, TRUTH = (242, 140, 0), (26, 115, 232)
_ROOM_FILL, _ROOM_EDGE = (236, 236, 236), (150, 150, 150)
_FREE, _OCCUPIED = (255, 255, 255), (70, 70, 80)
_MIN_HALF_BOX = 8  # pixels


@dataclass
class Sketch:
    """Everything one sketch shows; coordinates are world metres (x, y)."""

    rooms: list[list[tuple[float, float]]]
    path: list[tuple[float, float]] = field(default_factory=list)
    stop_yaw: float | None = None
    chosen: list[tuple[float, float]] = field(default_factory=list)
    truth: list[tuple[float, float]] = field(default_factory=list)
    free_space: tuple[np.ndarray, np.ndarray, tuple[float, float], float] | None = None
    """(seen (H, W) bool, occupied (H, W) bool, (x, y) of cell [0, 0]'s corner, metres per cell)."""


class _Frame:
    """World metres → pixels for a square-ish image covering ``bounds`` with a margin."""

    def __init__(self, bounds: tuple[float, float, float, float], size: int) -> None:
        x0, y0, x1, y1 = bounds
        span = max(x1 - x0, y1 - y0, 1.0)
        self.s = (size - 8) / span
        self.x0, self.y1 = x0 - 4 / self.s, y1 + 4 / self.s
        self.w = int(np.ceil((x1 - x0) * self.s)) + 8
        self.h = int(np.ceil((y1 - y0) * self.s)) + 8

    def px(self, xy: Sequence[float]) -> tuple[int, int]:
        return int(round((xy[0] - self.x0) * self.s)), int(round((self.y1 - xy[1]) * self.s))


def _bounds(sketch: Sketch) -> tuple[float, float, float, float]:
    pts = [p for room in sketch.rooms for p in room] + sketch.path + sketch.chosen + sketch.truth
    if not pts:
        return (-1.0, -1.0, 1.0, 1.0)
    arr = np.asarray(pts, dtype=float)
    (x0, y0), (x1, y1) = arr.min(axis=0) - 0.3, arr.max(axis=0) + 0.3
    return float(x0), float(y0), float(x1), float(y1)


def _draw_free_space(img: np.ndarray, f: _Frame, sketch: Sketch) -> None:
    """Paste the map (resampled to the sketch's scale) where the agent has seen anything."""
    if sketch.free_space is None:
        return
    seen, occupied, corner, res = sketch.free_space
    if not seen.size:
        return
    layer = np.zeros((*seen.shape, 3), dtype=np.uint8)
    layer[seen] = _FREE
    layer[occupied] = _OCCUPIED
    known = (seen | occupied).astype(np.uint8)
    # Row 0 of the map is its lowest y; the image's row 0 is its highest.
    u0, v0 = f.px((corner[0], corner[1] + seen.shape[0] * res))
    u1, v1 = f.px((corner[0] + seen.shape[1] * res, corner[1]))
    if u1 <= u0 or v1 <= v0:
        return
    size = (u1 - u0, v1 - v0)
    layer = cv2.resize(layer[::-1], size, interpolation=cv2.INTER_NEAREST)
    known = cv2.resize(known[::-1], size, interpolation=cv2.INTER_NEAREST).astype(bool)
    # clip to the canvas
    a0, b0 = max(0, u0), max(0, v0)
    a1, b1 = min(img.shape[1], u1), min(img.shape[0], v1)
    if a1 <= a0 or b1 <= b0:
        return
    src = (slice(b0 - v0, b1 - v0), slice(a0 - u0, a1 - u0))
    target = img[b0:b1, a0:a1]
    target[known[src]] = layer[src][known[src]]


def _cross(img: np.ndarray, p: tuple[int, int], color: tuple[int, int, int], r: int = 5) -> None:
    cv2.line(img, (p[0] - r, p[1] - r), (p[0] + r, p[1] + r), color, 2, cv2.LINE_AA)
    cv2.line(img, (p[0] - r, p[1] + r), (p[0] + r, p[1] - r), color, 2, cv2.LINE_AA)


def _diamond(img: np.ndarray, p: tuple[int, int], color: tuple[int, int, int], r: int = 6) -> None:
    pts = np.array([(p[0], p[1] - r), (p[0] + r, p[1]), (p[0], p[1] + r), (p[0] - r, p[1])])
    cv2.polylines(img, [pts.reshape(-1, 1, 2).astype(np.int32)], True, color, 2, cv2.LINE_AA)


def draw_sketch(sketch: Sketch, size: int = 200) -> np.ndarray:
    """(H, W, 3) uint8 RGB sketch of the attempt, the longer side ``size`` pixels."""
    f = _Frame(_bounds(sketch), size)
    img = np.full((f.h, f.w, 3), 250, dtype=np.uint8)
    for room in sketch.rooms:
        poly = np.array([f.px(p) for p in room], dtype=np.int32).reshape(-1, 1, 2)
        cv2.fillPoly(img, [poly], _ROOM_FILL)
    _draw_free_space(img, f, sketch)
    for room in sketch.rooms:
        poly = np.array([f.px(p) for p in room], dtype=np.int32).reshape(-1, 1, 2)
        cv2.polylines(img, [poly], True, _ROOM_EDGE, 1, cv2.LINE_AA)
    for p in sketch.truth:
        _diamond(img, f.px(p), TRUTH)
    for p in sketch.chosen:
        _cross(img, f.px(p), CHOSEN)
    if sketch.path:
        pts = np.array([f.px(p) for p in sketch.path], dtype=np.int32).reshape(-1, 1, 2)
        cv2.polylines(img, [pts], False, PATH, 2, cv2.LINE_AA)
        cv2.circle(img, f.px(sketch.path[0]), 4, START, -1, cv2.LINE_AA)
        end = f.px(sketch.path[-1])
        cv2.circle(img, end, 4, STOP, -1, cv2.LINE_AA)
        if sketch.stop_yaw is not None:
            x, y = sketch.path[-1]
            tip = f.px((x + 0.5 * np.cos(sketch.stop_yaw), y + 0.5 * np.sin(sketch.stop_yaw)))
            cv2.arrowedLine(img, end, tip, STOP, 2, cv2.LINE_AA, tipLength=0.35)
    return img


def encode_png(rgb: np.ndarray) -> bytes:
    """PNG bytes of an RGB image (deterministic; no metadata)."""
    ok, buf = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:  # pragma: no cover - cv2 encodes any uint8 image
        raise ValueError("cv2 could not encode the sketch as PNG")
    return buf.tobytes()


@dataclass(frozen=True)
class FrameCamera:
    """Where a frame was taken from: enough to project world points into its thumbnail, with
    the pinhole model every package shares (:func:`envs.camera.world_to_pixels`)."""

    intrinsics: CameraIntrinsics
    """Of the full frame, pixels."""
    cam_to_world: np.ndarray
    """(4, 4) optical frame (x right, y down, z forward) → world."""

    @classmethod
    def of(cls, obs: object) -> FrameCamera:
        return cls(obs.intrinsics, np.asarray(obs.cam_to_world, dtype=float))  # type: ignore[attr-defined]

    @property
    def width(self) -> int:
        return self.intrinsics.width

    @property
    def height(self) -> int:
        return self.intrinsics.height

    def project(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(N, 3) world points → (N, 2) full-frame pixels and which lie in front of the camera
        (5 cm or more; the pixels of the others are meaningless)."""
        pts = np.asarray(points, dtype=float).reshape(-1, 3)
        u, v, z = world_to_pixels(pts, self.intrinsics, self.cam_to_world)
        front = z > 0.05
        uv = np.where(front[:, None], np.c_[u, v], 0.0)
        return uv, front


def _corners(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return np.array(
        [[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])]
    )


def mark_frame(
    jpeg: bytes,
    camera: FrameCamera,
    boxes: list[tuple[np.ndarray, np.ndarray]] = (),  # type: ignore[assignment]
    points: list[np.ndarray] = (),  # type: ignore[assignment]
    quality: int = 80,
) -> bytes:
    """The thumbnail ``jpeg`` with world boxes (orange rectangles: what memory chose) and world
    points (blue diamonds: the truth) drawn where the camera saw them; unchanged when none is
    in view."""
    img = cv2.imdecode(np.frombuffer(jpeg, dtype=np.uint8), cv2.IMREAD_COLOR)
    if img is None:  # pragma: no cover - our own JPEGs always decode
        return jpeg
    scale = img.shape[1] / camera.width
    drawn = False
    for lo, hi in boxes:
        uv, front = camera.project(_corners(np.asarray(lo), np.asarray(hi)))
        if not front.all():
            continue
        (u0, v0), (u1, v1) = (
            (uv.min(axis=0) * scale).astype(int),
            (uv.max(axis=0) * scale).astype(int),
        )
        if u1 < 0 or v1 < 0 or u0 >= img.shape[1] or v0 >= img.shape[0]:
            continue
        # a far object is a few pixels: keep the box visibly larger than the truth's diamond
        cu, cv = (u0 + u1) // 2, (v0 + v1) // 2
        hu, hv = max(_MIN_HALF_BOX, (u1 - u0) // 2 + 2), max(_MIN_HALF_BOX, (v1 - v0) // 2 + 2)
        cv2.rectangle(img, (cu - hu, cv - hv), (cu + hu, cv + hv), CHOSEN[::-1], 2, cv2.LINE_AA)
        drawn = True
    for p in points:
        uv, front = camera.project(np.asarray(p))
        u, v = (uv[0] * scale).astype(int)
        if front[0] and 0 <= u < img.shape[1] and 0 <= v < img.shape[0]:
            _diamond(img, (int(u), int(v)), TRUTH[::-1], r=5)
            drawn = True
    if not drawn:
        return jpeg
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return buf.tobytes() if ok else jpeg
