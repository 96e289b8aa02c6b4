"""The order parallel episodes are handed to workers in: longest first.

With a handful of episodes per worker, the run ends when the busiest worker does; a long
episode handed out last keeps one worker busy while the others idle. Handing episodes out
longest first (LPT scheduling) leaves only short ones for the end, so the workers finish
close together. The order changes nothing else: rows are sorted before summarising.
"""

from __future__ import annotations

from collections.abc import Sequence

from embodied_mem.benchmark.episode import EpisodeSpec


def episode_cost(spec: EpisodeSpec) -> float:
    """A relative CPU cost of ``spec`` (only the order of costs matters).

    Every experience day and every interaction adds walking, frames and tasks; all of it
    (the oracle's walks, the agents' navigation and the no-memory baseline's exploration)
    grows with the house. Measured on the demo suite, an episode's CPU followed the rooms of
    its house closely (about 11 s a room) and its interactions less.
    """
    return float(_rooms(spec) * (spec.days + sum(spec.interactions_per_day)))


def longest_first(specs: Sequence[EpisodeSpec]) -> list[EpisodeSpec]:
    """``specs`` by decreasing :func:`episode_cost`; equal costs keep the suite's order."""
    return sorted(specs, key=lambda s: -episode_cost(s))


def _rooms(spec: EpisodeSpec) -> int:
    """Rooms of the spec's house where that is known before running it (the built-in
    simulator's procedural houses), else 1."""
    if spec.env != "builtin":
        return 1
    from envs.builtin.config import BuiltinEnvConfig

    known = set(BuiltinEnvConfig.field_names())
    try:
        config = BuiltinEnvConfig(**{k: v for k, v in spec.env_options.items() if k in known})
    except (TypeError, ValueError):  # the episode itself will report a bad option
        return 1
    return config.rooms_of(spec.house_seed)
