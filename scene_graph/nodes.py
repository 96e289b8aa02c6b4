"""Typed scene-graph nodes (rooms, receptacles, objects, viewpoints)."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scene_graph.layers import Layer, NodeState, parse_enum
from scene_graph.timeline import Timeline, as_vec3, check_time


def as_points(value: object, what: str = "points") -> np.ndarray:
    """Return ``value`` as a finite (N, 3) float32 array or raise ``ValueError``."""
    arr = np.asarray(value, dtype=np.float32)
    if arr.size == 0:
        return np.zeros((0, 3), dtype=np.float32)
    if arr.ndim != 2 or arr.shape[1] != 3:
        raise ValueError(f"{what} must have shape (N, 3); got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what} contains NaN/inf; drop invalid depth readings before adding")
    return np.ascontiguousarray(arr)


def as_embedding(value: object) -> np.ndarray | None:
    """Return ``value`` as a finite (D,) float32 array (or ``None``)."""
    if value is None:
        return None
    arr = np.asarray(value, dtype=np.float32)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"embedding must have shape (D,) with D > 0; got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("embedding contains NaN/inf")
    return np.ascontiguousarray(arr)


@dataclass(eq=False)
class Node:
    """One node of the scene graph.

    Temporal fields (``centroid``, ``state``, parent and room) describe the *latest* belief and
    are kept in sync with ``timeline`` by :class:`~scene_graph.graph.SceneGraph`; change them
    through the graph (``record``/``observe``/``set_parent``/...), not by assignment. Change
    ``category``/``layer`` through ``SceneGraph.update_node`` so the indexes stay right.
    """

    id: str
    """Stable string id, unique in the graph."""
    layer: Layer
    """Which layer the node lives in."""
    category: str
    """Semantic class (AI2-THOR type names such as "Mug", "CounterTop", or "kitchen" for rooms)."""
    centroid: np.ndarray
    """(3,) float64 world position in metres (latest belief)."""
    bbox_min: np.ndarray = None  # type: ignore[assignment]  # None -> centroid
    """(3,) float64 lower corner of the axis-aligned box; defaults to the centroid."""
    bbox_max: np.ndarray = None  # type: ignore[assignment]  # None -> centroid
    """(3,) float64 upper corner of the axis-aligned box; defaults to the centroid."""
    points: np.ndarray = field(default_factory=lambda: np.zeros((0, 3), dtype=np.float32))
    """(N, 3) float32 small downsampled world point cloud (latest pose)."""
    embedding: np.ndarray | None = None
    """Optional (D,) float32 feature (text or image), ideally L2-normalised."""
    attributes: dict[str, Any] = field(default_factory=dict)
    """JSON-serialisable attributes (color, material, openable, room footprint, ...)."""
    confidence: float = 1.0
    """Belief that the node exists, in [0, 1]."""
    first_seen: float = 0.0
    """Seconds when the node was first observed."""
    last_seen: float = None  # type: ignore[assignment]  # None -> first_seen
    """Seconds when the node was last observed; defaults to ``first_seen``."""
    num_observations: int = 1
    """How many observations were fused into the node."""
    state: NodeState | None = None
    """Open/closed/held (latest belief) or ``None``."""
    timeline: Timeline = field(default_factory=Timeline)
    """Time-ordered belief snapshots; the graph appends to it."""

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise ValueError(f"Node.id must be a non-empty string; got {self.id!r}")
        self.layer = parse_enum(Layer, self.layer, "Node.layer")  # type: ignore[assignment]
        if not isinstance(self.category, str) or not self.category:
            raise ValueError(f"Node {self.id!r}: category must be a non-empty string")
        self.centroid = as_vec3(self.centroid, f"Node {self.id!r} centroid").copy()
        lo = self.centroid if self.bbox_min is None else self.bbox_min
        hi = self.centroid if self.bbox_max is None else self.bbox_max
        self.bbox_min = as_vec3(lo, f"Node {self.id!r} bbox_min").copy()
        self.bbox_max = as_vec3(hi, f"Node {self.id!r} bbox_max").copy()
        if np.any(self.bbox_min > self.bbox_max):
            raise ValueError(
                f"Node {self.id!r}: bbox_min {self.bbox_min.tolist()} exceeds bbox_max "
                f"{self.bbox_max.tolist()} on some axis; pass (min, max) corners"
            )
        self.points = as_points(self.points, f"Node {self.id!r} points")
        self.embedding = as_embedding(self.embedding)
        if not isinstance(self.attributes, dict):
            raise ValueError(f"Node {self.id!r}: attributes must be a dict")
        self.confidence = float(self.confidence)
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(
                f"Node {self.id!r}: confidence must be in [0, 1]; got {self.confidence}"
            )
        self.first_seen = check_time(self.first_seen, "first_seen")
        self.last_seen = self.first_seen if self.last_seen is None else check_time(self.last_seen)
        if self.last_seen < self.first_seen:
            raise ValueError(
                f"Node {self.id!r}: last_seen {self.last_seen} < first_seen {self.first_seen}"
            )
        if int(self.num_observations) < 0:
            raise ValueError(f"Node {self.id!r}: num_observations must be >= 0")
        self.num_observations = int(self.num_observations)
        if self.state is not None:
            self.state = parse_enum(NodeState, self.state, "Node.state")  # type: ignore[assignment]
        if not isinstance(self.timeline, Timeline):
            self.timeline = Timeline(list(self.timeline))

    @property
    def extent(self) -> np.ndarray:
        """(3,) box size in metres."""
        return self.bbox_max - self.bbox_min

    @property
    def volume(self) -> float:
        return float(np.prod(self.extent))

    def translated_copy(self, delta: np.ndarray) -> Node:
        """A copy shifted rigidly by ``delta`` (box, points, centroid); timeline shared."""
        out = self.copy(share_timeline=True)
        out.centroid = self.centroid + delta
        out.bbox_min = self.bbox_min + delta
        out.bbox_max = self.bbox_max + delta
        if len(self.points):
            out.points = (self.points + delta.astype(np.float32)).astype(np.float32)
        return out

    def copy(self, *, share_timeline: bool = False) -> Node:
        """Deep copy of the node (arrays and attributes copied; timeline optionally shared).

        Skips re-validation: the fields were validated when this node was built.
        """
        out = copy.copy(self)
        out.centroid = self.centroid.copy()
        out.bbox_min = self.bbox_min.copy()
        out.bbox_max = self.bbox_max.copy()
        out.points = self.points.copy()
        out.embedding = None if self.embedding is None else self.embedding.copy()
        out.attributes = _copy_json(self.attributes)
        out.timeline = self.timeline if share_timeline else self.timeline.truncated(math.inf)
        return out

    def same_as(self, other: Node) -> bool:
        """Exact equality of every field including arrays and timeline entries."""
        if (
            self.id,
            self.layer,
            self.category,
            self.confidence,
            self.first_seen,
            self.last_seen,
            self.num_observations,
            self.state,
        ) != (
            other.id,
            other.layer,
            other.category,
            other.confidence,
            other.first_seen,
            other.last_seen,
            other.num_observations,
            other.state,
        ):
            return False
        arrays_equal = all(
            np.array_equal(a, b) and getattr(a, "dtype", None) == getattr(b, "dtype", None)
            for a, b in (
                (self.centroid, other.centroid),
                (self.bbox_min, other.bbox_min),
                (self.bbox_max, other.bbox_max),
                (self.points, other.points),
            )
        )
        if not arrays_equal or (self.embedding is None) != (other.embedding is None):
            return False
        if self.embedding is not None and not np.array_equal(self.embedding, other.embedding):  # type: ignore[arg-type]
            return False
        if self.attributes != other.attributes or len(self.timeline) != len(other.timeline):
            return False
        return all(a.same_as(b) for a, b in zip(self.timeline, other.timeline, strict=True))

    def __repr__(self) -> str:
        c = ", ".join(f"{v:.2f}" for v in self.centroid)
        return f"Node({self.id!r}, {self.layer.value}, {self.category!r}, centroid=({c}))"


def _copy_json(value: Any) -> Any:
    """Copy nested dict/list attribute values (cheaper than ``copy.deepcopy`` for JSON data)."""
    if isinstance(value, dict):
        return {k: _copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_json(v) for v in value]
    return value
