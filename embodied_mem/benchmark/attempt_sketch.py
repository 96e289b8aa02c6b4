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

# RGB colours (the image is RGB; cv2 only sees numbers)
PATH, START, STOP = (147, 52, 230), (24, 128, 56), (217, 48, 37)
CHOSEN, TRUTH = (242, 140, 0), (26, 115, 232)
_ROOM_FILL, _ROOM_EDGE = (236, 236, 236), (150, 150, 150)
_FREE, _OCCUPIED = (255, 255, 255), (70, 70, 80)


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
