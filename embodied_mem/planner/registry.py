"""Planner backends by name, imported only when built (``make_planner("llm", cfg)``)."""

from __future__ import annotations

from typing import Any

from envs.registry import Registry

PLANNERS: Registry[Any] = Registry("planner")
PLANNERS.register(
    "rule",
    "embodied_mem.planner.rule:RulePlanner",
    description="deterministic offline planner over the memory query API",
)
PLANNERS.register(
    "llm",
    "embodied_mem.planner.llm:LLMPlanner",
    extra="llm",
    description="OpenAI-compatible chat endpoint with memory-query tool calls",
)
PLANNERS.register(
    "hf",
    "embodied_mem.planner.hf:HFPlanner",
    extra="hf",
    description="local transformers VLM (Qwen2-VL class) with memory text + keyframes",
)
PLANNERS.register(
    "frames",
    "embodied_mem.planner.frames:FramesPlanner",
    description="FindingDory baseline: K uniformly subsampled frames, no memory",
)


IMAGE_PLANNERS = frozenset({"hf", "frames"})
"""Planners that plan from keyframe thumbnails (their class says ``needs_images = True``):
named here so that a config can say so without importing the planner."""


def make_planner(name: str, config: Any = None, **kwargs: Any) -> Any:
    """Build the planner registered as ``name`` from its config dataclass (None = defaults)."""
    factory = PLANNERS.resolve(name)
    return factory(config, **kwargs) if config is not None else factory(**kwargs)


def registered_planners() -> list[str]:
    return PLANNERS.names()
