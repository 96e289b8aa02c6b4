"""The Gymnasium-style environment interface every adapter implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Protocol

import numpy as np

from envs.actions import Action
from envs.ground_truth import GroundTruth
from envs.types import Observation


class Navigability(Protocol):
    """Where the agent can stand and how far apart two floor points are by walking.

    All points are world (x, y) in metres. Distances are geodesic (along free floor);
    ``inf`` when unreachable.
    """

    def is_navigable(self, xy: np.ndarray) -> bool: ...

    def snap(self, xy: np.ndarray) -> np.ndarray:
        """The nearest navigable point to ``xy``."""
        ...

    def geodesic_distance(self, a: np.ndarray, b: np.ndarray) -> float: ...

    def shortest_path(self, a: np.ndarray, b: np.ndarray) -> list[np.ndarray] | None:
        """Waypoints (x, y) from a to b along free floor, or None if unreachable."""
        ...

    def distances_from(self, goal: np.ndarray) -> Any:
        """A geodesic distance field to ``goal`` that answers ``.at(xy)`` cheaply for many xy."""
        ...

    def sample_navigable(self, rng: np.random.Generator) -> np.ndarray: ...


class Env(ABC):
    """Gymnasium-style simulator adapter.

    ``step`` returns ``(obs, reward, terminated, truncated, info)`` with
    ``info["result"]`` the :class:`envs.actions.ActionResult` of the action.
    ``close`` is idempotent; the env is a context manager. Extras some adapters offer (a
    settable clock, world snapshots, oracle viewpoints) are typed in :mod:`envs.capabilities`.
    """

    @abstractmethod
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Observation, dict[str, Any]]: ...

    @abstractmethod
    def step(self, action: Action) -> tuple[Observation, float, bool, bool, dict[str, Any]]: ...

    @abstractmethod
    def observe(self) -> Observation:
        """Render the current state without acting."""

    @abstractmethod
    def ground_truth(self) -> GroundTruth:
        """Current ground truth. Oracles and evaluation only."""

    @property
    @abstractmethod
    def navigability(self) -> Navigability: ...

    def close(self) -> None:  # noqa: B027 - default is a no-op; adapters with resources override
        """Release simulator resources; safe to call more than once."""

    @property
    def unwrapped(self) -> Env:
        """The simulator itself, under any :class:`envs.wrappers.Wrapper` (as in Gymnasium).

        Optional capabilities (:mod:`envs.capabilities`) are looked up here."""
        return self

    def __enter__(self) -> Env:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
