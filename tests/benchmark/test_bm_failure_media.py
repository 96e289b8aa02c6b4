"""Pictures captured while the benchmark runs: every failed agent task gets its stop frame, a
sketch of the attempt and the memory keyframes of what the plan chose; every episode its path
(every experience frame) and the memory at each day's end."""

from __future__ import annotations

import gzip
import io
import json

import numpy as np
from PIL import Image

from embodied_mem.benchmark.failure_media import EPISODE_JSON, MEDIA_DIR, MediaConfig
from envs.types import CameraIntrinsics


def _rows(run):
    lines = (run / "results.jsonl").read_text().splitlines()
    return [r for r in map(json.loads, lines) if "baseline" in r]


def _image(path) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(path.read_bytes())).convert("RGB"), dtype=float)


def _orange(rgb: np.ndarray) -> np.ndarray:
    """Pixels of the chosen object's box (CHOSEN, through JPEG)."""
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return (r > 190) & (g > 90) & (g < 190) & (b < 90)


def test_every_failed_agent_task_has_its_pictures(failing_eval_run):
    failed = [r for r in _rows(failing_eval_run) if not r["success"]]
    agents = [r for r in failed if not r["baseline"].startswith("frames-")]
    assert agents, "the fixture is built so that agent tasks fail"
    chose = boxed = 0
    for row in agents:
        folder = (
            failing_eval_run
            / MEDIA_DIR
            / row["episode_id"]
            / row["baseline"]
            / row["task_id"].replace("/", "_")
        )
        attempt = json.loads((folder / "attempt.json").read_text())
        assert attempt["instruction"] == row["instruction"]
        assert attempt["failure_mode"] == row["failure_mode"]  # the label as scored, untouched
        stop = _image(folder / "stop.jpg")
        assert stop.shape[1] == min(MediaConfig().thumbnail_width, 128)  # never blown up
        assert stop.std() > 5  # a rendered frame, not a blank
        sketch = _image(folder / "attempt.png")
        assert 100 <= max(sketch.shape[:2]) <= MediaConfig().sketch_size + 10
        # the attempt's path: its start plus one position per action it took
        assert len(attempt["path"]) == attempt["stop"]["steps"] + 1
        assert attempt["truth"], "the card needs the ground-truth targets"
        for k in attempt["keyframes"]:
            chose += 1
            assert k["memory_id"] in {c["memory_id"] for c in attempt["chosen"]}
            assert k["frame"] <= attempt["stop"]["frame"] and k["coverage"] > 0
            keyframe = _image(folder / k["file"])
            assert keyframe.std() > 5
            # the frame showed the object and memory had it there then: its box is drawn
            if k["moved_since"] is False:
                assert k["boxed"], k
            assert (_orange(keyframe).sum() > 20) == k["boxed"], k
            boxed += k["boxed"]
    assert chose, "a failure whose plan chose a remembered target shows its memory keyframe"
    assert boxed, "a keyframe shows where memory had the chosen object (orange box)"


def test_episode_path_has_every_experience_frame_and_day_end_memory(failing_eval_run):
    folder = failing_eval_run / MEDIA_DIR / "failing-0000"
    info = json.loads((folder / EPISODE_JSON).read_text())
    frames = [r[0] for r in info["path"]]
    assert len(frames) == info["frames"] and frames == list(range(info["frames"]))
    steps = np.linalg.norm(np.diff(np.array([r[3:5] for r in info["path"]]), axis=0), axis=1)
    assert np.percentile(steps, 99) <= 0.3  # walking steps; only teleports are longer
    assert info["memory_of"] == "memory-oracle"
    assert [d["day"] for d in info["day_memory"]] == list(range(info["days"]))
    with gzip.open(folder / info["day_memory"][-1]["file"], "rt") as fh:
        state = json.load(fh)
    assert state["scene_graph"]["nodes"] and state["frames"] == info["frames"]
    kinds = {i["category"] for i in info["interactions"]}
    assert len(info["interactions"]) == 2 and all(kinds)


def test_episode_path_drawn_on_its_card_never_crosses_a_wall(failing_eval_run):
    """The report's episode top-down draws the experience path step by step: checked against
    the walls of the episode's own house (rebuilt from its spec), no drawn step crosses one."""
    from embodied_mem.benchmark.env_setup import make_episode_env
    from embodied_mem.benchmark.episode import EpisodeSpec
    from embodied_mem.viz.source import PathPoint
    from embodied_mem.viz.topdown import path_segments

    suite = json.loads((failing_eval_run / "suite.json").read_text())
    spec = EpisodeSpec.from_dict(suite["episodes"][0]["spec"])
    info = json.loads((failing_eval_run / MEDIA_DIR / spec.episode_id / EPISODE_JSON).read_text())
    with make_episode_env(spec) as env:
        env.reset(seed=spec.house_seed)
        walls, house_rooms = env.house.walls, env.house.rooms
    footprints = sorted(
        (r["footprint"][0][0], r["footprint"][0][1]) for r in info["rooms"].values()
    )
    corners = sorted((r.x0, r.y0) for r in house_rooms)
    assert walls and np.allclose(footprints, corners, atol=0.01)  # the house the episode ran in
    drawn = 0
    for day in range(info["days"]):
        points = [
            PathPoint(r[2], r[3], r[4], r[5], r[1], r[6]) for r in info["path"] if r[1] == day
        ]
        for piece in path_segments(points)[0]:
            for a, b in zip(piece[:-1], piece[1:], strict=True):
                drawn += 1
                for s in np.linspace(0, 1, 11):
                    x, y = a + s * (b - a)
                    assert not any(
                        abs(x - w.cx) < w.hx - 0.02 and abs(y - w.cy) < w.hy - 0.02 for w in walls
                    ), f"day {day}: step {a} -> {b} crosses a wall"
    assert drawn >= 0.9 * (info["frames"] - info["days"])  # nearly every step is a drawn segment


def test_media_config_rejects_bad_sizes():
    import pytest

    with pytest.raises(ValueError, match="thumbnail_width"):
        MediaConfig(thumbnail_width=4)
    with pytest.raises(ValueError, match="thumbnail_quality"):
        MediaConfig(thumbnail_quality=0)


def test_projection_lands_on_the_objects_mask():
    """A frame's camera puts an object's ground-truth centre on that object's pixels."""
    from embodied_mem.benchmark.attempt_sketch import FrameCamera
    from envs.builtin import BuiltinEnvConfig, BuiltinHouseEnv, scripted_walk

    with BuiltinHouseEnv(BuiltinEnvConfig(width=160, height=120)) as env:
        walk = scripted_walk(env, 30, seed=0)
        gt = env.ground_truth()
    checked = 0
    for obs in walk.observations:
        camera = FrameCamera.of(obs)
        for iid, name in obs.instance_names.items():
            obj = gt.objects.get(name)
            rows, cols = np.nonzero(obs.instance_ids == iid)
            if obj is None or not obj.pickupable or len(rows) < 5:
                continue
            uv, front = camera.project(np.asarray(obj.position))
            (u, v) = uv[0]
            assert front[0]
            assert cols.min() - 2 <= u <= cols.max() + 2 and rows.min() - 2 <= v <= rows.max() + 2
            checked += 1
    assert checked >= 2


def test_frame_camera_is_the_shared_pinhole_model():
    """FrameCamera projects with the camera model perception back-projects with: a pixel
    lifted to the world at some depth comes back to the same pixel, whatever the pose."""
    from embodied_mem.benchmark.attempt_sketch import FrameCamera
    from envs.camera import pixels_to_world

    intrinsics = CameraIntrinsics.from_fov(160, 120, vfov_deg=60)
    yaw, pitch = 0.7, -0.3
    rz = np.array([[np.cos(yaw), -np.sin(yaw), 0], [np.sin(yaw), np.cos(yaw), 0], [0, 0, 1]])
    rx = np.array(
        [[1, 0, 0], [0, np.cos(pitch), -np.sin(pitch)], [0, np.sin(pitch), np.cos(pitch)]]
    )
    cam_to_world = np.eye(4)
    cam_to_world[:3, :3] = rz @ rx
    cam_to_world[:3, 3] = (2.0, -1.0, 1.4)
    camera = FrameCamera(intrinsics, cam_to_world)
    u, v = np.meshgrid(np.linspace(0, 159, 7), np.linspace(0, 119, 5))
    z = np.linspace(0.3, 6.0, u.size)
    world = pixels_to_world(u.ravel(), v.ravel(), z, intrinsics, cam_to_world)
    uv, front = camera.project(world)
    assert front.all() and np.allclose(uv, np.c_[u.ravel(), v.ravel()], atol=1e-6)
    behind = pixels_to_world(u.ravel(), v.ravel(), -z, intrinsics, cam_to_world)
    assert not camera.project(behind)[1].any()  # behind the camera: never drawn


def test_orange_box_of_an_objects_box_surrounds_it_in_the_thumbnail():
    """The keyframe mark on a real rendered frame: an object's box, projected with the frame's
    camera and drawn on the (smaller) thumbnail, surrounds the object's pixels."""
    from embodied_mem.benchmark.attempt_sketch import FrameCamera, mark_frame
    from embodied_mem.benchmark.failure_media import thumbnail
    from envs.builtin import BuiltinEnvConfig, BuiltinHouseEnv, scripted_walk

    config = MediaConfig()
    with BuiltinHouseEnv(BuiltinEnvConfig(width=320, height=240)) as env:
        walk = scripted_walk(env, 30, seed=0)
        gt = env.ground_truth()
    checked = 0
    for obs in walk.observations:
        for iid, name in obs.instance_names.items():
            obj = gt.objects.get(name)
            rows, cols = np.nonzero(obs.instance_ids == iid)
            if obj is None or not obj.pickupable or len(rows) < 40:
                continue
            plain = thumbnail(obs.rgb, config)
            box = (np.asarray(obj.bbox_min), np.asarray(obj.bbox_max))
            marked = mark_frame(plain, FrameCamera.of(obs), [box])
            assert marked != plain
            orange = _orange(_image_bytes(marked))
            scale = orange.shape[1] / obs.rgb.shape[1]
            ys, xs = np.nonzero(orange)
            cu, cv = cols.mean() * scale, rows.mean() * scale  # the object's pixels, scaled
            assert xs.min() - 1 <= cu <= xs.max() + 1 and ys.min() - 1 <= cv <= ys.max() + 1
            # the rectangle is drawn around it, not over it: its centre is near the object's
            assert abs((xs.min() + xs.max()) / 2 - cu) < 0.25 * (xs.max() - xs.min()) + 3
            assert abs((ys.min() + ys.max()) / 2 - cv) < 0.25 * (ys.max() - ys.min()) + 3
            checked += 1
            break  # one object a frame: the others' boxes would mix in
    assert checked >= 2


def _image_bytes(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=float)


def test_marks_show_the_chosen_box_and_the_truth():
    import cv2

    from embodied_mem.benchmark.attempt_sketch import FrameCamera, mark_frame

    ok, buf = cv2.imencode(".jpg", np.full((96, 128, 3), 128, np.uint8))
    camera = FrameCamera(CameraIntrinsics(100.0, 100.0, 64.0, 48.0, 128, 96), np.eye(4))
    box = (np.array([0.2, -0.05, 2.0]), np.array([0.3, 0.05, 2.2]))
    out = mark_frame(buf.tobytes(), camera, [box], [np.array([-0.4, 0.0, 2.0])])
    rgb = cv2.imdecode(np.frombuffer(out, np.uint8), cv2.IMREAD_COLOR)[..., ::-1].astype(int)
    orange = (rgb[..., 0] > 190) & (rgb[..., 1] > 90) & (rgb[..., 1] < 190) & (rgb[..., 2] < 90)
    blue = (rgb[..., 2] > 170) & (rgb[..., 0] < 100)
    assert orange[:, 64:].sum() > 30 and orange[:, :64].sum() == 0  # the box, right of centre
    assert blue[:, :64].sum() > 10 and blue[:, 64:].sum() == 0  # the truth, left of centre
    behind = mark_frame(buf.tobytes(), camera, [(box[0] * -1, box[1] * -1)], [])
    assert behind == buf.tobytes()  # nothing in view: the thumbnail is left as it was
