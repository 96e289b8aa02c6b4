"""The baselines a suite evaluates, by name (apart from the episode runner, so checking a
config does not import the agents)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Baseline:
    """One agent variant evaluated in the same episodes."""

    name: str
    kind: str
    """"memory" | "no-memory" | "frames-bound"."""
    segmenter: str = "oracle"
    frames_k: int = 0


def standard_baselines(names: list[str]) -> list[Baseline]:
    """Baselines by name: memory-oracle, memory-noisy, no-memory, frames-<K> (ORACLE bound)."""
    out = []
    for name in names:
        if name in ("memory-oracle", "memory-noisy", "memory-geometric"):
            out.append(Baseline(name, "memory", segmenter=name.split("-", 1)[1]))
        elif name == "no-memory":
            out.append(Baseline(name, "no-memory"))
        elif name.startswith("frames-") and name[7:].isdigit():
            out.append(Baseline(name, "frames-bound", frames_k=int(name[7:])))
        else:
            raise ValueError(
                f"unknown baseline {name!r}; use memory-oracle, memory-noisy, "
                "memory-geometric, no-memory or frames-<K> (e.g. frames-96)"
            )
    return out
