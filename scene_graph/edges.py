"""Typed scene-graph edges.

Structural edges (``IN_ROOM``, ``ON``, ``INSIDE``) are derived from node timelines by the graph
(see ``SceneGraph.set_parent``/``set_room``), so an object can never be on/inside two
receptacles at once. ``NEAR`` edges are stored as given. Agent-interaction edges (``PICKED``,
``PLACED``, ``OPENED``, ``CLOSED``) run from the agent (:data:`AGENT_ID`) to the node acted on
and carry the time.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import ClassVar

from scene_graph.timeline import check_time

#: Source id of agent-interaction edges; the agent is not a node of the graph.
AGENT_ID = "agent"


class EdgeType(str, Enum):
    IN_ROOM = "in_room"
    ON = "on"
    INSIDE = "inside"
    NEAR = "near"
    PICKED = "picked"
    PLACED = "placed"
    OPENED = "opened"
    CLOSED = "closed"


INTERACTION_TYPES = frozenset({EdgeType.PICKED, EdgeType.PLACED, EdgeType.OPENED, EdgeType.CLOSED})


@dataclass(frozen=True)
class Edge:
    """Base class: a directed edge ``source -> target``."""

    type: ClassVar[EdgeType]
    source: str
    target: str


@dataclass(frozen=True)
class InRoomEdge(Edge):
    """``source`` node is in room ``target``."""

    type: ClassVar[EdgeType] = EdgeType.IN_ROOM


@dataclass(frozen=True)
class OnEdge(Edge):
    """Object ``source`` rests on receptacle ``target`` since ``since`` seconds."""

    type: ClassVar[EdgeType] = EdgeType.ON
    since: float = 0.0


@dataclass(frozen=True)
class InsideEdge(Edge):
    """Object ``source`` is inside container ``target`` since ``since`` seconds."""

    type: ClassVar[EdgeType] = EdgeType.INSIDE
    since: float = 0.0


@dataclass(frozen=True)
class NearEdge(Edge):
    """``source`` and ``target`` are within ``distance`` metres (box-to-box gap)."""

    type: ClassVar[EdgeType] = EdgeType.NEAR
    distance: float = 0.0

    def __post_init__(self) -> None:
        if self.source == self.target:
            raise ValueError(f"NearEdge needs two different nodes; got {self.source!r} twice")
        if not self.distance >= 0.0:
            raise ValueError(f"NearEdge.distance must be >= 0 metres; got {self.distance}")

    @property
    def key(self) -> tuple[str, str]:
        """Order-free key: near is symmetric."""
        a, b = sorted((self.source, self.target))
        return a, b


@dataclass(frozen=True)
class InteractionEdge(Edge):
    """The agent picked/placed/opened/closed node ``target`` at ``time``.

    ``receptacle_id`` is the receptacle picked from or placed onto/into (``None`` for
    open/close or when unknown). ``kind`` is one of the interaction edge types.
    """

    kind: EdgeType = EdgeType.PICKED
    time: float = 0.0
    receptacle_id: str | None = None

    def __post_init__(self) -> None:
        kind = EdgeType(self.kind)
        if kind not in INTERACTION_TYPES:
            raise ValueError(
                f"InteractionEdge.kind must be one of picked/placed/opened/closed; got {kind.value!r}"
            )
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "time", check_time(self.time, "InteractionEdge.time"))

    @property  # type: ignore[override]
    def type(self) -> EdgeType:  # type: ignore[override]
        """Interaction edges report their ``kind`` as their type."""
        return self.kind
