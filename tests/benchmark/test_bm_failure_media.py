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


def _rows(run):
    lines = (run / "results.jsonl").read_text().splitlines()
    return [r for r in map(json.loads, lines) if "baseline" in r]


def _image(path) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(path.read_bytes())).convert("RGB"), dtype=float)


def test_every_failed_agent_task_has_its_pictures(failing_eval_run):
    failed = [r for r in _rows(failing_eval_run) if not r["success"]]
    agents = [r for r in failed if not r["baseline"].startswith("frames-")]
    assert agents, "the fixture is built so that agent tasks fail"
    chose = 0
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
            assert _image(folder / k["file"]).std() > 5
    assert chose, "a failure whose plan chose a remembered target shows its memory keyframe"


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


def test_marks_show_the_chosen_box_and_the_truth():
    import cv2

    from embodied_mem.benchmark.attempt_sketch import FrameCamera, mark_frame

    ok, buf = cv2.imencode(".jpg", np.full((96, 128, 3), 128, np.uint8))
    camera = FrameCamera(np.array([[100.0, 0, 64], [0, 100, 48], [0, 0, 1]]), np.eye(4), 128, 96)
    box = (np.array([0.2, -0.05, 2.0]), np.array([0.3, 0.05, 2.2]))
    out = mark_frame(buf.tobytes(), camera, [box], [np.array([-0.4, 0.0, 2.0])])
    rgb = cv2.imdecode(np.frombuffer(out, np.uint8), cv2.IMREAD_COLOR)[..., ::-1].astype(int)
    orange = (rgb[..., 0] > 190) & (rgb[..., 1] > 90) & (rgb[..., 1] < 190) & (rgb[..., 2] < 90)
    blue = (rgb[..., 2] > 170) & (rgb[..., 0] < 100)
    assert orange[:, 64:].sum() > 30 and orange[:, :64].sum() == 0  # the box, right of centre
    assert blue[:, :64].sum() > 10 and blue[:, 64:].sum() == 0  # the truth, left of centre
    behind = mark_frame(buf.tobytes(), camera, [(box[0] * -1, box[1] * -1)], [])
    assert behind == buf.tobytes()  # nothing in view: the thumbnail is left as it was
