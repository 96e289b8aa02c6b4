"""Frame buffers for AI2-THOR-style events, ray-cast from axis-aligned boxes (test fake).

Everything is written in Unity's own frame and conventions, independently of
``envs.ai2thor.frames``: Unity yaw turns +z towards +x, a positive horizon looks down, the
vertical field of view is ``fov``. The bytes are laid out as Unity sends them (rows bottom-up,
RGBA, depth normalised by the far-near range) and decoded by ``ai2thor.server.Event``'s own
methods, so tests exercise AI2-THOR's real decoders.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in Unity coordinates and the segmentation colour it renders with."""

    center: np.ndarray
    size: np.ndarray
    colour: tuple[int, int, int]


def camera_axes(md: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Right, up, forward of the Unity camera from the agent's yaw and horizon."""
    th = math.radians(md["agent"]["rotation"]["y"])
    h = math.radians(md["agent"]["cameraHorizon"])
    forward = np.array([math.sin(th) * math.cos(h), -math.sin(h), math.cos(th) * math.cos(h)])
    right = np.array([math.cos(th), 0.0, -math.sin(th)])
    up = np.array([math.sin(th) * math.sin(h), math.cos(h), math.cos(th) * math.sin(h)])
    return right, up, forward


def _rays(md: dict) -> tuple[np.ndarray, np.ndarray]:
    w, h = md["screenWidth"], md["screenHeight"]
    f = (h / 2.0) / math.tan(math.radians(md["fov"]) / 2.0)
    right, up, forward = camera_axes(md)
    u, v = np.meshgrid(np.arange(w) + 0.5 - w / 2.0, np.arange(h) + 0.5 - h / 2.0)
    # unit component along forward, so the ray parameter t is the z-depth
    dirs = forward + (u / f)[..., None] * right - (v / f)[..., None] * up
    origin = np.array([md["cameraPosition"][k] for k in "xyz"])
    return origin, dirs


def _slab(origin: np.ndarray, inv_dirs: np.ndarray, lo: np.ndarray, hi: np.ndarray):
    """Entry and exit ray parameters of the box [lo, hi] (the slab method)."""
    t1 = (lo - origin) * inv_dirs
    t2 = (hi - origin) * inv_dirs
    return np.minimum(t1, t2).max(axis=-1), np.maximum(t1, t2).min(axis=-1)


def render_boxes(
    md: dict, boxes: list[Box], room: Box | None = None, near: float = 0.1
) -> tuple[np.ndarray, np.ndarray]:
    """(H, W, 4) RGBA segmentation colours and (H, W) z-depth, rows top-down.

    ``room`` is seen from inside (its walls, floor and ceiling are where rays leave it).
    """
    origin, dirs = _rays(md)
    h, w = dirs.shape[:2]
    # rays parallel to a slab get a huge (not infinite) inverse, so no 0 * inf = NaN
    inv_dirs = 1.0 / np.where(np.abs(dirs) < 1e-12, 1e-12, dirs)
    forward = camera_axes(md)[2]
    best_t = np.full((h, w), np.inf)
    seg = np.zeros((h, w, 4), dtype=np.uint8)
    seg[..., 3] = 255
    if room is not None:
        _, t_exit = _slab(
            origin, inv_dirs, room.center - room.size / 2, room.center + room.size / 2
        )
        hit = np.isfinite(t_exit) & (t_exit > near)
        best_t[hit] = t_exit[hit]
        seg[hit, :3] = room.colour
    for box in boxes:
        corners = box.center + box.size / 2 * np.array(
            [[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)]
        )
        if np.all((corners - origin) @ forward <= near):
            continue  # wholly behind the camera
        t_near, t_far = _slab(
            origin, inv_dirs, box.center - box.size / 2, box.center + box.size / 2
        )
        hit = (t_near <= t_far) & (t_near > near) & (t_near < best_t)
        best_t[hit] = t_near[hit]
        seg[hit, :3] = box.colour
    depth = np.where(np.isfinite(best_t), best_t, 0.0).astype(np.float32)
    return seg, depth


def shade(seg: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """A plausible RGBA image: the segmentation colour darkened with distance."""
    rgb = np.zeros_like(seg)
    fade = np.clip(1.0 - depth / 12.0, 0.35, 1.0)[..., None]
    rgb[..., :3] = (seg[..., :3] * 0.6 * fade + 40).astype(np.uint8)
    rgb[..., 3] = 255
    return rgb


def encode(seg: np.ndarray, depth: np.ndarray, near: float, far: float) -> dict[str, bytes]:
    """Unity-style buffers: rows bottom-up; depth normalised (no ``depthFormat`` in metadata)."""
    normalized = (depth / (far - near)).astype(np.float32)
    return {
        name: np.ascontiguousarray(img[::-1]).tobytes()
        for name, img in (("ids", seg), ("depth", normalized), ("rgb", shade(seg, depth)))
    }


def decode(md: dict, buffers: dict[str, bytes], near: float, far: float):
    """A real ``ai2thor.server.Event`` decoding ``buffers`` with its own methods."""
    from ai2thor import server

    event = server.Event(json.loads(json.dumps(md)))
    event.add_image_ids(buffers["ids"])
    event.add_image_depth(
        buffers["depth"],
        depth_format=server.DepthFormat.Meters,
        camera_near_plane=near,
        camera_far_plane=far,
    )
    event.add_image(buffers["rgb"])
    return event
