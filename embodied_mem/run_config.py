"""The top-level config of a run: benchmark, env, perception, memory, planner, agent, scoring.

Every section is the config dataclass of the component it configures; presets in ``configs/``
merge on top and ``key.sub=value`` overrides come last (see :mod:`embodied_mem.config`).
:func:`used_config` is the config as a run saves it: only the sections that run reads.

The env, perception and planner sections hold one config per backend of a registry (a field
named like the backend) and build what they configure (nerfstudio's pattern):
``cfg.planner.build(...)``, ``cfg.perception.build(name, ground_truth=...)``. The valid names
are the registry's, so adding a backend means registering it and adding its config field
here; :meth:`BackendSection.check` says when the two disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, ClassVar

from embodied_mem.agent.config import AgentConfig
from embodied_mem.agent.navigation_map import NavigationMapConfig
from embodied_mem.benchmark.scoring import ScoringConfig
from embodied_mem.benchmark.suite import SuiteConfig
from embodied_mem.config import config_tree, yaml_text
from embodied_mem.memory.config import MemoryConfig
from embodied_mem.perception.relocalize import RelocalizeConfig
from embodied_mem.perception.segmenters import SEGMENTERS
from embodied_mem.perception.segmenters.geometric import GeometricSegmenterConfig
from embodied_mem.perception.segmenters.noisy import NoisySegmenterConfig
from embodied_mem.perception.segmenters.open_vocab import OpenVocabSegmenterConfig
from embodied_mem.perception.segmenters.oracle import OracleSegmenterConfig
from embodied_mem.planner.frames_config import FramesPlannerConfig
from embodied_mem.planner.hf_config import HFPlannerConfig
from embodied_mem.planner.llm_config import LLMPlannerConfig
from embodied_mem.planner.registry import IMAGE_PLANNERS, PLANNERS, make_planner
from embodied_mem.planner.rule_config import RulePlannerConfig
from envs.ai2thor.config import AI2ThorConfig
from envs.builtin.config import BuiltinEnvConfig
from envs.habitat.config import HabitatConfig
from envs.registry import ENVS, Registry

if TYPE_CHECKING:
    from embodied_mem.perception.pipeline import Perceiver
    from embodied_mem.planner.base import Planner
    from envs.ground_truth import GroundTruth


class BackendSection:
    """Mixin of the sections holding one config per backend of a registry.

    Subclasses set ``registry``, and ``choice`` to the field holding the chosen backend's name
    (None when the caller names the backend, as baselines pick segmenters).
    """

    registry: ClassVar[Registry[Any]]
    choice: ClassVar[str | None] = None

    def check(self, name: str | None = None) -> str:
        """``name`` (default: the chosen one) if it is a registered backend with a config here.

        Raises:
            ValueError: an unknown name (with "did you mean"), or a registered backend this
                section has no config field for.
        """
        section = type(self).__name__.removesuffix("Section").lower()
        if name is None:
            if self.choice is None:
                raise ValueError(f"{section}: name the backend (one of {self.registry.names()})")
            name = getattr(self, self.choice)
        where = f"{section}.{self.choice or name}"
        try:
            self.registry.describe(name)
        except KeyError as exc:
            raise ValueError(f"{where}: {exc.args[0]}") from None
        if name not in {f.name for f in fields(self)}:  # type: ignore[arg-type]
            raise ValueError(f"{where}: backend {name!r} is registered but has no config field")
        return name

    def config_of(self, name: str) -> Any:
        """The config of backend ``name`` (validated)."""
        return getattr(self, self.check(name))

    def selected(self) -> Any:
        """The config of the chosen backend."""
        return self.config_of(self.check())


@dataclass
class EnvSection(BackendSection):
    """Which simulator, and the config of each."""

    registry: ClassVar[Registry[Any]] = ENVS
    choice: ClassVar[str | None] = "name"

    name: str = "builtin"
    """builtin | ai2thor | habitat."""
    builtin: BuiltinEnvConfig = field(
        # The oracle needs about 2000 steps for 11 interactions: 4800 steps a day (12 s each).
        default_factory=lambda: BuiltinEnvConfig(steps_per_day=4800)
    )
    ai2thor: AI2ThorConfig = field(default_factory=AI2ThorConfig)
    habitat: HabitatConfig = field(default_factory=HabitatConfig)

    def __post_init__(self) -> None:
        self.check()


@dataclass
class PerceptionSection(BackendSection):
    """The settings of each segmenter; which one an agent uses is its baseline's
    (``memory-oracle`` → oracle, labelled ORACLE everywhere; ``memory-noisy`` → noisy; ...)."""

    registry: ClassVar[Registry[Any]] = SEGMENTERS

    oracle: OracleSegmenterConfig = field(default_factory=OracleSegmenterConfig)
    noisy: NoisySegmenterConfig = field(default_factory=NoisySegmenterConfig)
    geometric: GeometricSegmenterConfig = field(default_factory=GeometricSegmenterConfig)
    open_vocab: OpenVocabSegmenterConfig = field(default_factory=OpenVocabSegmenterConfig)
    relocalize: RelocalizeConfig = field(default_factory=RelocalizeConfig)
    """How a drifting pose estimate (``noisy``) is re-localised against the agent's own map."""

    def build(
        self,
        name: str,
        *,
        ground_truth: GroundTruth | None = None,
        label_embedder: Any | None = None,
    ) -> Perceiver:
        """The perceiver around segmenter ``name`` with its config here.

        ``ground_truth`` goes to the ORACLE segmenters only (see
        :func:`~embodied_mem.perception.pipeline.build_perceiver`, which enforces it).
        """
        from embodied_mem.perception.pipeline import build_perceiver

        return build_perceiver(
            self.check(name),
            ground_truth=ground_truth,
            config=self.config_of(name),
            label_embedder=label_embedder,
            relocalize=self.relocalize,
        )


@dataclass
class PlannerSection(BackendSection):
    """Which planner backend, and the config of each."""

    registry: ClassVar[Registry[Any]] = PLANNERS
    choice: ClassVar[str | None] = "name"

    name: str = "rule"
    """rule | llm | hf | frames."""
    rule: RulePlannerConfig = field(default_factory=RulePlannerConfig)
    llm: LLMPlannerConfig = field(default_factory=LLMPlannerConfig)
    hf: HFPlannerConfig = field(default_factory=HFPlannerConfig)
    frames: FramesPlannerConfig = field(default_factory=FramesPlannerConfig)

    def __post_init__(self) -> None:
        self.check()

    def build(self, **dependencies: Any) -> Planner:
        """The chosen planner built from its config; ``dependencies`` go to its constructor
        (e.g. the rule planner's ``geodesic``)."""
        return make_planner(self.name, self.selected(), **dependencies)


@dataclass
class RunConfig:
    """Everything one run (demo, eval, replay) needs; saved into every run directory."""

    MOVED_KEYS: ClassVar[dict[str, str]] = {
        "seed": "the suite's seed is benchmark.seed",
        "perception.segmenter": "each baseline picks its segmenter (baselines=[memory-oracle,"
        "memory-noisy,memory-geometric,no-memory,frames-96]); settings: perception.<segmenter>",
        "perception.text_embeddings": "it was never read; nothing replaces it",
    }
    """Keys of earlier versions, with where their setting lives now (for error messages)."""

    benchmark: SuiteConfig = field(default_factory=SuiteConfig)
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
    env: EnvSection = field(default_factory=EnvSection)
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    perception: PerceptionSection = field(default_factory=PerceptionSection)
    memory: MemoryConfig = field(default_factory=MemoryConfig)
    planner: PlannerSection = field(default_factory=PlannerSection)
    agent: AgentConfig = field(default_factory=AgentConfig)
    navigation: NavigationMapConfig = field(default_factory=NavigationMapConfig)
    """The map agents plan on: their own (default) or the simulator's (``map: oracle``,
    ORACLE; rows say which in ``navigation_map``)."""

    def __post_init__(self) -> None:
        if self.planner.name in IMAGE_PLANNERS:
            # hf/frames plan from keyframe thumbnails; without them every plan would be blind.
            self.memory.episodic.thumbnails = True
        if self.benchmark.env != self.env.name:
            raise ValueError(
                f"benchmark.env ({self.benchmark.env}) and env.name ({self.env.name}) differ; "
                f"use --env {self.env.name} or set both to the same simulator"
            )


def used_config(cfg: RunConfig) -> dict[str, Any]:
    """``cfg`` as a plain dict without what the run never reads: the configs of simulators
    other than ``env.name``, of segmenters no baseline uses, of planners other than
    ``planner.name``, and perception/planner/agent when every baseline is a frames-K bound."""
    from embodied_mem.benchmark.baselines import standard_baselines

    tree: dict[str, Any] = config_tree(cfg)
    agents = [b for b in standard_baselines(list(cfg.baselines)) if b.kind != "frames-bound"]
    segmenters = {b.segmenter for b in agents}
    tree["env"] = {k: v for k, v in tree["env"].items() if k in ("name", cfg.env.name)}
    keep = segmenters | ({"relocalize"} if "noisy" in segmenters else set())  # noisy drifts
    tree["perception"] = {k: v for k, v in tree["perception"].items() if k in keep}
    tree["planner"] = {k: v for k, v in tree["planner"].items() if k in ("name", cfg.planner.name)}
    if not agents:  # memory stays: task generation reads memory.retrieval.periods
        for section in ("perception", "planner", "agent"):
            tree.pop(section)
    return tree


def run_yaml(cfg: RunConfig) -> str:
    """What a run saves as ``config.yaml`` (and sends to its workers): :func:`used_config`."""
    return yaml_text(used_config(cfg))


def dict_schemas(cfg: RunConfig) -> dict[str, type]:
    """Dict-valued keys whose entries are fields of a dataclass (for ``embodied-mem config``)."""
    from embodied_mem.benchmark.env_setup import env_config_class

    return {"benchmark.env_options": env_config_class(cfg.benchmark.env)}
