"""Enumerations shared by nodes, edges and timelines: layers, states, relations, events."""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

E = TypeVar("E", bound=Enum)


class Layer(str, Enum):
    """The explicit layers of the graph, from coarse to fine (Spark-DSG style)."""

    ROOM = "room"
    RECEPTACLE = "receptacle"
    OBJECT = "object"
    VIEWPOINT = "viewpoint"


#: Alias: Spark-DSG calls navigable free-space nodes "places"; here they share one layer.
PLACE = Layer.VIEWPOINT


class NodeState(str, Enum):
    """Articulation/holding state of a node; ``None`` on a node means "no such state"."""

    OPEN = "open"
    CLOSED = "closed"
    HELD = "held"


class Relation(str, Enum):
    """Support relation of a child (object) to its parent (receptacle)."""

    ON = "on"
    INSIDE = "inside"


class EventKind(str, Enum):
    """Why a timeline entry was written."""

    OBSERVED = "observed"
    MOVED = "moved"
    PICKED = "picked"
    PLACED = "placed"
    OPENED = "opened"
    CLOSED = "closed"
    #: The node was looked for and not found; it is absent from world instances from then on
    #: until a later entry of another kind.
    VANISHED = "vanished"


def parse_enum(enum_cls: type[E], value: object, what: str) -> E:
    """Convert ``value`` (an enum member or its string value) to ``enum_cls`` or raise clearly."""
    if isinstance(value, enum_cls):
        return value
    try:
        return enum_cls(value)  # type: ignore[call-arg]
    except ValueError:
        allowed = ", ".join(repr(m.value) for m in enum_cls)  # type: ignore[attr-defined]
        raise ValueError(f"{what} must be one of {allowed}; got {value!r}") from None
