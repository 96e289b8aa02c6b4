"""The ``frames`` and ``hf`` planners inside the agent and the benchmark: the agent hands the
frames planner its remembered frames, runs turn keyframe thumbnails on for planners that look at
images, and an image planner over a memory without thumbnails refuses to start."""

from __future__ import annotations

import io
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image

from embodied_mem.agent.loop import MemoryAgent
from embodied_mem.config import load_config
from embodied_mem.memory.episodic_records import Keyframe as EpisodicKeyframe
from embodied_mem.memory.keyframing import EpisodicConfig
from embodied_mem.memory.memory import AgentMemory, MemoryConfig
from embodied_mem.planner.frames import EpisodicExperience, FramesPlanner, FramesPlannerConfig
from embodied_mem.run_config import RunConfig
from envs.types import AgentPose, SimTime


class ScriptChat:
    """A VisionChat replying from a script; keeps the images it was shown per call."""

    backend = "hf"

    def __init__(self, replies: list[str]) -> None:
        self.replies = list(replies)
        self.images_seen: list[int] = []

    def complete(self, messages):  # noqa: ANN001, ANN201
        from embodied_mem.planner.attempts import Answer
        from embodied_mem.planner.base import PlannerCall

        self.images_seen.append(sum(len(m.images) for m in messages))
        text = self.replies.pop(0)
        return Answer(text), PlannerCall("hf", 50, 10, 0.0, text)


def _jpeg(shade: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (32, 24), (shade, 10, 10)).save(buf, format="JPEG")
    return buf.getvalue()


def _memory(n_frames: int, thumbnails: bool = True) -> AgentMemory:
    memory = AgentMemory(config=MemoryConfig(episodic=EpisodicConfig(thumbnails=thumbnails)))
    pose = AgentPose((1.0, 2.0, 0.0), 0.3)
    for i in range(n_frames):
        thumb = _jpeg(20 * i) if thumbnails else None
        kf = EpisodicKeyframe(i, 10.0 * i, 0, f"06:{i:02d}", pose, "room_0", {}, thumb)
        memory.episodic.add_keyframe(kf, pending=False)
    return memory


def _obs() -> SimpleNamespace:
    return SimpleNamespace(agent=AgentPose((0.0, 0.0, 0.0), 0.0), time=SimTime(900.0, 0, "06:15"))


def test_agent_hands_the_frames_planner_its_remembered_frames() -> None:
    chat = ScriptChat(['{"subgoals": [{"type": "answer", "text": "frame 3"}]}'])
    planner = FramesPlanner(FramesPlannerConfig(k=4), chat=chat)
    agent = MemoryAgent(env=None, memory=_memory(10), perceiver=None, planner=planner)
    trace, _, _ = agent.run_task("Which frame shows the mug?", _obs())
    assert trace.failure_mode is None, trace.failure_reason
    assert trace.answer == "frame 3"
    assert chat.images_seen == [4]  # K uniformly subsampled frames of the 10 remembered
    assert trace.steps[0].details["frames_shown"] == [0, 3, 6, 9]


def test_image_planner_without_thumbnails_refuses_to_start() -> None:
    planner = FramesPlanner(chat=ScriptChat([]))
    with pytest.raises(ValueError, match=r"memory\.episodic\.thumbnails=true"):
        MemoryAgent(None, _memory(3, thumbnails=False), None, planner)
    with pytest.raises(ValueError, match="has no memory"):
        MemoryAgent(None, None, None, planner)


def test_runs_with_image_planners_keep_thumbnails() -> None:
    assert not load_config(RunConfig).memory.episodic.thumbnails  # rule: no pictures needed
    for name in ("frames", "hf"):
        cfg = load_config(RunConfig, overrides=[f"planner.name={name}"])
        assert cfg.memory.episodic.thumbnails, name


def test_episodic_experience_decodes_only_what_is_read() -> None:
    experience = EpisodicExperience(_memory(5).episodic.keyframes)
    assert len(experience) == 5
    frame = experience[4]
    assert frame.frame_index == 4 and frame.image.shape == (24, 32, 3)
    assert frame.time == SimTime(40.0, 0, "06:04") and frame.caption == "room room_0"


@pytest.mark.slow
def test_frames_planner_runs_a_benchmark_episode_with_the_tiny_vlm(
    tiny_vlm_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One real episode (builtin env, ORACLE perception) planned by the frames baseline over
    a tiny random Qwen2-VL: every task reaches the model with K remembered frames; the random
    weights cannot write a plan, so tasks end as bad_planner_output, never as a crash."""
    from embodied_mem.benchmark.eval_runner import run_suite
    from embodied_mem.benchmark.run_dir import RESULTS

    cfg = load_config(
        RunConfig,
        overrides=[
            "benchmark.name=tiny",
            "benchmark.episodes=1",
            "benchmark.seed=3",
            "benchmark.min_interactions=2",
            "benchmark.max_interactions=2",
            "benchmark.templates=[T01,T26,T44]",
            "baselines=[memory-oracle]",
            "planner.name=frames",
            "planner.frames.k=6",
            "planner.frames.max_retries=0",
            f"planner.frames.hf.model_path={tiny_vlm_dir}",
            "planner.frames.hf.max_new_tokens=8",
        ],
    )
    cfg.benchmark.env_options.update({"width": 96, "height": 72})
    shown: list[tuple[int, list[int]]] = []
    real_plan = FramesPlanner.plan

    def spy(self: FramesPlanner, task):  # noqa: ANN001, ANN202 - records what the planner got
        result = real_plan(self, task)
        shown.append((len(task.experience or ()), result.details.get("frames_shown", [])))
        return result

    monkeypatch.setattr(FramesPlanner, "plan", spy)
    summary = run_suite(cfg, tmp_path)
    assert summary["failed_episodes"] == {}
    rows = [json.loads(x) for x in (tmp_path / RESULTS).read_text().splitlines()]
    tasks = [r for r in rows if "task_id" in r and not r.get("excluded")]
    assert tasks, "the episode produced no task"
    assert len(shown) >= len(tasks)
    for n_remembered, frames_shown in shown:
        assert n_remembered > 6 and len(frames_shown) == 6
    for row in tasks:
        assert row["planner_calls"] >= 1 and row["prompt_tokens"] > 0, row
        assert row["failure_mode"] == "bad_planner_output", row
