"""Top-down map of a house (rooms, walls, furniture, objects, an agent path), drawn with OpenCV.

Envs must not need matplotlib, so this draws with ``cv2`` on a numpy image. World +y points up
in the image.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from envs.builtin import catalog
from envs.builtin.house import Box2, House


class _Canvas:
    def __init__(self, house: House, px_per_m: float, margin: float = 0.4) -> None:
        x0, y0, x1, y1 = house.bounds
        self.x0, self.y1, self.s = x0 - margin, y1 + margin, px_per_m
        w = int(np.ceil((x1 - x0 + 2 * margin) * px_per_m))
        h = int(np.ceil((y1 - y0 + 2 * margin) * px_per_m))
        self.img = np.full((h, w, 3), 255, dtype=np.uint8)

    def px(self, x: float, y: float) -> tuple[int, int]:
        return int(round((x - self.x0) * self.s)), int(round((self.y1 - y) * self.s))

    def rect(self, box: Box2, color: tuple[int, int, int], thickness: int = -1) -> None:
        cv2.rectangle(
            self.img,
            self.px(box.cx - box.hx, box.cy + box.hy),
            self.px(box.cx + box.hx, box.cy - box.hy),
            color,
            thickness,
        )


def _rgb255(rgb: Sequence[float]) -> tuple[int, int, int]:
    return tuple(int(round(255 * float(c))) for c in rgb)  # type: ignore[return-value]


def _draw_house(c: _Canvas, house: House, held: str | None, labels: bool) -> None:
    for room in house.rooms:
        half = ((room.x1 - room.x0) / 2, (room.y1 - room.y0) / 2)
        c.rect(
            Box2(float(room.center[0]), float(room.center[1]), *half),
            _rgb255(catalog.ROOM_FLOOR_RGB[room.room_type]),
        )
    for wall in house.walls:
        c.rect(wall, (60, 60, 60))
    for rec in house.receptacles:
        c.rect(rec.footprint, _rgb255(rec.color))
        c.rect(rec.footprint, (200, 40, 40) if rec.openable else (30, 30, 30), 1)
        depth_half = rec.footprint.hy if rec.quadrant % 2 == 0 else rec.footprint.hx
        front = np.array(rec.center) + rec.front * depth_half  # a dot marks the front (door side)
        cv2.circle(c.img, c.px(*front), 2, (30, 30, 30), -1)
    radius = max(2, int(0.06 * c.s))
    for obj in house.objects:
        if obj.id != held:
            centre = c.px(obj.position[0], obj.position[1])
            cv2.circle(c.img, centre, radius, _rgb255(catalog.COLORS[obj.color_name]), -1)
            cv2.circle(c.img, centre, radius, (0, 0, 0), 1)
    if labels:
        for room in house.rooms:
            cv2.putText(
                c.img,
                room.name,
                c.px(room.x0 + 0.15, room.y1 - 0.35),
                cv2.FONT_HERSHEY_SIMPLEX,
                0.4,
                (20, 20, 20),
                1,
                cv2.LINE_AA,
            )


def _draw_path(c: _Canvas, path: Sequence[Sequence[float]]) -> None:
    """Red polyline, green start, blue end with an arrow along the final yaw (if given)."""
    pts = np.array([c.px(p[0], p[1]) for p in path], dtype=np.int32)
    cv2.polylines(c.img, [pts.reshape(-1, 1, 2)], False, (220, 30, 30), 2, cv2.LINE_AA)
    cv2.circle(c.img, (int(pts[0][0]), int(pts[0][1])), 5, (30, 160, 30), -1)
    end = (int(pts[-1][0]), int(pts[-1][1]))
    cv2.circle(c.img, end, 5, (30, 30, 200), -1)
    last = path[-1]
    if len(last) > 2:
        tip = c.px(last[0] + 0.4 * np.cos(last[2]), last[1] + 0.4 * np.sin(last[2]))
        cv2.arrowedLine(c.img, end, tip, (30, 30, 200), 2, tipLength=0.4)


def render_topdown(
    house: House,
    path: Sequence[Sequence[float]] | None = None,
    *,
    px_per_m: float = 40.0,
    held: str | None = None,
    labels: bool = True,
) -> np.ndarray:
    """(H, W, 3) uint8 RGB map. ``path`` is a sequence of (x, y[, yaw]) agent poses."""
    if px_per_m <= 0:
        raise ValueError(f"px_per_m must be positive, got {px_per_m}")
    c = _Canvas(house, px_per_m)
    _draw_house(c, house, held, labels)
    if path is not None and len(path) > 0:
        _draw_path(c, path)
    return c.img


def save_topdown(
    filename: str | Path,
    house: House,
    path: Sequence[Sequence[float]] | None = None,
    **kwargs: object,
) -> Path:
    """Write :func:`render_topdown` to a PNG file and return its path."""
    out = Path(filename)
    out.parent.mkdir(parents=True, exist_ok=True)
    img = render_topdown(house, path, **kwargs)  # type: ignore[arg-type]
    if not cv2.imwrite(str(out), cv2.cvtColor(img, cv2.COLOR_RGB2BGR)):
        raise OSError(f"could not write {out}; check the directory is writable")
    return out
