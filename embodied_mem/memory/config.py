"""The memory stack's config (apart from :mod:`.memory`, so loading a run's config does not
import the memory itself)."""

from __future__ import annotations

from dataclasses import dataclass, field

from embodied_mem.memory.keyframing import EpisodicConfig
from embodied_mem.memory.long_term.config import LongTermConfig
from embodied_mem.memory.retrieval_context import RetrievalConfig
from embodied_mem.memory.short_term import ShortTermConfig
from embodied_mem.memory.spatial import FreeSpaceConfig
from embodied_mem.perception.mapper_config import MapperConfig


@dataclass
class MemoryConfig:
    """Everything the memory stack needs; YAML presets merge onto it (embodied_mem.config)."""

    mapper: MapperConfig = field(default_factory=MapperConfig)
    """Object mapper (association, merging, dropping)."""
    long_term: LongTermConfig = field(default_factory=LongTermConfig)
    """Scene graph layering, relations, point budget."""
    short_term: ShortTermConfig = field(default_factory=ShortTermConfig)
    """Short-term buffer capacity, policy, move threshold."""
    episodic: EpisodicConfig = field(default_factory=EpisodicConfig)
    """Keyframe selection and thumbnails."""
    retrieval: RetrievalConfig = field(default_factory=RetrievalConfig)
    """Query thresholds."""
    free_space: FreeSpaceConfig = field(default_factory=FreeSpaceConfig)
    """The agent's own free-space map (built from its depth frames; what it navigates on)."""
    commit_every: int = 20
    """Frames per committed SQLite batch (a crash loses at most this many frames)."""
    on_bad_frame: str = "raise"
    """"raise" a ValueError for a malformed frame, or "skip" it and count it."""

    def __post_init__(self) -> None:
        if self.commit_every < 1:
            raise ValueError(f"MemoryConfig.commit_every must be >= 1, got {self.commit_every}")
        if self.on_bad_frame not in ("raise", "skip"):
            raise ValueError(
                f"MemoryConfig.on_bad_frame must be 'raise' or 'skip', got {self.on_bad_frame!r}"
            )
