"""Synthetic AI2-THOR frame buffers consistent with real event metadata (test helper).

The recorded FloorPlan10 event has no pixel buffers, so these ray-cast the visible objects'
axis-aligned boxes in Unity's own frame and hand the bytes to ``ai2thor.server.Event``'s real
decoders, bottom-up as Unity sends them.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest


def _unity_camera_axes(md: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Right, up, forward of the Unity camera, written in Unity terms on purpose.

    Independent of envs.ai2thor.frames: Unity yaw turns +z towards +x, positive horizon
    looks down.
    """
    th = math.radians(md["agent"]["rotation"]["y"])
    h = math.radians(md["agent"]["cameraHorizon"])
    forward = np.array([math.sin(th) * math.cos(h), -math.sin(h), math.cos(th) * math.cos(h)])
    right = np.array([math.cos(th), 0.0, -math.sin(th)])
    up = np.array([math.sin(th) * math.sin(h), math.cos(h), math.cos(th) * math.sin(h)])
    return right, up, forward


def render_aabbs_unity(md: dict) -> tuple[np.ndarray, np.ndarray]:
    """Ray-cast the visible objects' Unity AABBs: (H, W, 4) RGBA seg colours, (H, W) z-depth.

    Rows are top-down here; callers flip them bottom-up as Unity sends them.
    """
    w, h = md["screenWidth"], md["screenHeight"]
    f = (h / 2.0) / math.tan(math.radians(md["fov"]) / 2.0)
    right, up, forward = _unity_camera_axes(md)
    u, v = np.meshgrid(np.arange(w) + 0.5 - w / 2.0, np.arange(h) + 0.5 - h / 2.0)
    dirs = (
        forward + (u / f)[..., None] * right - (v / f)[..., None] * up
    )  # z-component 1 along forward
    origin = np.array([md["cameraPosition"][k] for k in "xyz"])
    colours = {c["name"]: c["color"] for c in md["colors"]}
    best_t = np.full((h, w), np.inf)
    seg = np.zeros((h, w, 4), dtype=np.uint8)
    seg[..., 3] = 255
    for obj in md["objects"]:
        if not obj["visible"] or obj["objectId"] not in colours:
            continue
        c = np.array([obj["axisAlignedBoundingBox"]["center"][k] for k in "xyz"])
        s = np.array([obj["axisAlignedBoundingBox"]["size"][k] for k in "xyz"])
        with np.errstate(divide="ignore", invalid="ignore"):
            t1 = (c - s / 2 - origin) / dirs
            t2 = (c + s / 2 - origin) / dirs
        t_near = np.nanmax(np.minimum(t1, t2), axis=-1)
        t_far = np.nanmin(np.maximum(t1, t2), axis=-1)
        hit = (t_near <= t_far) & (t_near > 0.1) & (t_near < best_t)
        best_t[hit] = t_near[hit]
        seg[hit, :3] = colours[obj["objectId"]]
    # dirs have unit component along forward, so the ray parameter t *is* the z-depth.
    depth = np.where(np.isfinite(best_t), best_t, 0.0).astype(np.float32)
    return seg, depth


def render_buffers(
    md: dict, near: float = 0.1, far: float = 20.0
) -> tuple[dict[str, bytes], np.ndarray]:
    """Raw Unity-style buffers (bottom-up rows) for ``md`` and the rendered (H, W) z-depth.

    ``near``/``far`` are the camera planes Unity reported at Initialize (FloorPlan10: 0.1, 20).
    """
    seg, depth = render_aabbs_unity(md)
    # No "depthFormat" in this metadata → Normalized source; Unity sends depth / (far - near).
    normalized = (depth / (far - near)).astype(np.float32)
    rgb = np.zeros((md["screenHeight"], md["screenWidth"], 4), dtype=np.uint8)
    rgb[..., :3] = seg[..., :3] // 2 + 40
    buffers = {
        name: np.ascontiguousarray(img[::-1]).tobytes()
        for name, img in (("ids", seg), ("depth", normalized), ("rgb", rgb))
    }
    return buffers, depth


def event_from_buffers(md: dict, buffers: dict[str, bytes], near: float = 0.1, far: float = 20.0):
    """A real ``ai2thor.server.Event`` decoding ``buffers`` with its own methods."""
    server = pytest.importorskip(
        "ai2thor.server", reason="ai2thor not installed: pip install 'embodied-mem[ai2thor]'"
    )
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


def build_event(md: dict, near: float = 0.1, far: float = 20.0):
    """Render and decode in one go: (event, rendered z-depth)."""
    buffers, depth = render_buffers(md, near, far)
    return event_from_buffers(md, buffers, near, far), depth
