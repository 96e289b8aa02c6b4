"""The ``hf`` and ``frames`` planners, end to end with a tiny random Qwen2-VL."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from planner_fakes import FakeMemory, ScriptedClient, reply

from embodied_mem.planner import Keyframe, PlanningContext
from embodied_mem.planner.frames import FramesPlanner, FramesPlannerConfig, uniform_subsample
from embodied_mem.planner.hf import HFPlanner, HFPlannerConfig, MissingModelError
from embodied_mem.planner.tools import MemoryToolbox
from embodied_mem.planner.vlm import ChatMessage, EndpointVisionChat
from envs.types import AgentPose, SimTime
from policies.subgoals import NavigateToFrame, NavigateToObject


def _frames(n: int) -> list[Keyframe]:
    rng = np.random.default_rng(0)
    return [
        Keyframe(
            i,
            rng.integers(0, 255, (48, 64, 3), dtype=np.uint8),
            SimTime(10.0 * i, 0, f"{6 + i // 6:02d}:{(10 * i) % 60:02d}"),
            AgentPose((0.1 * i, 1.0, 0.0), 0.5),
        )
        for i in range(n)
    ]


class EchoChat:
    """A VisionChat that replies from a script and keeps what it was shown."""

    backend = "hf"

    def __init__(self, replies: list[str]) -> None:
        self.replies = list(replies)
        self.seen: list[list[ChatMessage]] = []

    def complete(self, messages):  # noqa: ANN001, ANN201
        from embodied_mem.planner.attempts import Answer
        from embodied_mem.planner.base import PlannerCall

        self.seen.append(list(messages))
        text = self.replies.pop(0)
        return Answer(text), PlannerCall("hf", 50, 10, 0.0, text)


# ---------------------------------------------------------------- uniform_subsample


@pytest.mark.parametrize(("n", "k"), [(0, 4), (3, 8), (10, 1), (10, 2), (100, 7), (1000, 96)])
def test_uniform_subsample_is_even_distinct_and_bounded(n: int, k: int) -> None:
    idx = uniform_subsample(n, k)
    assert len(idx) == min(n, k) and idx == sorted(set(idx))
    assert all(0 <= i < n for i in idx)
    if 2 <= k <= n:
        assert idx[0] == 0 and idx[-1] == n - 1
        gaps = np.diff(idx)
        assert gaps.max() - gaps.min() <= 1  # evenly spread


def test_uniform_subsample_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="k >= 1"):
        uniform_subsample(10, 0)


# ---------------------------------------------------------------- tiny VLM, real code path


def test_hf_planner_feeds_keyframe_images_through_the_vision_tower(tiny_vlm_dir: Path) -> None:
    planner = HFPlanner(
        HFPlannerConfig(
            model_path=str(tiny_vlm_dir), max_new_tokens=12, max_retries=1, max_images=3
        )
    )
    visual = planner.chat.model.model.visual
    seen_patches: list[int] = []
    visual.register_forward_hook(lambda mod, args, out: seen_patches.append(args[0].shape[0]))
    task = PlanningContext("Navigate to the Mug.", memory=FakeMemory(), keyframes=_frames(1))
    result = planner.plan(task)
    # A random model writes garbage: recorded, retried once, never raised.
    assert result.failure_mode == "bad_planner_output" and len(result.calls) == 2
    assert result.details["images"] == 2  # the given keyframe + the Mug hit's thumbnail
    assert all(c.prompt_tokens > 0 and 0 < c.completion_tokens <= 12 for c in result.calls)
    assert len(seen_patches) == 2 and seen_patches[0] > 0  # the vision tower ran each call
    msgs = planner.build_messages(task, MemoryToolbox(FakeMemory()))
    inputs = planner.chat.build_inputs(msgs)
    n_img_tokens = int((inputs["input_ids"] == planner.chat.model.config.image_token_id).sum())
    assert n_img_tokens == int(inputs["image_grid_thw"].prod(dim=1).sum()) // 4
    assert seen_patches[0] == int(inputs["image_grid_thw"].prod(dim=1).sum())


def test_images_change_what_the_tiny_vlm_predicts(tiny_vlm_dir: Path) -> None:
    import torch

    planner = HFPlanner(HFPlannerConfig(model_path=str(tiny_vlm_dir)))
    logits = []
    for shade in (0, 255):
        image = np.full((48, 64, 3), shade, dtype=np.uint8)
        inputs = planner.chat.build_inputs([ChatMessage("user", ["Where?", image])])
        with torch.inference_mode():
            logits.append(planner.chat.model(**inputs).logits[0, -1])
    assert not torch.allclose(logits[0], logits[1])


def test_frames_planner_shows_k_uniform_frames_to_the_tiny_vlm(tiny_vlm_dir: Path) -> None:
    cfg = FramesPlannerConfig(
        k=4, backend="hf", max_retries=0, hf={"model_path": str(tiny_vlm_dir), "max_new_tokens": 8}
    )
    planner = FramesPlanner(cfg)
    calls: list[int] = []
    planner.chat.model.model.visual.register_forward_hook(lambda *a: calls.append(1))
    result = planner.plan(PlanningContext("Navigate to the mug.", experience=_frames(20)))
    assert result.details["frames_shown"] == [0, 6, 13, 19] == uniform_subsample(20, 4)
    assert result.failure_mode == "bad_planner_output" and calls == [1]


def test_missing_model_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(MissingModelError, match="does not exist"):
        HFPlanner(HFPlannerConfig(model_path=str(tmp_path / "nope")))
    monkeypatch.delenv("EMBODIED_MEM_HF_MODEL", raising=False)
    with pytest.raises(MissingModelError, match="EMBODIED_MEM_HF_MODEL"):
        HFPlanner(HFPlannerConfig())
    (tmp_path / "empty").mkdir()
    with pytest.raises(MissingModelError, match="huggingface-cli download"):
        HFPlanner(HFPlannerConfig(model_path=str(tmp_path / "empty")))


# ---------------------------------------------------------------- parsing paths (scripted)


def test_hf_planner_parses_plans_against_retrieved_memory() -> None:
    chat = EchoChat(
        [
            "Sure: "
            + json.dumps({"subgoals": [{"type": "navigate_to_object", "memory_id": "obj_1"}]})
        ]
    )
    planner = HFPlanner(HFPlannerConfig(max_images=2), chat=chat)  # type: ignore[arg-type]
    result = planner.plan(PlanningContext("Navigate to the Mug.", memory=FakeMemory()))
    assert result.subgoals == [NavigateToObject((1.0, 2.0, 0.9), "Mug", "obj_1")]
    user = chat.seen[0][1]
    text = "".join(p for p in user.parts if isinstance(p, str))
    assert "Retrieved memory" in text and "obj_1" in text and "Long-term memory" in text
    assert len(user.images) == 1  # the Mug hit's keyframe thumbnail (search found only it)


def test_frames_planner_accepts_only_shown_frames() -> None:
    ok = json.dumps({"subgoals": [{"type": "navigate_to_frame", "frame_index": 13}]})
    hidden = json.dumps({"subgoals": [{"type": "navigate_to_frame", "frame_index": 12}]})
    memory_style = json.dumps({"subgoals": [{"type": "stop"}, {"type": "explore"}]})
    chat = EchoChat([hidden, memory_style, ok])
    planner = FramesPlanner(FramesPlannerConfig(k=4, max_retries=2), chat=chat)  # type: ignore[arg-type]
    result = planner.plan(PlanningContext("Navigate to the mug.", experience=_frames(20)))
    assert result.ok and result.subgoals == [NavigateToFrame(13, 1.3, 1.0, 0.5)]
    assert result.high_level_targets == ["frame:13"]
    assert "frame_index 12" in result.calls[0].error and "explore" not in str(result.subgoals)
    with pytest.raises(ValueError, match="experience"):
        planner.plan(PlanningContext("Navigate to the mug."))


def test_frames_over_an_endpoint_sends_images_as_data_urls() -> None:
    client = ScriptedClient([reply(json.dumps({"subgoals": [{"type": "answer", "text": "3"}]}))])
    chat = EndpointVisionChat(client, "vlm")
    planner = FramesPlanner(FramesPlannerConfig(k=3, backend="llm"), chat=chat)
    result = planner.plan(PlanningContext("How many objects did you move?", experience=_frames(9)))
    assert result.ok and result.prompt_tokens == 100
    content = client.requests[0]["messages"][1]["content"]
    urls = [c["image_url"]["url"] for c in content if c["type"] == "image_url"]
    assert len(urls) == 3 and all(u.startswith("data:image/jpeg;base64,") for u in urls)
    decoded = Image.open(io.BytesIO(base64.b64decode(urls[0].split(",", 1)[1])))
    assert decoded.size == (64, 48)
    assert "Frame 4 (day 0" in "".join(c.get("text", "") for c in content)


def test_frames_with_llm_backend_records_unreachable_endpoint() -> None:
    from llama_helpers import free_loopback_port

    from embodied_mem.planner import make_planner

    cfg = FramesPlannerConfig(
        k=2,
        backend="llm",
        llm={
            "base_url": f"http://127.0.0.1:{free_loopback_port()}/v1",
            "model": "m",
            "timeout_s": 5.0,
        },
    )
    planner = make_planner("frames", cfg)
    result = planner.plan(PlanningContext("Navigate to the mug.", experience=_frames(5)))
    assert result.failure_mode == "endpoint_error"
    assert result.details["frames_shown"] == [0, 4]


def test_experience_from_episodic_keyframes_decodes_thumbnails() -> None:
    try:
        from embodied_mem.memory.episodic_records import Keyframe as EpisodicKeyframe
    except ImportError as exc:
        pytest.skip(f"embodied_mem.memory not importable: {exc}")
    from embodied_mem.planner.frames import experience_from_episodic

    buf = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 10, 10)).save(buf, format="JPEG")
    pose = AgentPose((1.0, 2.0, 0.0), 0.3)
    kfs = [
        EpisodicKeyframe(5, 12.0, 0, "06:12", pose, "room_0", {}, buf.getvalue()),
        EpisodicKeyframe(6, 13.0, 0, "06:13", pose, "room_0", {}, None),
    ]
    frames = experience_from_episodic(kfs)
    assert len(frames) == 1 and frames[0].frame_index == 5 and frames[0].agent == pose
    assert frames[0].image.shape == (24, 32, 3) and frames[0].image[..., 0].mean() > 150
    assert frames[0].time == SimTime(12.0, 0, "06:12")
