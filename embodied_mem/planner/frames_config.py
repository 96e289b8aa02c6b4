"""Settings of the ``frames`` baseline (apart from the planner, so loading a run's config does
not import it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FramesPlannerConfig:
    """Settings of the ``frames`` baseline."""

    k: int = 32
    """Frames shown to the model (FindingDory evaluates 8..96)."""
    backend: str = "hf"
    """Which model: "hf" (local VLM, see HFPlannerConfig) or "llm" (OpenAI-compatible endpoint)."""
    image_max_side: int = 336
    """Frames are downscaled so their longer side is at most this many pixels."""
    max_retries: int = 1
    """Re-asks after invalid output before recording ``bad_planner_output``."""
    hf: dict[str, Any] = field(default_factory=dict)
    """HFPlannerConfig fields for backend "hf" (model_path, device, dtype, max_new_tokens)."""
    llm: dict[str, Any] = field(default_factory=dict)
    """LLMPlannerConfig fields for backend "llm" (base_url, model, api_key, timeout_s, ...)."""

    def __post_init__(self) -> None:
        if self.k < 1:
            raise ValueError(f"k must be >= 1, got {self.k}")
        if self.backend not in ("hf", "llm"):
            raise ValueError(f"backend must be 'hf' or 'llm', got {self.backend!r}")
        if self.image_max_side < 16 or self.max_retries < 0:
            raise ValueError("image_max_side must be >= 16 and max_retries >= 0")
