"""The ``frames`` planner: FindingDory's baseline without structured memory.

The model sees K frames uniformly subsampled from the experience, each captioned with its
index and time, and must answer by naming frame indices (``navigate_to_frame`` subgoals, or an
``answer`` for questions). The same VLM serves as the ``hf`` planner (local transformers
model) or the ``llm`` endpoint (images as data URLs), so memory and frames can be compared
with one model. :func:`uniform_subsample` is also what the benchmark's frames-K oracle uses.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from embodied_mem.planner.base import Keyframe, PlanningContext, PlanResult
from embodied_mem.planner.frames_config import FramesPlannerConfig
from embodied_mem.planner.schema import PlanValidationError, parse_plan
from embodied_mem.planner.tools import MemoryToolbox, PlanResolver
from embodied_mem.planner.vlm import (
    ChatMessage,
    EndpointVisionChat,
    HFVisionChat,
    VisionChat,
    plan_with_chat,
    resize_max_side,
)

logger = logging.getLogger(__name__)

_ALLOWED_TYPES = frozenset({"navigate_to_frame", "answer", "stop"})


def uniform_subsample(n_frames: int, k: int) -> list[int]:
    """``min(k, n_frames)`` distinct frame indices spread evenly over ``[0, n_frames)``.

    The first and last frames are always included (``k >= 2``); ``k >= n_frames`` keeps all.
    """
    if n_frames < 0 or k < 1:
        raise ValueError(f"need n_frames >= 0 and k >= 1, got n_frames={n_frames}, k={k}")
    if k >= n_frames:
        return list(range(n_frames))
    if k == 1:
        return [(n_frames - 1) // 2]
    # Spacing is >= 1 when k <= n_frames, so rounding cannot merge two samples.
    return [int(i) for i in np.round(np.linspace(0, n_frames - 1, k)).astype(int)]


class EpisodicExperience(Sequence[Keyframe]):
    """The episodic log's keyframes that carry thumbnails, as planner keyframes decoded on access
    (the frames planner shows K of them; decoding every remembered frame per plan would waste
    the time of the K it shows).

    Frames without a thumbnail are left out; a memory that keeps none gives an empty sequence
    (``memory.episodic.thumbnails`` must be on; the agent refuses image planners without it).
    """

    def __init__(self, keyframes: Sequence[Any]) -> None:
        self._keyframes = [kf for kf in keyframes if kf.thumbnail]

    def __len__(self) -> int:
        return len(self._keyframes)

    def __getitem__(self, i: int) -> Keyframe:  # type: ignore[override]
        from embodied_mem.planner.vlm import decode_thumbnail
        from envs.types import SimTime

        kf = self._keyframes[i]
        return Keyframe(
            kf.frame_index,
            decode_thumbnail(kf.thumbnail),
            SimTime(kf.time, kf.day, kf.time_of_day),
            kf.pose,
            caption=f"room {kf.room_id}" if kf.room_id else "",
        )


def experience_from_episodic(keyframes: Sequence[Any]) -> list[Keyframe]:
    """Planner keyframes from episodic-log keyframes that carry JPEG thumbnails (all decoded).

    Frames without a thumbnail are skipped (enable ``EpisodicConfig.thumbnails`` to keep them).
    """
    experience = EpisodicExperience(keyframes)
    return [experience[i] for i in range(len(experience))]


def _build_chat(cfg: FramesPlannerConfig) -> VisionChat:
    if cfg.backend == "hf":
        from embodied_mem.planner.hf import HFPlannerConfig, load_vlm

        hcfg = HFPlannerConfig(**cfg.hf)
        model, tok, proc = load_vlm(hcfg.model_path, device=hcfg.device, dtype=hcfg.dtype)
        return HFVisionChat(model, tok, proc, max_new_tokens=hcfg.max_new_tokens)
    from embodied_mem.planner.llm import LLMPlannerConfig, make_endpoint

    lcfg = LLMPlannerConfig(**cfg.llm).resolved()
    return EndpointVisionChat(
        make_endpoint(lcfg),
        lcfg.model,
        max_tokens=lcfg.max_completion_tokens,
        timeout_s=lcfg.timeout_s,
        temperature=lcfg.temperature,
        seed=lcfg.seed,
    )


class _FramesResolver(PlanResolver):
    """Only frames that were shown can be named; there is no structured memory to resolve."""

    def __init__(self, frames: dict[int, Any]) -> None:
        super().__init__(MemoryToolbox(None), frames)


class FramesPlanner:
    """K uniformly subsampled experience frames → frame indices (see the module docstring).

    Args:
        config: settings.
        chat: a ready :class:`VisionChat` (e.g. the ``hf`` planner's ``chat`` to share one
            model); built from ``config`` when None.
    """

    name = "frames"
    needs_images = True
    """Shown frames are keyframe thumbnails (the run turns ``memory.episodic.thumbnails`` on)."""
    needs_experience = True
    """The agent passes its remembered frames as ``PlanningContext.experience``."""

    def __init__(
        self, config: FramesPlannerConfig | None = None, *, chat: VisionChat | None = None
    ) -> None:
        self.config = config or FramesPlannerConfig()
        self.chat = chat if chat is not None else _build_chat(self.config)

    def select(self, experience: Sequence[Keyframe]) -> list[Keyframe]:
        return [experience[i] for i in uniform_subsample(len(experience), self.config.k)]

    def build_messages(self, task: PlanningContext, frames: list[Keyframe]) -> list[ChatMessage]:
        parts: list[Any] = [f"These are {len(frames)} frames of your experience, in time order."]
        for kf in frames:
            when = f"day {kf.time.day} {kf.time.time_of_day}" if kf.time is not None else "time ?"
            parts += [
                f"\nFrame {kf.frame_index} ({when}):\n",
                resize_max_side(kf.image, self.config.image_max_side),
            ]
        parts.append(f"\n\nInstruction: {task.instruction}")
        system = (
            "You control a household robot. Answer from the frames only. Reply with ONLY a "
            'JSON object: {"subgoals": [{"type": "navigate_to_frame", "frame_index": N}]} '
            "naming the frame(s) that show the target, in order; for a question reply "
            '{"subgoals": [{"type": "answer", "text": "..."}]}.'
        )
        return [ChatMessage("system", [system]), ChatMessage("user", parts)]

    def plan(self, task: PlanningContext) -> PlanResult:
        if not task.experience:
            raise ValueError(
                "the frames planner needs PlanningContext.experience (the remembered frames as "
                "Keyframes with images); got none: the agent passes them from memory's "
                "keyframe thumbnails, so set memory.episodic.thumbnails=true"
            )
        frames = self.select(task.experience)
        poses = {kf.frame_index: kf.agent for kf in frames if kf.agent is not None}
        resolver = _FramesResolver(poses)

        def parse(text: str):  # noqa: ANN202 - a ParsedPlan
            parsed = parse_plan(text, resolver)
            kinds = {type(s).__name__ for s in parsed.subgoals}
            if not kinds <= {"NavigateToFrame", "Answer", "StopSubgoal"}:
                raise PlanValidationError(
                    f"only {sorted(_ALLOWED_TYPES)} subgoals are allowed "
                    f"with frames, got {sorted(kinds)}"
                )
            parsed.targets = [
                f"frame:{s.frame_index}" for s in parsed.subgoals if hasattr(s, "frame_index")
            ]
            return parsed

        shown = [kf.frame_index for kf in frames]
        return plan_with_chat(
            self.chat,
            self.build_messages(task, frames),
            parse,
            self.config.max_retries,
            {"frames_shown": shown},
        )
