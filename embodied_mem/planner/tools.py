"""The memory query API exposed to models as tools (OpenAI function-calling format).

:data:`~embodied_mem.planner.tool_table.TOOL_TABLE` is the single declarative table: tool name
→ ``MemoryQuery`` method and the JSON schema of its parameters. Function specs are generated from it, calls are dispatched
through it, and only tools whose method exists on the given memory object are offered, so the
table may list methods a memory implementation lacks.

Results are converted to compact JSON (dataclasses → dicts, floats rounded, empty fields
dropped, lists capped) and every ``memory_id`` with a ``position`` seen in a result is kept,
so that a plan naming that id can be turned into a subgoal with real coordinates.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from embodied_mem.memory.query_api import MemoryQueryAPI
from embodied_mem.planner.base import Keyframe, ToolCallRecord
from embodied_mem.planner.grounding import Vocabulary
from embodied_mem.planner.schema import ResolvedTarget, RoomTarget
from embodied_mem.planner.tool_table import TOOL_CONVENTIONS, TOOL_TABLE, ToolSpec
from envs.types import AgentPose
from policies.subgoals import Box

logger = logging.getLogger(__name__)

#: Fields left out of tool results: bulky, or bookkeeping a language model cannot use.
_DROP_FIELDS = frozenset(
    {
        "bbox_min",
        "bbox_max",
        "thumbnail",
        "visible",
        "confidence",
        "n_observations",
        "event_ids",
        "poses",
    }
)


def to_jsonable(value: Any, *, max_items: int = 10, _depth: int = 0) -> Any:
    """Compact JSON form of a retrieval result (dataclasses, enums, poses, numpy values)."""
    if _depth > 6:
        return str(value)
    if isinstance(value, AgentPose):
        return {
            "x": round(value.position[0], 2),
            "y": round(value.position[1], 2),
            "yaw": round(value.yaw, 2),
        }
    if isinstance(value, Keyframe):
        return {"frame_index": value.frame_index, "caption": value.caption}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        out = {
            str(k): to_jsonable(v, max_items=max_items, _depth=_depth + 1)
            for k, v in value.items()
            if k not in _DROP_FIELDS
        }
        return {k: v for k, v in out.items() if v not in (None, "", [], {})}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [
            to_jsonable(v, max_items=max_items, _depth=_depth + 1) for v in list(value)[:max_items]
        ]
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return to_jsonable(value.tolist(), max_items=max_items, _depth=_depth + 1)
    if isinstance(value, float):
        return round(value, 2)
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    return str(value)


def _as_position(value: Any, n: int = 3) -> tuple[float, ...] | None:
    if (
        isinstance(value, (list, tuple))
        and len(value) == n
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
    ):
        return tuple(float(v) for v in value)
    return None


class ToolArgumentError(ValueError):
    """The model called a tool with arguments that do not fit its spec."""


class MemoryToolbox:
    """Tools over one memory object: specs for the model, dispatch, and harvested targets.

    Args:
        memory: the memory query API (:class:`~embodied_mem.memory.query_api.MemoryQueryAPI`).
        agent: the agent's current pose (distance tools measure from it).
        distance_fn: geodesic distance (m) from the agent to a floor point (x, y); straight-line
            distance from ``agent`` is used when None.
        allowed: tool names to offer (None = every tool the memory supports); small models
            with short contexts do better with a few.
        max_items: results per list shown to the model.
        max_chars: cap on one tool result's JSON text (longer results are cut and say so).
    """

    def __init__(
        self,
        memory: MemoryQueryAPI | None,
        *,
        agent: AgentPose | None = None,
        distance_fn: Callable[[np.ndarray], float] | None = None,
        allowed: Sequence[str] | None = None,
        max_items: int = 10,
        max_chars: int = 2000,
        table: tuple[ToolSpec, ...] = TOOL_TABLE,
    ) -> None:
        if allowed is not None:
            unknown = sorted(set(allowed) - {t.name for t in table})
            if unknown:
                raise ValueError(
                    f"unknown tool names {unknown}; known: {', '.join(t.name for t in table)}"
                )
        self.memory = memory
        self.agent = agent
        self.distance_fn = distance_fn
        self.max_items = max_items
        self.max_chars = max_chars
        self.tools = {
            t.name: t
            for t in table
            if (allowed is None or t.name in allowed) and self._supported(t)
        }
        self.targets: dict[str, ResolvedTarget] = {}
        self.rooms: dict[str, tuple[float, ...] | None] = {}

    def _supported(self, spec: ToolSpec) -> bool:
        if self.memory is None:
            return False
        if spec.method.startswith("@"):
            return callable(getattr(self.memory, "objects", None)) and (
                self.agent is not None or self.distance_fn is not None
            )
        return callable(getattr(self.memory, spec.method, None))

    def specs(self) -> list[dict[str, Any]]:
        return [t.function_spec() for t in self.tools.values()]

    def convert_args(self, spec: ToolSpec, args: dict[str, Any]) -> dict[str, Any]:
        """Model-facing arguments → keyword arguments of the memory method."""
        unknown = sorted(set(args) - set(spec.params))
        missing = [p for p in spec.required if p not in args]
        if unknown or missing:
            raise ToolArgumentError(
                f"bad arguments for {spec.name}: unknown {unknown}, "
                f"missing {missing}; parameters are {sorted(spec.params)}"
            )
        # Small models fill optional fields with "" or null; treat those as "not given".
        out = {k: v for k, v in args.items() if v not in ("", None)}
        if "days_ago" in out:
            n = out.pop("days_ago")
            if not isinstance(n, int) or n < 0:
                raise ToolArgumentError(f"days_ago must be an integer >= 0, got {n!r}")
            out["day"] = self.memory.today - n if hasattr(self.memory, "today") else n
        if "start" in out or "end" in out:
            out["between"] = (out.pop("start", "00:00"), out.pop("end", "23:59"))
        attrs = {k: out.pop(k) for k in ("color", "material", "shape") if k in out}
        if attrs:
            out["attributes"] = attrs
        return out

    def call(self, name: str, arguments: str | Mapping[str, Any] | None) -> ToolCallRecord:
        """Run tool ``name``; errors (unknown tool, bad JSON, memory errors) go in the record."""
        try:
            args = (
                json.loads(arguments or "{}")
                if isinstance(arguments, str)
                else dict(arguments or {})
            )
        except json.JSONDecodeError as exc:
            return ToolCallRecord(name, {"_raw": arguments}, error=f"arguments are not JSON: {exc}")
        if not isinstance(args, dict):
            return ToolCallRecord(name, {"_raw": args}, error="arguments must be a JSON object")
        spec = self.tools.get(name)
        if spec is None:
            return ToolCallRecord(
                name, args, error=f"unknown tool {name!r}; available: {', '.join(self.tools)}"
            )
        try:
            kwargs = self.convert_args(spec, args)
            if spec.method.startswith("@"):
                raw = getattr(self, "_tool_" + spec.method[1:])(**kwargs)
            else:
                raw = getattr(self.memory, spec.method)(**kwargs)
        except (ValueError, KeyError, TypeError, LookupError) as exc:
            return ToolCallRecord(name, args, error=f"{type(exc).__name__}: {exc}")
        result = to_jsonable(raw, max_items=self.max_items)
        self.harvest(result)
        return ToolCallRecord(name, args, result=result)

    def _tool_objects_by_distance(
        self,
        *,
        interacted: bool | None = None,
        layer: str | None = None,
        farthest: bool = False,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        hits = self.memory.objects(interacted=interacted, layer=layer or "object")
        dist = self.distance_fn
        if dist is None:
            assert self.agent is not None
            here = self.agent.xy
            dist = lambda xy: float(np.linalg.norm(np.asarray(xy) - here))  # noqa: E731
        ranked = sorted(
            ((h, float(dist(np.asarray(h.position[:2])))) for h in hits),
            key=lambda p: (np.isinf(p[1]), -p[1] if farthest else p[1]),
        )
        return [{"hit": h, "distance_m": d} for h, d in ranked[:limit]]

    def result_text(self, record: ToolCallRecord) -> str:
        """What the model reads back for one call: compact JSON within ``max_chars``.

        Long lists lose their last items (and say how many) rather than being cut mid-JSON.
        """
        if record.error is not None:
            return json.dumps({"error": record.error})
        result = record.result
        text = json.dumps(result, separators=(",", ":"))
        if isinstance(result, list):
            kept = list(result)
            while len(text) > self.max_chars and kept:
                kept.pop()
                more = len(result) - len(kept)
                text = json.dumps(
                    {"results": kept, "omitted": more, "hint": "narrow the query to see the rest"},
                    separators=(",", ":"),
                )
        if len(text) > self.max_chars:
            text = text[: self.max_chars] + "...(truncated)"
        return text

    def harvest(self, value: Any) -> None:
        """Remember every (memory id → position) and (room id → anchor) found in ``value``."""
        if isinstance(value, dict):
            mid = value.get("memory_id", value.get("object_id"))
            pos = _as_position(value.get("position"))
            if isinstance(mid, str) and pos is not None:
                self.targets[mid] = ResolvedTarget(
                    pos,
                    value.get("category"),  # type: ignore[arg-type]
                    value.get("env_id"),
                )
            if isinstance(value.get("room_id"), str) and "anchor" in value:
                self.rooms[value["room_id"]] = _as_position(value["anchor"], 2)
            for v in value.values():
                self.harvest(v)
        elif isinstance(value, list):
            for v in value:
                self.harvest(v)


class PlanResolver:
    """Turns memory ids, room ids and frame indices named in a plan into places, and checks
    categories and answers against memory (:class:`~embodied_mem.planner.grounding.Vocabulary`).

    Looks in targets harvested from tool results first, then asks the memory
    (``memory.get(memory_id)``, ``memory.rooms()``); frames come from the frames shown.
    """

    def __init__(
        self,
        toolbox: MemoryToolbox,
        frames: Mapping[int, AgentPose] | None = None,
        instruction: str = "",
    ) -> None:
        self.toolbox = toolbox
        self.frames = dict(frames or {})
        self.vocabulary = Vocabulary(toolbox.memory, instruction)

    def category(self, name: str) -> str | None:
        return self.vocabulary.category(name)

    def ungrounded(self, text: str) -> list[str]:
        return self.vocabulary.ungrounded(text)

    def target(self, memory_id: str) -> ResolvedTarget | None:
        found = self.toolbox.targets.get(memory_id)
        lookup = getattr(self.toolbox.memory, "get", None)
        if found is None and callable(lookup):
            try:
                self.toolbox.harvest(to_jsonable(lookup(memory_id)))
            except (KeyError, LookupError, ValueError, TypeError):
                return None
            found = self.toolbox.targets.get(memory_id)
        if found is not None and found.box is None and callable(lookup):
            found = dataclasses.replace(found, box=_box_of(lookup, memory_id))
            self.toolbox.targets[memory_id] = found
        return found

    def room(self, room_id: str) -> RoomTarget | None:
        if room_id not in self.toolbox.rooms:
            lister = getattr(self.toolbox.memory, "rooms", None)
            if not callable(lister):
                return None  # nothing to check a room against: not a known room
            self.toolbox.harvest(to_jsonable(lister(), max_items=1000))
            if room_id not in self.toolbox.rooms:
                return None
        anchor = self.toolbox.rooms[room_id]
        return RoomTarget(anchor if anchor is None else (anchor[0], anchor[1]))

    def frame_pose(self, frame_index: int) -> AgentPose | None:
        return self.frames.get(frame_index)


def _box_of(lookup: Callable[[str], Any], memory_id: str) -> Box | None:
    """Memory's box of ``memory_id`` (tool results leave boxes out: bulky for a model, but the
    policies judge a deep receptacle's front by it)."""
    try:
        obj = getattr(lookup(memory_id), "obj", None)
    except (KeyError, LookupError, ValueError, TypeError):
        return None
    lo, hi = getattr(obj, "bbox_min", None), getattr(obj, "bbox_max", None)
    if lo is None or hi is None:
        return None
    return (tuple(float(v) for v in lo), tuple(float(v) for v in hi))  # type: ignore[return-value]


__all__ = [
    "TOOL_CONVENTIONS",
    "TOOL_TABLE",
    "MemoryToolbox",
    "PlanResolver",
    "ToolArgumentError",
    "ToolSpec",
    "to_jsonable",
]
