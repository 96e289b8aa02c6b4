"""The layout a rerun recording opens on, and live viewers (``viz --spawn`` / ``--serve``).

A recorded run opens on: the camera (RGB, depth) and the planner's log on the left, the 3D
memory in the middle, the 2D top-down, the scene graph and the short-term buffer on the right,
the ``frame`` timeline expanded below. A memory-only recording (no camera frames) opens on the
3D memory, the top-down, the scene graph and a note that says it is static.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import rerun as rr
import rerun.blueprint as rrb

logger = logging.getLogger(__name__)


def blueprint(with_camera: bool) -> rrb.Blueprint:
    """The default layout (see the module docstring)."""
    memory_3d = rrb.Spatial3DView(
        origin="world",
        name="3D memory",
        contents=["$origin/**", "- /world/frame_points"] if not with_camera else "$origin/**",
    )
    right = rrb.Vertical(
        rrb.Spatial2DView(origin="topdown", name="top-down (north up)"),
        rrb.GraphView(origin="graph", name="scene graph"),
        rrb.TextDocumentView(origin="memory" if with_camera else "about", name="memory notes"),
        row_shares=[3, 2, 1.5],
    )
    if with_camera:
        left = rrb.Vertical(
            rrb.Spatial2DView(origin="world/camera", contents="$origin/rgb", name="camera RGB"),
            rrb.Spatial2DView(origin="world/camera", contents="$origin/depth", name="depth"),
            rrb.TextLogView(origin="/", contents=["/planner/**", "/events/**"], name="planner"),
            row_shares=[2, 2, 2],
        )
        root = rrb.Horizontal(left, memory_3d, right, column_shares=[1.2, 2.2, 1.6])
        timeline = "frame"
    else:
        root = rrb.Horizontal(memory_3d, right, column_shares=[2.2, 1.6])
        timeline = "sim_time"
    return rrb.Blueprint(
        root,
        rrb.TimePanel(timeline=timeline, state="expanded"),
        rrb.BlueprintPanel(state="collapsed"),
        rrb.SelectionPanel(state="collapsed"),
    )


def spawn_viewer(rec: rr.RecordingStream, layout: rrb.Blueprint) -> None:
    """Start the native rerun viewer (needs a display) and stream to it."""
    rec.spawn(default_blueprint=layout)


def serve(rec: rr.RecordingStream, layout: rrb.Blueprint, grpc_port: int, web_port: int) -> str:
    """Serve the recording over gRPC and host the web viewer; returns the viewer's URL."""
    url = rec.serve_grpc(grpc_port=grpc_port, default_blueprint=layout)
    rr.serve_web_viewer(web_port=web_port, open_browser=False, connect_to=url)
    return f"http://localhost:{web_port}/?url={url}"


def wait_forever(url: str, sleep: Any = time.sleep) -> None:
    """Keep the process (and so the server) alive until Ctrl-C."""
    logger.info("serving %s (Ctrl-C to stop)", url)
    try:
        while True:
            sleep(3600)
    except KeyboardInterrupt:
        logger.info("stopped serving")
