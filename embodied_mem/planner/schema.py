"""The JSON plan format models must return, its validation, and conversion to subgoals.

Models name *memory ids* (from tool results), never coordinates of their own: positions are
looked up through a :class:`TargetResolver`, so a hallucinated id is caught as bad output and
fed back to the model on retry instead of sending the robot to a made-up place. The plan is
checked against memory as a whole: ids and rooms must exist, a category given with an id must
be that entry's category, an explored category must be known to memory or named by the
instruction, an answer's words must be grounded in memory (a model obeying text planted in
memory fails here), and coordinates must be finite numbers.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import jsonschema

from embodied_mem.planner.grounding import key
from envs.types import AgentPose
from policies.subgoals import (
    Answer,
    Box,
    CloseSubgoal,
    Explore,
    NavigateToFrame,
    NavigateToObject,
    NavigateToPose,
    NavigateToReceptacle,
    NavigateToRoom,
    OpenSubgoal,
    PickSubgoal,
    PlaceSubgoal,
    StopSubgoal,
    Subgoal,
)


class PlanValidationError(ValueError):
    """The model's output is not a valid plan; the message is sent back to the model on retry."""


def _item(kind: str, props: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"type": {"const": kind}, **props},
        "required": ["type", *required],
        "additionalProperties": False,
    }


# Length caps keep grammar-constrained decoding (llama.cpp, vLLM) from rambling forever.
_ID = {"type": "string", "minLength": 1, "maxLength": 64}
_CAT = {"type": "string", "maxLength": 64}
_TARGET = {"memory_id": _ID, "category": _CAT}

#: JSON schema of one subgoal; ``type`` selects the variant.
SUBGOAL_SCHEMA: dict[str, Any] = {
    "oneOf": [
        _item("navigate_to_object", _TARGET, ["memory_id"]),
        _item("navigate_to_receptacle", _TARGET, ["memory_id"]),
        _item("navigate_to_room", {"room_id": _ID}, ["room_id"]),
        _item(
            "navigate_to_pose",
            {"x": {"type": "number"}, "y": {"type": "number"}, "yaw": {"type": "number"}},
            ["x", "y"],
        ),
        _item(
            "navigate_to_frame", {"frame_index": {"type": "integer", "minimum": 0}}, ["frame_index"]
        ),
        _item("pick", _TARGET, ["memory_id"]),
        _item("place", _TARGET, ["memory_id"]),
        _item("open", _TARGET, ["memory_id"]),
        _item("close", _TARGET, ["memory_id"]),
        _item("explore", {"category": _CAT, "max_steps": {"type": "integer", "minimum": 1}}, []),
        _item("answer", {"text": {"type": "string", "minLength": 1, "maxLength": 200}}, ["text"]),
        _item("stop", {}, []),
    ]
}

#: JSON schema of a whole plan (what the model's final message must contain).
PLAN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "subgoals": {"type": "array", "minItems": 1, "maxItems": 32, "items": SUBGOAL_SCHEMA},
        "reasoning": {"type": "string", "maxLength": 400},
    },
    "required": ["subgoals"],
    "additionalProperties": False,
}

_VARIANTS: dict[str, jsonschema.protocols.Validator] = {
    v["properties"]["type"]["const"]: jsonschema.Draft202012Validator(v)
    for v in SUBGOAL_SCHEMA["oneOf"]
}
# The envelope is checked first with a loose item schema so that errors name the offending
# field of the chosen variant instead of jsonschema's unhelpful "not valid under any of oneOf".
_ENVELOPE = jsonschema.Draft202012Validator(
    {
        **PLAN_SCHEMA,
        "properties": {
            **PLAN_SCHEMA["properties"],
            "subgoals": {
                **PLAN_SCHEMA["properties"]["subgoals"],
                "items": {
                    "type": "object",
                    "required": ["type"],
                    "properties": {"type": {"enum": sorted(_VARIANTS)}},
                },
            },
        },
    }
)
_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)


@dataclass(frozen=True)
class ResolvedTarget:
    """Where a memory entry is: world position (x, y, z) metres, its category and env id."""

    position: tuple[float, float, float]
    category: str | None = None
    env_id: str | None = None
    box: Box | None = None
    """Memory's box of the entry (min and max corners), when memory has one."""


@dataclass(frozen=True)
class RoomTarget:
    """A known room and a floor point (x, y) inside it, if memory has one."""

    anchor: tuple[float, float] | None = None


class TargetResolver(Protocol):
    """Looks ids and frame indices up (backed by tool results and the memory itself).

    Each method returns None for something memory does not know.
    """

    def target(self, memory_id: str) -> ResolvedTarget | None: ...

    def room(self, room_id: str) -> RoomTarget | None: ...

    def frame_pose(self, frame_index: int) -> AgentPose | None: ...

    def category(self, name: str) -> str | None:
        """Memory's spelling of a known category (or one the instruction names), else None."""
        ...

    def ungrounded(self, text: str) -> list[str]:
        """The words of an answer that memory and the instruction do not know."""
        ...


def extract_json(text: str) -> Any:
    """Parse the first JSON object in ``text`` (bare, or inside a ```json fence).

    Raises:
        PlanValidationError: no parseable JSON object found.
    """
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    decoder = json.JSONDecoder()
    for cand in candidates:
        start = cand.find("{")
        while start != -1:
            try:
                obj, _ = decoder.raw_decode(cand[start:])
                return obj
            except json.JSONDecodeError:
                start = cand.find("{", start + 1)
    snippet = text.strip().replace("\n", " ")[:120]
    raise PlanValidationError(
        f"no JSON object found in the reply (starts: {snippet!r}); reply with one JSON object "
        'like {"subgoals": [{"type": "navigate_to_object", "memory_id": "..."}]}'
    )


def plan_schema(max_subgoals: int = 32) -> dict[str, Any]:
    """:data:`PLAN_SCHEMA` with at most ``max_subgoals`` subgoals (for constrained decoding)."""
    if not 1 <= max_subgoals <= 32:
        raise ValueError(f"max_subgoals must be in 1..32, got {max_subgoals}")
    subgoals = {**PLAN_SCHEMA["properties"]["subgoals"], "maxItems": max_subgoals}
    return {**PLAN_SCHEMA, "properties": {**PLAN_SCHEMA["properties"], "subgoals": subgoals}}


def validate_plan(data: Any, max_subgoals: int = 32) -> dict[str, Any]:
    """Check ``data`` against :func:`plan_schema`; raise :class:`PlanValidationError` if it fails."""
    _raise_first(_ENVELOPE, data, "")
    if len(data["subgoals"]) > max_subgoals:
        raise PlanValidationError(
            f"plan has {len(data['subgoals'])} subgoals; at most {max_subgoals} are allowed"
        )
    for i, item in enumerate(data["subgoals"]):
        _raise_first(_VARIANTS[item["type"]], item, f"subgoals/{i}")
    return data


def _raise_first(validator: Any, data: Any, prefix: str) -> None:
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is not None:
        where = "/".join([prefix] * bool(prefix) + [str(p) for p in error.absolute_path])
        raise PlanValidationError(
            f"plan does not match the schema at {where or '(top level)'}: {error.message}"
        )


def _target(resolver: TargetResolver, memory_id: str, kind: str) -> ResolvedTarget:
    found = resolver.target(memory_id)
    if found is None:
        raise PlanValidationError(
            f"{kind} names memory_id {memory_id!r}, which is not in memory; use an id returned "
            "by a memory tool"
        )
    return found


def _category(r: TargetResolver, d: dict[str, Any], t: ResolvedTarget) -> str | None:
    """The entry's category; a category the model gives must be that one."""
    given = d.get("category")
    if not given:
        return t.category
    if t.category is not None:
        if key(given) != key(t.category):
            raise PlanValidationError(
                f"{d['type']} gives category {given!r} for {d['memory_id']!r}, which memory "
                f"holds as {t.category!r}; give the memory's category or leave it out"
            )
        return t.category
    known = r.category(given)
    if known is None:
        raise PlanValidationError(f"{d['type']} names category {given!r}, unknown to memory")
    return known


def _nav(cls: type, r: TargetResolver, d: dict[str, Any]) -> Subgoal:
    t = _target(r, d["memory_id"], d["type"])
    box = {"box": t.box} if cls is NavigateToReceptacle else {}
    return cls(
        position=t.position,
        category=_category(r, d, t),
        memory_id=d["memory_id"],
        env_id=t.env_id,
        **box,
    )


def _manip(cls: type, r: TargetResolver, d: dict[str, Any]) -> Subgoal:
    t = _target(r, d["memory_id"], d["type"])
    if cls is PickSubgoal:
        return cls(env_id=t.env_id, position=t.position, category=_category(r, d, t))
    if cls is PlaceSubgoal:
        return cls(env_id=t.env_id, position=t.position, category=_category(r, d, t), box=t.box)
    _category(r, d, t)
    return cls(env_id=t.env_id, position=t.position, box=t.box)


def _frame(r: TargetResolver, d: dict[str, Any]) -> Subgoal:
    pose = r.frame_pose(d["frame_index"])
    if pose is None:
        raise PlanValidationError(f"frame_index {d['frame_index']} is not one of the frames shown")
    return NavigateToFrame(
        frame_index=d["frame_index"], x=pose.position[0], y=pose.position[1], yaw=pose.yaw
    )


def _room(r: TargetResolver, d: dict[str, Any]) -> Subgoal:
    room = r.room(d["room_id"])
    if room is None:
        raise PlanValidationError(
            f"room_id {d['room_id']!r} is not a known room; use an id returned by a room tool"
        )
    return NavigateToRoom(room_id=d["room_id"], anchor=room.anchor)


def _pose(r: TargetResolver, d: dict[str, Any]) -> Subgoal:
    values = [d["x"], d["y"]] + ([d["yaw"]] if d.get("yaw") is not None else [])
    if not all(math.isfinite(v) for v in values):
        raise PlanValidationError(f"navigate_to_pose needs finite numbers, got {values}")
    return NavigateToPose(x=d["x"], y=d["y"], yaw=d.get("yaw"))


def _explore(r: TargetResolver, d: dict[str, Any]) -> Subgoal:
    category = d.get("category")
    if category:
        known = r.category(category)
        if known is None:
            raise PlanValidationError(
                f"explore names category {category!r}, which neither memory nor the "
                "instruction mentions"
            )
        category = known
    return Explore(category=category or None, max_steps=d.get("max_steps", 200))


def _answer(r: TargetResolver, d: dict[str, Any]) -> Subgoal:
    unknown = r.ungrounded(d["text"])
    if unknown:
        raise PlanValidationError(
            f"answer {d['text']!r} uses words that are in neither memory nor the instruction "
            f"({', '.join(unknown[:5])}); answer with categories, rooms, numbers, times or "
            "yes/no from memory"
        )
    return Answer(text=d["text"])


_CONVERTERS: dict[str, Callable[[TargetResolver, dict[str, Any]], Subgoal]] = {
    "navigate_to_object": lambda r, d: _nav(NavigateToObject, r, d),
    "navigate_to_receptacle": lambda r, d: _nav(NavigateToReceptacle, r, d),
    "navigate_to_room": lambda r, d: _room(r, d),
    "navigate_to_pose": _pose,
    "navigate_to_frame": _frame,
    "pick": lambda r, d: _manip(PickSubgoal, r, d),
    "place": lambda r, d: _manip(PlaceSubgoal, r, d),
    "open": lambda r, d: _manip(OpenSubgoal, r, d),
    "close": lambda r, d: _manip(CloseSubgoal, r, d),
    "explore": _explore,
    "answer": _answer,
    "stop": lambda r, d: StopSubgoal(),
}


@dataclass
class ParsedPlan:
    """A validated plan: subgoals, the memory ids it targets (in order) and the model's reasoning."""

    subgoals: list[Subgoal]
    targets: list[str]
    reasoning: str = ""


def parse_plan(text: str, resolver: TargetResolver, max_subgoals: int = 32) -> ParsedPlan:
    """Model text → validated :class:`ParsedPlan`; raises :class:`PlanValidationError` on any flaw."""
    data = validate_plan(extract_json(text), max_subgoals)
    subgoals: list[Subgoal] = []
    targets: list[str] = []
    for item in data["subgoals"]:
        subgoals.append(_CONVERTERS[item["type"]](resolver, item))
        if "memory_id" in item and item["memory_id"] not in targets:
            targets.append(item["memory_id"])
        elif item["type"] == "navigate_to_room" and item["room_id"] not in targets:
            targets.append(item["room_id"])
    return ParsedPlan(subgoals, targets, data.get("reasoning", ""))


def plan_example_json() -> str:
    """A short valid example shown in prompts."""
    return json.dumps(
        {
            "reasoning": "the mug was picked at 10:15",
            "subgoals": [{"type": "navigate_to_object", "memory_id": "obj_12"}],
        }
    )
