"""Which map the agent navigates, explores and measures distances on (run-config ``navigation``).

``navigation.map=own`` (the default): the free-space map the agent builds from its own depth
frames and poses (:attr:`embodied_mem.memory.AgentMemory.free_space`); nothing of the
simulator's map reaches the agent. ``navigation.map=oracle``: the simulator's complete
free-space map and geodesic distances (``env.navigability``), rooms never seen included. That
is a privilege: ORACLE, for comparison only; runs using it say so in their config and in every
result row (``navigation_map``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from envs.base import Env, Navigability

if TYPE_CHECKING:
    from embodied_mem.memory.memory import AgentMemory

MAPS = ("own", "oracle")


@dataclass
class NavigationMapConfig:
    """The map the agent plans on (see module docstring)."""

    map: str = "own"
    """"own": the agent's own free-space map; "oracle": the simulator's map (ORACLE)."""

    def __post_init__(self) -> None:
        if self.map not in MAPS:
            raise ValueError(
                f"navigation.map must be 'own' (the agent's map) or 'oracle' (the simulator's "
                f"map, a privilege), got {self.map!r}"
            )

    @property
    def oracle(self) -> bool:
        return self.map == "oracle"


def agent_map(
    env: Env, memory: AgentMemory | None, config: NavigationMapConfig, own: Any = None
) -> Navigability:
    """The map for ``config``: the memory's free-space map (own; ``own`` when the agent has no
    memory and keeps one itself), or the simulator's (ORACLE)."""
    if config.oracle:
        return env.navigability  # ORACLE: navigation.map=oracle
    fmap: Any = memory.free_space if memory is not None else own
    if fmap is None:
        raise ValueError(
            "navigation.map=own needs the agent's own map (a memory or a FreeSpaceMap)"
        )
    return fmap
