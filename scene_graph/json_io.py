"""Schema-versioned JSON for scene graphs; arrays round-trip bit-exactly.

Layout (schema 1)::

    {"format": "embodied_mem.scene_graph", "schema_version": 1, "metadata": {...},
     "nodes": [{"id", "layer", "category", "centroid", "bbox_min", "bbox_max", "points",
                "embedding", "attributes", "confidence", "first_seen", "last_seen",
                "num_observations", "state", "timeline": {columns}}],
     "near": [[a, b, distance]], "interactions": [[node, kind, time, receptacle]]}

Float64 scalars/vectors are JSON numbers (Python writes the shortest repr that reads back
exactly); float32 arrays (points, embeddings) and the timeline positions are base64 of
little-endian bytes, which is exact and about 3x smaller than decimal text.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from scene_graph.edges import AGENT_ID, InteractionEdge, NearEdge
from scene_graph.errors import SceneGraphError, SceneGraphFormatError
from scene_graph.layers import EventKind, NodeState, Relation
from scene_graph.nodes import Node
from scene_graph.timeline import Timeline, TimelineEntry

if TYPE_CHECKING:
    from scene_graph.graph import SceneGraph

logger = logging.getLogger(__name__)

FORMAT = "embodied_mem.scene_graph"
#: Bump when the layout changes; readers refuse newer versions instead of misreading them.
SCHEMA_VERSION = 1


def _encode_array(arr: np.ndarray, dtype: str) -> dict[str, Any]:
    data = np.ascontiguousarray(arr, dtype=np.dtype(dtype).newbyteorder("<"))
    return {
        "dtype": dtype,
        "shape": list(data.shape),
        "b64": base64.b64encode(data.tobytes()).decode("ascii"),
    }


def _decode_array(obj: dict[str, Any], dtype: str) -> np.ndarray:
    if obj.get("dtype") != dtype:
        raise ValueError(f"expected dtype {dtype}, found {obj.get('dtype')!r}")
    shape = tuple(int(s) for s in obj["shape"])
    raw = base64.b64decode(obj["b64"], validate=True)
    arr = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<"))
    if arr.size != int(np.prod(shape)):
        raise ValueError(f"array data has {arr.size} values but shape {list(shape)}")
    return arr.reshape(shape).astype(dtype)  # native byte order, writeable copy


def _timeline_to_dict(timeline: Timeline) -> dict[str, Any]:
    entries = list(timeline)
    xyz = np.array([e.centroid for e in entries], dtype=np.float64).reshape(-1, 3)
    return {
        "time": [e.time for e in entries],
        "kind": [e.kind.value for e in entries],
        "centroid": _encode_array(xyz, "float64"),
        "parent": [e.parent_id for e in entries],
        "relation": [e.relation.value if e.relation else None for e in entries],
        "state": [e.state.value if e.state else None for e in entries],
        "room": [e.room_id for e in entries],
    }


def _timeline_from_dict(obj: dict[str, Any]) -> Timeline:
    xyz = _decode_array(obj["centroid"], "float64")
    cols = [obj["time"], obj["kind"], obj["parent"], obj["relation"], obj["state"], obj["room"]]
    if any(len(c) != len(xyz) for c in cols):
        raise ValueError("timeline columns have different lengths")
    if any(b < a for a, b in zip(obj["time"], obj["time"][1:], strict=False)):
        raise ValueError("timeline times are not in ascending order")
    entries = [
        TimelineEntry(
            t,
            EventKind(k),
            c,
            p,
            None if r is None else Relation(r),
            None if s is None else NodeState(s),
            room,
        )
        for t, k, c, p, r, s, room in zip(
            obj["time"],
            obj["kind"],
            xyz,
            obj["parent"],
            obj["relation"],
            obj["state"],
            obj["room"],
            strict=True,
        )
    ]
    return Timeline(entries)


def _node_to_dict(node: Node) -> dict[str, Any]:
    return {
        "id": node.id,
        "layer": node.layer.value,
        "category": node.category,
        "centroid": node.centroid.tolist(),
        "bbox_min": node.bbox_min.tolist(),
        "bbox_max": node.bbox_max.tolist(),
        "points": _encode_array(node.points, "float32"),
        "embedding": None if node.embedding is None else _encode_array(node.embedding, "float32"),
        "attributes": node.attributes,
        "confidence": node.confidence,
        "first_seen": node.first_seen,
        "last_seen": node.last_seen,
        "num_observations": node.num_observations,
        "state": node.state.value if node.state else None,
        "timeline": _timeline_to_dict(node.timeline),
    }


def _node_from_dict(obj: dict[str, Any]) -> Node:
    emb = obj["embedding"]
    return Node(
        id=obj["id"],
        layer=obj["layer"],
        category=obj["category"],
        centroid=obj["centroid"],
        bbox_min=obj["bbox_min"],
        bbox_max=obj["bbox_max"],
        points=_decode_array(obj["points"], "float32"),
        embedding=None if emb is None else _decode_array(emb, "float32"),
        attributes=obj["attributes"],
        confidence=obj["confidence"],
        first_seen=obj["first_seen"],
        last_seen=obj["last_seen"],
        num_observations=obj["num_observations"],
        state=obj["state"],
        timeline=_timeline_from_dict(obj["timeline"]),
    )


def to_dict(graph: SceneGraph) -> dict[str, Any]:
    """A JSON-ready dict of the whole graph (see module docstring for the layout)."""
    return {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "metadata": graph.metadata,
        "nodes": [_node_to_dict(n) for n in graph.nodes(include_vanished=True)],
        "near": [[e.source, e.target, e.distance] for e in graph.edges("near")],  # type: ignore[attr-defined]
        "interactions": [
            [e.target, e.kind.value, e.time, e.receptacle_id] for e in graph.interactions()
        ],
    }


def _check_header(data: Any) -> None:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SceneGraphFormatError(
            f"not a scene graph: expected a JSON object with format={FORMAT!r}; check that the "
            "file is a scene graph written by scene_graph.save"
        )
    version = data.get("schema_version")
    if not isinstance(version, int) or version < 1:
        raise SceneGraphFormatError(f"invalid schema_version {version!r}; the file is corrupt")
    if version > SCHEMA_VERSION:
        raise SceneGraphFormatError(
            f"scene graph schema version {version} is newer than this reader supports "
            f"({SCHEMA_VERSION}); upgrade embodied_mem to read it"
        )


def from_dict(data: Any) -> SceneGraph:
    """Rebuild a graph from :func:`to_dict` output.

    Raises:
        SceneGraphFormatError: wrong format, newer schema, or corrupt content (says where).
    """
    from scene_graph.graph import SceneGraph

    _check_header(data)
    where = "header"
    try:
        if not isinstance(data["metadata"], dict):
            raise ValueError("metadata must be a JSON object")
        graph = SceneGraph(metadata=data["metadata"])
        for i, obj in enumerate(data["nodes"]):
            where = f"node #{i} ({obj.get('id')!r})" if isinstance(obj, dict) else f"node #{i}"
            node = _node_from_dict(obj)
            if node.id in graph:
                raise ValueError("duplicate node id")
            graph._insert_raw(node)
        where = "node relations"
        graph._finish_bulk()
        for i, (a, b, dist) in enumerate(data["near"]):
            where = f"near edge #{i}"
            graph.add_edge(NearEdge(a, b, distance=float(dist)))
        for i, (target, kind, time, rec) in enumerate(data["interactions"]):
            where = f"interaction #{i}"
            # not add_edge: a world instance keeps interactions of nodes absent at its time
            edge = InteractionEdge(AGENT_ID, str(target), kind=kind, time=time, receptacle_id=rec)
            graph._add_interaction(edge.target, edge.kind, edge.time, edge.receptacle_id)
    except SceneGraphFormatError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, SceneGraphError) as exc:
        raise SceneGraphFormatError(
            f"corrupt scene graph at {where}: {type(exc).__name__}: {exc}. The file may be "
            "truncated or hand-edited; restore it from a backup or rebuild the memory"
        ) from exc
    return graph


def to_json(graph: SceneGraph, *, indent: int | None = None) -> str:
    """Serialise to a JSON string.

    Raises:
        SceneGraphError: attributes/metadata hold values JSON cannot represent (NaN, objects).
    """
    try:
        return json.dumps(to_dict(graph), indent=indent, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise SceneGraphError(
            f"scene graph is not JSON-serialisable ({exc}); keep node attributes and metadata to "
            "str/int/finite float/bool/None/list/dict"
        ) from exc


def from_json(text: str | bytes) -> SceneGraph:
    """Parse :func:`to_json` output. Raises :class:`SceneGraphFormatError` on bad input."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SceneGraphFormatError(
            f"scene graph JSON cannot be parsed ({exc}); the file is truncated or not JSON"
        ) from exc
    return from_dict(data)


def save(graph: SceneGraph, path: str | os.PathLike[str]) -> Path:
    """Write atomically: a temp file in the same directory, fsync, then ``os.replace``."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = to_json(graph)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    logger.debug("saved scene graph (%d nodes) to %s", len(graph), target)
    return target


def load(path: str | os.PathLike[str]) -> SceneGraph:
    """Read a graph written by :func:`save`."""
    target = Path(path)
    if not target.is_file():
        raise FileNotFoundError(f"no scene graph file at {target}")
    try:
        return from_json(target.read_bytes())
    except SceneGraphFormatError as exc:
        raise SceneGraphFormatError(f"{target}: {exc}") from exc
