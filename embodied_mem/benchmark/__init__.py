"""The FindingDory-style memory benchmark: episodes, the oracle experience, task templates, scoring.

Phase 1 (:mod:`.experience`) has a scripted oracle agent rearrange objects over one or more
days while the agent under test watches; phase 2 (:mod:`.templates`) turns the recorded ground
truth into the task suite of ``TASKS.md``; :mod:`.scoring` judges what the agent did.
"""

from __future__ import annotations

from embodied_mem.benchmark.episode import (
    SCHEMA_VERSION,
    EpisodeSpec,
    ExperienceRecord,
    InteractionRecord,
    OvernightChange,
    RoomVisit,
)
from embodied_mem.benchmark.suite import (
    FrozenEpisode,
    SuiteConfig,
    load_suite,
    make_specs,
    save_suite,
)

__all__ = [
    "SCHEMA_VERSION",
    "EpisodeSpec",
    "ExperienceRecord",
    "FrozenEpisode",
    "InteractionRecord",
    "OvernightChange",
    "RoomVisit",
    "SuiteConfig",
    "load_suite",
    "make_specs",
    "save_suite",
]
