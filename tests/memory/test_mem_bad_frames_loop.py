"""Bad sensor frames in the agent loop (real rendered frames, recorder attached).

A frame with a NaN agent pose or an infinite focal length reaches ``MemoryAgent.observe``:
under ``skip`` it is counted per reason, never recorded, and the memory ends exactly as one fed
only the good frames; under ``raise`` it raises ``FrameError`` before the recorder or memory
saw it, and the loop can go on with the next frame.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest
from _badframes import snapshot

from embodied_mem.agent.loop import MemoryAgent
from embodied_mem.memory import AgentMemory, MemoryConfig
from embodied_mem.perception.pipeline import build_perceiver
from embodied_mem.replay.recorder import RunRecorder
from envs.actions import TurnLeft
from envs.builtin.config import BuiltinEnvConfig
from envs.builtin.env import BuiltinHouseEnv
from envs.types import AgentPose, Observation
from envs.validation import FrameError

BAD = {
    2: lambda o: dataclasses.replace(o, agent=AgentPose((math.nan, 0.0, 0.0), 0.0)),
    4: lambda o: dataclasses.replace(o, intrinsics=dataclasses.replace(o.intrinsics, fx=math.inf)),
}


@pytest.fixture(scope="module")
def sim_frames() -> tuple[list[Observation], object]:
    with BuiltinHouseEnv(BuiltinEnvConfig(width=160, height=120)) as env:
        obs, _ = env.reset(seed=0)
        frames = [obs] + [env.step(TurnLeft())[0] for _ in range(6)]
        return frames, env.ground_truth()


@pytest.mark.parametrize("policy", ["skip", "raise"])
def test_agent_loop_counts_or_raises_and_records_only_good_frames(
    tmp_path: Path, sim_frames: tuple[list[Observation], object], policy: str
) -> None:
    frames, gt = sim_frames
    config = MemoryConfig(on_bad_frame=policy)
    mem = AgentMemory(gt.rooms.values(), config)
    recorder = RunRecorder(
        tmp_path / "run", config={}, categories=None, rooms=gt.rooms.values(), memory=mem
    )
    agent = MemoryAgent(None, mem, build_perceiver("oracle", ground_truth=gt), None, None, recorder)
    control = AgentMemory(gt.rooms.values(), config)
    control_perceiver = build_perceiver("oracle", ground_truth=gt)
    for i, obs in enumerate(frames):
        if i not in BAD:
            agent.observe(obs)
            control.observe(obs, control_perceiver)
        elif policy == "skip":
            agent.observe(BAD[i](obs))
        else:
            with pytest.raises(FrameError, match="on_bad_frame='skip'"):
                agent.observe(BAD[i](obs))
    recorder.close()
    assert recorder.frames == len(frames) - len(BAD)
    expected = {"agent_pose": 1, "intrinsics": 1} if policy == "skip" else {}
    assert mem.stats().rejected_by_reason == expected
    assert mem.stats().rejected_frames == sum(expected.values())
    assert mem.stats().receptacles + mem.stats().objects > 0
    assert snapshot(mem) == snapshot(control)
