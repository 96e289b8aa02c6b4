"""Shared fixtures for the simulator-adapter tests: real recorded data from ../shared/fixtures."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures"
THOR_METADATA = FIXTURES / "ai2thor" / "instance_segmentation_metadata.json"
HABITAT_FRAMES = FIXTURES / "habitat_mp3d_gt_frames"


@pytest.fixture(scope="session")
def thor_metadata() -> dict:
    if not THOR_METADATA.exists():
        pytest.skip(f"AI2-THOR fixture metadata not found at {THOR_METADATA} (../shared/fixtures)")
    return json.loads(THOR_METADATA.read_text())


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
    dirs = forward + (u / f)[..., None] * right - (v / f)[..., None] * up  # z-component 1 along forward
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


@pytest.fixture(scope="session")
def thor_event(thor_metadata: dict):
    """A real ``ai2thor.server.Event`` with synthetic buffers fed through its real decoders."""
    server = pytest.importorskip("ai2thor.server", reason="ai2thor not installed: "
                                 "pip install 'embodied-mem[ai2thor]'")
    md = json.loads(json.dumps(thor_metadata))
    seg, depth = render_aabbs_unity(md)
    event = server.Event(md)
    # Unity's image origin is bottom-left: send rows bottom-up, as the real server does.
    event.add_image_ids(np.ascontiguousarray(seg[::-1]).tobytes())
    near = md["actionReturn"]["cameraNearPlane"]
    far = md["actionReturn"]["cameraFarPlane"]
    # No "depthFormat" in this metadata → Normalized source; Unity sends depth / (far - near).
    normalized = (depth / (far - near)).astype(np.float32)
    event.add_image_depth(np.ascontiguousarray(normalized[::-1]).tobytes(),
                          depth_format=server.DepthFormat.Meters,
                          camera_near_plane=near, camera_far_plane=far)
    rgb = np.zeros((md["screenHeight"], md["screenWidth"], 4), dtype=np.uint8)
    rgb[..., :3] = seg[..., :3] // 2 + 40
    event.add_image(np.ascontiguousarray(rgb[::-1]).tobytes())
    return event, depth


@pytest.fixture(scope="session")
def habitat_frames_dir() -> Path:
    if not (HABITAT_FRAMES / "17DRP5sb8fy-depth_sensor.npy").exists():
        pytest.skip(f"habitat reference renders not found at {HABITAT_FRAMES} (../shared/fixtures)")
    return HABITAT_FRAMES
