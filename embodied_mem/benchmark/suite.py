"""Suites: a seeded list of episode specs, and the frozen JSON file that shares them.

A :class:`SuiteConfig` (presets in ``configs/suites/*.yaml``) expands deterministically into
:class:`EpisodeSpec` s. :func:`save_suite` freezes specs (and, once run, their experience
records and filled task instances) into one JSON file; :func:`load_suite` reads it back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from embodied_mem.benchmark.episode import (
    EpisodeFormatError,
    EpisodeSpec,
    ExperienceRecord,
    read_json,
    write_json,
)

logger = logging.getLogger(__name__)

SUITE_KIND = "embodied_mem.benchmark.suite"


class EnvConfigs(Protocol):
    """The run's env section (``RunConfig.env``): one config per simulator."""

    def config_of(self, name: str) -> Any: ...


@dataclass
class SuiteConfig:
    """How to generate a suite of episodes. Everything procedural is a knob here."""

    name: str = "default"
    """Suite name (used in report titles and file names)."""
    episodes: int = 20
    """Number of episodes."""
    seed: int = 0
    """Suite seed; episode i derives its seeds from (seed, i)."""
    days: int = 1
    """Experience days D per episode (T51-T54 need D >= 2)."""
    min_interactions: int = 2
    """Smallest K per day (FindingDory: 2)."""
    max_interactions: int = 11
    """Largest K per day (FindingDory: 11); K is drawn uniformly in [min, max]."""
    overnight_changes: int = 0
    """Objects moved after each experience day (also before the tasks) while the agent is away."""
    steps_per_interaction: int = 400
    """Steps of a day planned per interaction: an env whose day is counted in steps
    (``steps_per_day``, the built-in one) gets at least ``K × this`` steps on a day with K
    interactions, so that a day's interactions fit before 22:00."""
    templates: list[str] = field(default_factory=list)
    """Enabled template ids; empty means all of T01..T63."""
    families: list[str] = field(default_factory=list)
    """Enabled families (``manipulation``, ``questions``, ...; see ``FAMILIES``); with
    ``templates`` both must allow a template. Empty means every family."""
    first_episode: int = 0
    """Index of the first episode: ``first_episode=12, episodes=1`` runs only episode 12 of
    the suite, with the same seeds and id as in the whole suite (cheap re-runs of one case)."""
    env: str = "builtin"
    """Registered env name."""
    env_options: dict[str, Any] = field(default_factory=dict)
    """Fields of the env's config applied on top of the run's ``env.<name>`` section (for
    ``builtin``: ``BuiltinEnvConfig``; ``ai2thor``: ``AI2ThorConfig``; ``habitat``:
    ``HabitatConfig``)."""
    scenes: list[str] = field(default_factory=list)
    """Scenes the episodes run in, in a seeded order, cycled (not for ``builtin``, which
    generates a house per episode). ai2thor: FloorPlan/RoboTHOR names, sets such as
    ``ithor-kitchens`` or ``ithor``, ProcTHOR house .json paths; habitat: scene ids or paths,
    or ``dataset`` for every scene of ``env.habitat.scene_dataset``. Empty: the env config's
    own ``scene``."""

    findingdory: str = ""
    """FindingDory episodes file (their ``episodes.json.gz``): run those episodes (habitat env)
    with their instructions instead of generating episodes and filling the templates."""
    findingdory_data_root: str = "."
    """Folder FindingDory's relative paths (``data/...``) are relative to."""
    findingdory_attributes: str = ""
    """Their ``object_attribute_annotation.csv`` (for instructions about colour, shape, ...)."""

    def __post_init__(self) -> None:
        if self.findingdory and self.env != "habitat":
            raise ValueError("benchmark.findingdory episodes run in habitat: use --env habitat")
        if self.episodes < 1:
            raise ValueError(f"episodes must be >= 1, got {self.episodes}")
        if self.days < 1:
            raise ValueError(f"days must be >= 1, got {self.days}")
        if not 1 <= self.min_interactions <= self.max_interactions:
            raise ValueError(
                "need 1 <= min_interactions <= max_interactions, got "
                f"{self.min_interactions}..{self.max_interactions}"
            )
        from embodied_mem.benchmark.task import FAMILIES

        unknown = sorted(set(self.families) - set(FAMILIES))
        if unknown:
            raise ValueError(f"unknown families {unknown}; use some of {sorted(FAMILIES)}")
        if self.first_episode < 0:
            raise ValueError(f"first_episode must be >= 0, got {self.first_episode}")
        if self.steps_per_interaction < 1:
            raise ValueError(
                f"steps_per_interaction must be >= 1, got {self.steps_per_interaction}"
            )
        if self.overnight_changes < 0:
            raise ValueError(f"overnight_changes must be >= 0, got {self.overnight_changes}")


def make_specs(config: SuiteConfig, env: EnvConfigs | None = None) -> list[EpisodeSpec]:
    """Expand ``config`` into episode specs; the same config always gives the same specs.

    Args:
        config: the suite.
        env: the run's env section (``RunConfig.env``); the settings of the simulator the suite
            uses are frozen into every spec. None: only ``config.env_options``.
    """
    from embodied_mem.benchmark.env_setup import (
        build_env_config,
        config_overrides,
        episode_scenes,
    )

    base = env.config_of(config.env) if env is not None else None
    options = {**(config_overrides(base) if base is not None else {}), **config.env_options}
    if config.findingdory:
        return findingdory_specs(config, options)
    scenes = episode_scenes(
        config.env, config.scenes, build_env_config(config.env, options), config.seed
    )
    base_steps = getattr(build_env_config(config.env, options), "steps_per_day", None)
    specs = []
    templates = _enabled_templates(config)
    for i in range(config.first_episode, config.first_episode + config.episodes):
        rng = np.random.default_rng([config.seed, i])
        k = rng.integers(config.min_interactions, config.max_interactions + 1, size=config.days)
        day_steps = _planned_day(base_steps, int(k.max()), config.steps_per_interaction)
        specs.append(
            EpisodeSpec(
                episode_id=f"{config.name}-{i:04d}",
                seed=int(rng.integers(0, 2**31 - 1)),
                house_seed=int(rng.integers(0, 2**31 - 1)),
                interactions_per_day=[int(x) for x in k],
                overnight_changes=config.overnight_changes,
                templates=templates,
                env=config.env,
                env_options={
                    **options,
                    **({"scene": scenes[i % len(scenes)]} if scenes else {}),
                    **({"steps_per_day": day_steps} if day_steps else {}),
                },
            )
        )
    return specs


def findingdory_specs(config: SuiteConfig, options: dict[str, Any]) -> list[EpisodeSpec]:
    """The first ``config.episodes`` FindingDory episodes as specs (their scene, objects, plan)."""
    from embodied_mem.benchmark.findingdory import episode_spec, load_episodes, read_attributes

    attrs = read_attributes(config.findingdory_attributes) if config.findingdory_attributes else {}
    options = {k: v for k, v in options.items() if k not in ("scene", "scene_dataset", "objects")}
    return [
        episode_spec(ep, config.findingdory_data_root, config.seed, attrs, **options)
        for ep in load_episodes(config.findingdory)[: config.episodes]
    ]


def _enabled_templates(config: SuiteConfig) -> list[str]:
    """Template ids the spec enables ([] = all): ``templates`` narrowed to ``families``."""
    from embodied_mem.benchmark.task import ALL_TEMPLATES, FAMILIES

    if not config.families:
        return list(config.templates)
    allowed = {t for f in config.families for t in FAMILIES[f]}
    picked = [t for t in (config.templates or ALL_TEMPLATES) if t in allowed]
    if not picked:
        raise ValueError(
            f"no template of {config.templates} is in the families {config.families}; "
            "widen one of benchmark.templates or benchmark.families"
        )
    return picked


def _planned_day(base_steps: int | None, k_max: int, per_interaction: int) -> int | None:
    """``steps_per_day`` for an episode whose busiest day has ``k_max`` interactions, when the
    configured day is too short for them (None: keep the configured one)."""
    if base_steps is None or base_steps >= k_max * per_interaction:
        return None
    logger.info(
        "a day with %d interactions gets %d steps (configured %d: too few for %d steps each)",
        k_max,
        k_max * per_interaction,
        base_steps,
        per_interaction,
    )
    return k_max * per_interaction


@dataclass
class FrozenEpisode:
    """One entry of a suite file: the spec, and once run, its record and task instances."""

    spec: EpisodeSpec
    record: ExperienceRecord | None = None
    tasks: list[dict[str, Any]] = field(default_factory=list)
    """Task instances as dicts (``TaskInstance.from_dict`` reads them)."""


def save_suite(
    path: str | Path, episodes: list[EpisodeSpec | FrozenEpisode], *, name: str = "suite"
) -> Path:
    """Freeze episodes to ``path`` (JSON, schema-versioned)."""
    entries = []
    for ep in episodes:
        fe = ep if isinstance(ep, FrozenEpisode) else FrozenEpisode(ep)
        entries.append(
            {
                "spec": fe.spec.to_dict(),
                "record": fe.record.to_dict() if fe.record is not None else None,
                "tasks": list(fe.tasks),
            }
        )
    return write_json(path, SUITE_KIND, {"name": name, "episodes": entries})


def load_suite(path: str | Path) -> list[FrozenEpisode]:
    """Read a suite written by :func:`save_suite`.

    Raises:
        EpisodeFormatError: wrong kind/version, or an entry that does not fit the schema
            (the message names the episode and the field).
    """
    doc = read_json(path, SUITE_KIND)
    raw = doc.get("episodes")
    if not isinstance(raw, list):
        raise EpisodeFormatError(f"{path}: 'episodes' must be a list")
    out = []
    for n, entry in enumerate(raw):
        if not isinstance(entry, dict) or "spec" not in entry:
            raise EpisodeFormatError(f"{path}: episode #{n} must be an object with a 'spec'")
        spec = EpisodeSpec.from_dict(entry["spec"])
        rec = entry.get("record")
        out.append(
            FrozenEpisode(
                spec=spec,
                record=ExperienceRecord.from_dict(rec) if rec is not None else None,
                tasks=list(entry.get("tasks") or []),
            )
        )
    ids = [e.spec.episode_id for e in out]
    if len(set(ids)) != len(ids):
        raise EpisodeFormatError(
            f"{path}: duplicate episode ids {sorted({i for i in ids if ids.count(i) > 1})}"
        )
    logger.info("loaded %d episodes from %s", len(out), path)
    return out
