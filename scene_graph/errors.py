"""Exceptions raised by the scene graph package."""

from __future__ import annotations


class SceneGraphError(ValueError):
    """A request that would leave the scene graph inconsistent (bad ids, layers, cycles)."""


class UnknownNodeError(SceneGraphError, KeyError):
    """A node id that is not in the graph."""

    def __str__(self) -> str:  # KeyError would otherwise print the repr of the message
        return str(self.args[0]) if self.args else "unknown node"


class SceneGraphFormatError(SceneGraphError):
    """A serialised scene graph that cannot be read (corrupt, wrong format or newer schema)."""
