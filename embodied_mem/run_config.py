"""The top-level config of a run: env, perception, memory, planner, agent and benchmark.

Every section is the config dataclass of the component it configures; presets in ``configs/``
merge on top and ``key.sub=value`` overrides come last (see :mod:`embodied_mem.config`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from embodied_mem.agent.loop import AgentConfig
from embodied_mem.benchmark.scoring import ScoringConfig
from embodied_mem.benchmark.suite import SuiteConfig
from embodied_mem.memory.memory import MemoryConfig
from embodied_mem.perception.segmenters.geometric import GeometricSegmenterConfig
from embodied_mem.perception.segmenters.noisy import NoisySegmenterConfig
from embodied_mem.perception.segmenters.open_vocab import OpenVocabSegmenterConfig
from embodied_mem.perception.segmenters.oracle import OracleSegmenterConfig
from embodied_mem.planner.frames import FramesPlannerConfig
from embodied_mem.planner.hf import HFPlannerConfig
from embodied_mem.planner.llm import LLMPlannerConfig
from embodied_mem.planner.rule import RulePlannerConfig
from envs.ai2thor.config import AI2ThorConfig
from envs.builtin.config import BuiltinEnvConfig
from envs.habitat.config import HabitatConfig

SEGMENTERS = ("oracle", "noisy", "geometric", "open_vocab")
PLANNERS = ("rule", "llm", "hf", "frames")
ENVS = ("builtin", "ai2thor", "habitat")


@dataclass
class EnvSection:
    """Which simulator, and the config of each."""

    name: str = "builtin"
    """builtin | ai2thor | habitat."""
    builtin: BuiltinEnvConfig = field(
        # The oracle needs about 2000 steps for 11 interactions: 4800 steps a day (12 s each).
        default_factory=lambda: BuiltinEnvConfig(steps_per_day=4800)
    )
    ai2thor: AI2ThorConfig = field(default_factory=AI2ThorConfig)
    habitat: HabitatConfig = field(default_factory=HabitatConfig)

    def __post_init__(self) -> None:
        if self.name not in ENVS:
            raise ValueError(f"env.name must be one of {ENVS}, got {self.name!r}")

    def selected(self) -> object:
        return getattr(self, self.name)


@dataclass
class PerceptionSection:
    """Which segmenter (``oracle`` is labelled ORACLE everywhere) and its settings."""

    segmenter: str = "oracle"
    """oracle (ORACLE: simulator masks) | noisy (ORACLE degraded) | geometric | open_vocab."""
    oracle: OracleSegmenterConfig = field(default_factory=OracleSegmenterConfig)
    noisy: NoisySegmenterConfig = field(default_factory=NoisySegmenterConfig)
    geometric: GeometricSegmenterConfig = field(default_factory=GeometricSegmenterConfig)
    open_vocab: OpenVocabSegmenterConfig = field(default_factory=OpenVocabSegmenterConfig)
    text_embeddings: bool = False
    """Embed labels with all-MiniLM-L6-v2 (extra ``hf``) for text queries and association."""

    def __post_init__(self) -> None:
        if self.segmenter not in SEGMENTERS:
            raise ValueError(
                f"perception.segmenter must be one of {SEGMENTERS}, got {self.segmenter!r}"
            )


@dataclass
class PlannerSection:
    """Which planner backend, and the config of each."""

    name: str = "rule"
    """rule | llm | hf | frames."""
    rule: RulePlannerConfig = field(default_factory=RulePlannerConfig)
    llm: LLMPlannerConfig = field(default_factory=LLMPlannerConfig)
    hf: HFPlannerConfig = field(default_factory=HFPlannerConfig)
    frames: FramesPlannerConfig = field(default_factory=FramesPlannerConfig)

    def __post_init__(self) -> None:
        if self.name not in PLANNERS:
            raise ValueError(f"planner.name must be one of {PLANNERS}, got {self.name!r}")


@dataclass
class RunConfig:
    """Everything one run (demo, eval, replay) needs; saved into every run directory."""

    seed: int = 0
    """Master seed: houses, episodes, noise."""
    env: EnvSection = field(default_factory=EnvSection)
    perception: PerceptionSection = field(default_factory=PerceptionSection)
    memory: MemoryConfig = field(default_factory=MemoryConfig)
    planner: PlannerSection = field(default_factory=PlannerSection)
    agent: AgentConfig = field(default_factory=AgentConfig)
    benchmark: SuiteConfig = field(default_factory=SuiteConfig)
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    baselines: list[str] = field(
        default_factory=lambda: [
            "memory-oracle",
            "memory-noisy",
            "no-memory",
            "frames-96",
            "frames-768",
        ]
    )
    """Agents evaluated in the same episodes (see embodied_mem.benchmark.episode_runner)."""

    def __post_init__(self) -> None:
        if self.benchmark.env != self.env.name:
            raise ValueError(
                f"benchmark.env ({self.benchmark.env}) and env.name ({self.env.name}) differ; "
                f"use --env {self.env.name} or set both to the same simulator"
            )
