"""Typed subgoals: what the planner asks the low-level policies to do.

Targets are given by geometry (memory positions), never by ground-truth ids, except
``object_id``/``receptacle_id`` fields which hold the *env's* id of the thing to act on
once perception has linked it (oracle perception) or the policy has found it on screen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Viewpoints = tuple[tuple[float, float, float], ...]
"""Standing poses (x, y, yaw) from which the agent has seen or acted on the target — its own
experience, not the simulator's: the policies try them before sampling viewpoints around the
target (a bowl on a shelf shows from few places; a desk may be reachable only from one side)."""
Box = tuple[tuple[float, float, float], tuple[float, float, float]]
"""A remembered axis-aligned box, (min corner, max corner) in world metres."""


@dataclass(frozen=True)
class NavigateToObject:
    """Go to where memory believes an object is; success = near, facing and seeing it."""

    position: tuple[float, float, float]
    category: str | None = None
    memory_id: str | None = None
    env_id: str | None = None
    viewpoints: Viewpoints = ()


@dataclass(frozen=True)
class NavigateToReceptacle:
    position: tuple[float, float, float]
    category: str | None = None
    memory_id: str | None = None
    env_id: str | None = None
    viewpoints: Viewpoints = ()
    box: Box | None = None
    """Where memory believes the receptacle's box is: a deep one (a fridge) shows its front
    well before its centre, and the navigator accepts a surface anywhere inside it."""


@dataclass(frozen=True)
class NavigateToRoom:
    room_id: str
    anchor: tuple[float, float] | None = None


@dataclass(frozen=True)
class NavigateToPose:
    x: float
    y: float
    yaw: float | None = None


@dataclass(frozen=True)
class NavigateToFrame:
    """Go to the pose the agent had at a remembered frame (FindingDory answers frames)."""

    frame_index: int
    x: float
    y: float
    yaw: float


@dataclass(frozen=True)
class PickSubgoal:
    env_id: str | None = None
    position: tuple[float, float, float] | None = None
    category: str | None = None
    viewpoints: Viewpoints = ()
    exclude: tuple[str, ...] = ()
    """Env ids the pick must not take (a neighbour an earlier try took by mistake)."""


@dataclass(frozen=True)
class PlaceSubgoal:
    """Put the held object on/in a receptacle; openable ones are opened first if closed.

    ``close_after`` closes an openable receptacle again once the object is inside.
    ``alternatives``: positions of other receptacles that would do as well (any one of the
    category the instruction names), tried in order when the first has no room left.
    """

    env_id: str | None = None
    position: tuple[float, float, float] | None = None
    category: str | None = None
    close_after: bool = False
    viewpoints: Viewpoints = ()
    alternatives: tuple[tuple[float, float, float], ...] = ()
    box: Box | None = None
    """The receptacle's remembered box (see :class:`NavigateToReceptacle`)."""


@dataclass(frozen=True)
class OpenSubgoal:
    env_id: str | None = None
    position: tuple[float, float, float] | None = None
    viewpoints: Viewpoints = ()
    box: Box | None = None
    """The container's remembered box (see :class:`NavigateToReceptacle`)."""
    look_inside: bool = False
    """Once open, look into it for a few frames (a search: memory keeps a thing it saw in
    more than one frame, and a glance is one)."""


@dataclass(frozen=True)
class CloseSubgoal:
    env_id: str | None = None
    position: tuple[float, float, float] | None = None
    viewpoints: Viewpoints = ()
    box: Box | None = None
    """The container's remembered box (see :class:`NavigateToReceptacle`)."""


@dataclass(frozen=True)
class Explore:
    """Frontier exploration until ``category`` (if given) is seen or the budget runs out.

    ``inspect``: points (remembered receptacles, nearest first) to walk up to and look at once
    no frontier is left. A small thing on a table the agent walked past at a distance was never
    seen, and a map with no unknown floor has no frontier to lead there.
    """

    category: str | None = None
    max_steps: int = 200
    inspect: tuple[tuple[float, float, float], ...] = ()


@dataclass(frozen=True)
class Answer:
    text: str


@dataclass(frozen=True)
class StopSubgoal:
    pass


Subgoal = (
    NavigateToObject
    | NavigateToReceptacle
    | NavigateToRoom
    | NavigateToPose
    | NavigateToFrame
    | PickSubgoal
    | PlaceSubgoal
    | OpenSubgoal
    | CloseSubgoal
    | Explore
    | Answer
    | StopSubgoal
)


@dataclass
class PolicyOutcome:
    """How a subgoal ended: success, steps used, and a reason when it failed."""

    success: bool
    steps: int
    reason: str | None = None
    path_length: float = 0.0
    details: dict[str, object] = field(default_factory=dict)
