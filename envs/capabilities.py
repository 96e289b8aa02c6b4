"""Optional environment capabilities, as ``Protocol`` s instead of ``hasattr`` probing.

Every adapter implements :class:`envs.base.Env`. Some offer more, and code that can use an
extra asks for it by type with :func:`capability`, which looks through wrappers
(:class:`envs.wrappers.Wrapper`) to the simulator underneath::

    clock = capability(env, SupportsClock)
    if clock is not None:
        clock.set_clock(day + 1, "06:00")

ORACLE capabilities — :class:`SupportsViewpoints`, :class:`SupportsVisibility`,
:class:`SupportsRoomCheck` and :class:`SupportsSnapshots` — read or restore the simulator's
ground truth: only oracle components (the scripted experience agent, the oracle solver) and
evaluation may use them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

import numpy as np

from envs.types import Observation

if TYPE_CHECKING:
    from envs.base import Env

C = TypeVar("C")


class StepClock(Protocol):
    """The part of an adapter's day clock others may read."""

    dt: float
    """Sim seconds one step advances the clock."""


@runtime_checkable
class SupportsClock(Protocol):
    """A day clock (FindingDory's 06:00-22:00 days) that can be moved forward."""

    clock: StepClock

    def set_clock(self, day: int, time: str) -> None:
        """Jump to ``day`` at ``time`` (``"HH:MM"`` inside the day window)."""
        ...


@runtime_checkable
class SupportsSnapshots(Protocol):
    """ORACLE: snapshot and restore the whole world (to run several agents from one state)."""

    def get_state(self) -> Any: ...

    def set_state(self, state: Any) -> Observation:
        """Restore a :meth:`get_state` snapshot; returns the observation there."""
        ...


@runtime_checkable
class SupportsViewpoints(Protocol):
    """ORACLE: poses from which a thing can be reached and seen, from the simulator's map."""

    def viewpoints_for(
        self,
        object_id: str,
        max_count: int = ...,
        *,
        visible_only: bool = ...,
        min_pixels: int | None = ...,
        candidates: int | None = ...,
        opened: bool = ...,
    ) -> list[tuple[float, float, float]]:
        """Navigable (x, y, yaw) poses within reach of ``object_id``, facing it, best first
        (with ``visible_only``: only those of the ``candidates`` best from which at least
        ``min_pixels`` of it show; with ``opened``: as if its closed container stood open)."""
        ...

    def look_pitch(self, object_id: str, xy: Sequence[float] | np.ndarray) -> float:
        """Camera pitch (radians) that brings ``object_id`` into view from floor point ``xy``."""
        ...


@runtime_checkable
class SupportsVisibility(Protocol):
    """ORACLE: how much of the image a thing covers, from the simulator's instance masks."""

    def visible_fraction(self, object_id: str, obs: Observation) -> float: ...


@runtime_checkable
class SupportsRoomCheck(Protocol):
    """ORACLE: whether the simulator's place would find room for a thing on a receptacle."""

    def has_room(self, object_id: str, receptacle_id: str) -> bool:
        """Whether a place of ``object_id`` on (or into) ``receptacle_id`` would find a free
        spot large enough, the world as it is now (``object_id`` itself not counted)."""
        ...


def capability(env: Env, kind: type[C]) -> C | None:
    """The simulator under ``env``'s wrappers if it has capability ``kind``, else None."""
    inner = env.unwrapped
    return inner if isinstance(inner, kind) else None  # type: ignore[return-value]


def require_capability(env: Env, kind: type[C], needed_by: str) -> C:
    """Like :func:`capability`, but a clear ``TypeError`` when the simulator lacks it.

    Args:
        needed_by: what needs it, for the message (e.g. ``"the oracle solver"``).
    """
    found = capability(env, kind)
    if found is None:
        raise TypeError(
            f"{needed_by} needs an env with {kind.__name__} ({(kind.__doc__ or '').strip()}); "
            f"{type(env.unwrapped).__name__} does not offer it"
        )
    return found
