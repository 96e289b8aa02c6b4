"""Settings of the ``hf`` planner (apart from the planner, so loading a run's config does not
import it)."""

from __future__ import annotations

from dataclasses import dataclass

_DTYPES = ("float32", "bfloat16", "float16")


@dataclass
class HFPlannerConfig:
    """Settings of the ``hf`` planner."""

    model_path: str = ""
    """Local model directory, or a Hub repo id already in the HF cache (env EMBODIED_MEM_HF_MODEL)."""
    device: str = "cpu"
    """Torch device ("cpu", "cuda", "cuda:1")."""
    dtype: str = "float32"
    """Weights dtype: float32 | bfloat16 | float16."""
    max_new_tokens: int = 256
    """Generated tokens per call."""
    max_retries: int = 1
    """Re-asks after invalid output before recording ``bad_planner_output``."""
    max_images: int = 4
    """Keyframe thumbnails shown per plan."""
    image_max_side: int = 448
    """Thumbnails are downscaled so their longer side is at most this many pixels."""
    k_hits: int = 5
    """Memory hits retrieved by text search and shown as text."""
    k_short_term: int = 5
    """Recent short-term entries shown."""
    summary_tokens: int = 300
    """Token budget of the long-term summary."""

    def __post_init__(self) -> None:
        if self.dtype not in _DTYPES:
            raise ValueError(f"dtype must be one of {_DTYPES}, got {self.dtype!r}")
        for name in ("max_new_tokens", "image_max_side", "summary_tokens"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        for name in ("max_retries", "max_images", "k_hits", "k_short_term"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
