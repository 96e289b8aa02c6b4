"""Actions every adapter accepts, and the result each one reports."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MoveForward:
    """Move along the heading; ``distance`` None uses the env's configured step (0.25 m)."""

    distance: float | None = None


@dataclass(frozen=True)
class TurnLeft:
    """Rotate counter-clockwise; ``degrees`` None uses the env's configured turn angle."""

    degrees: float | None = None


@dataclass(frozen=True)
class TurnRight:
    """Rotate clockwise; ``degrees`` None uses the env's configured turn angle."""

    degrees: float | None = None


@dataclass(frozen=True)
class LookUp:
    degrees: float | None = None


@dataclass(frozen=True)
class LookDown:
    degrees: float | None = None


@dataclass(frozen=True)
class Teleport:
    """Place the agent at a floor position (x, y) with a yaw and pitch (radians). Oracle use."""

    x: float
    y: float
    yaw: float
    pitch: float = 0.0


@dataclass(frozen=True)
class Pick:
    object_id: str


@dataclass(frozen=True)
class Place:
    """Put the held object on (or inside, if open) ``receptacle_id``."""

    receptacle_id: str


@dataclass(frozen=True)
class Open:
    target_id: str


@dataclass(frozen=True)
class Close:
    target_id: str


@dataclass(frozen=True)
class Stop:
    pass


Action = (
    MoveForward
    | TurnLeft
    | TurnRight
    | LookUp
    | LookDown
    | Teleport
    | Pick
    | Place
    | Open
    | Close
    | Stop
)
ACTION_TYPES: tuple[type, ...] = (
    MoveForward,
    TurnLeft,
    TurnRight,
    LookUp,
    LookDown,
    Teleport,
    Pick,
    Place,
    Open,
    Close,
    Stop,
)


@dataclass(frozen=True)
class ActionResult:
    """Whether an action succeeded, and if not, why (a sentence a user can act on)."""

    success: bool
    reason: str | None = None

    @classmethod
    def ok(cls) -> ActionResult:
        return cls(True, None)

    @classmethod
    def fail(cls, reason: str) -> ActionResult:
        return cls(False, reason)


def check_action(action: object) -> None:
    """Raise ``TypeError`` with the list of valid actions if ``action`` is not one of them."""
    if not isinstance(action, ACTION_TYPES):
        names = ", ".join(t.__name__ for t in ACTION_TYPES)
        raise TypeError(f"unknown action {action!r}; expected one of envs.actions: {names}")
