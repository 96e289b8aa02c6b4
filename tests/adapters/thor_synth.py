"""Synthetic AI2-THOR frame buffers consistent with real event metadata (test helper).

The recorded FloorPlan10 event has no pixel buffers, so these ray-cast the visible objects'
axis-aligned boxes in Unity's own frame (:mod:`thor_render`, shared with the strict fake
controller) and hand the bytes to ``ai2thor.server.Event``'s real decoders, bottom-up as Unity
sends them.
"""

from __future__ import annotations

import numpy as np
import pytest
from thor_render import Box, decode, encode, render_boxes


def render_aabbs_unity(md: dict) -> tuple[np.ndarray, np.ndarray]:
    """Ray-cast the visible objects' Unity AABBs: (H, W, 4) RGBA seg colours, (H, W) z-depth."""
    colours = {c["name"]: c["color"] for c in md["colors"]}
    boxes = [
        Box(
            np.array([o["axisAlignedBoundingBox"]["center"][k] for k in "xyz"]),
            np.array([o["axisAlignedBoundingBox"]["size"][k] for k in "xyz"]),
            tuple(colours[o["objectId"]]),
        )
        for o in md["objects"]
        if o["visible"] and o["objectId"] in colours
    ]
    return render_boxes(md, boxes)


def render_buffers(
    md: dict, near: float = 0.1, far: float = 20.0
) -> tuple[dict[str, bytes], np.ndarray]:
    """Raw Unity-style buffers (bottom-up rows) for ``md`` and the rendered (H, W) z-depth.

    ``near``/``far`` are the camera planes Unity reported at Initialize (FloorPlan10: 0.1, 20).
    """
    seg, depth = render_aabbs_unity(md)
    return encode(seg, depth, near, far), depth


def event_from_buffers(md: dict, buffers: dict[str, bytes], near: float = 0.1, far: float = 20.0):
    """A real ``ai2thor.server.Event`` decoding ``buffers`` with its own methods."""
    pytest.importorskip(
        "ai2thor.server", reason="ai2thor not installed: pip install 'embodied-mem[ai2thor]'"
    )
    return decode(md, buffers, near, far)


def build_event(md: dict, near: float = 0.1, far: float = 20.0):
    """Render and decode in one go: (event, rendered z-depth)."""
    buffers, depth = render_buffers(md, near, far)
    return event_from_buffers(md, buffers, near, far), depth
