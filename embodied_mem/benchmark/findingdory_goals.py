"""FindingDory instructions → project tasks, after the experience (their PDDL goals, our record).

FindingDory (``findingdory/task/findingdory_task.py``) registers every object, receptacle and
room as a PDDL entity once its data-collection phase is over, with properties taken from that
phase: ``interacted``, ``interaction_order`` ("first", "second", ...), ``start_receptacle``
(the category it was picked from), ``goal_receptacle``/``start_receptacle`` flags and
``initial_object`` on receptacles, ``shortest_interaction_time``/``longest_interaction_time``,
and the object attributes of their annotation CSV. A ``goal_expr`` is a logical expression
(``expr_type`` AND/OR, ``sub_exprs``, ``inputs`` with ``expr_type`` and ``properties``,
``quantifier`` EXISTS/FORALL) over predicates ``robot_at_object``, ``robot_at_receptacle``
and ``robot_in_room``; an input matches an entity whose type is (a subtype of) the input's and
whose properties include the input's. Here the same properties come from this project's
ORACLE experience record, and each goal becomes a set of valid targets scored with the
project's rules (which follow FindingDory's; see docs/simulators.md for the differences).
Instructions this cannot express are returned with the reason.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from embodied_mem.benchmark.episode import EpisodeSpec, ExperienceRecord
from embodied_mem.benchmark.findingdory import RIGID_PREFIX, receptacle_id
from embodied_mem.benchmark.task import Goal, TaskInstance
from embodied_mem.benchmark.template_context import ordinal
from envs.ground_truth import GroundTruth

logger = logging.getLogger(__name__)

PREDICATE_KIND = {
    "robot_at_object": "object",
    "robot_at_receptacle": "receptacle",
    "robot_in_room": "room",
}
RUNTIME_TASK_TYPES = ("timestep", "farthest", "closest")
"""Task types FindingDory rewrites at run time from its own clock or the agent's pose."""
TEMPLATE_FOR = {
    ("object", False): "T03",
    ("receptacle", False): "T28",
    ("room", False): "T36",
    ("object", True): "T44",
    ("receptacle", True): "T46",
    ("room", True): "T49",
}
"""Project template standing in for a FindingDory task in per-template aggregates (by goal kind,
ordered or not); their own task id is kept in the task's slots."""


class Unsupported(ValueError):
    """An instruction whose goal this resolver cannot express (the message says why)."""


def _norm(text: Any) -> str:
    return re.sub(r"[\s/-]+", "_", str(text).strip().lower())


def _ordinal(k: int) -> str:
    """FindingDory's convert_to_ordinal: "first".."tenth", then "<k>th" (0-based k)."""
    return ordinal(k + 1) if k < 10 else f"{k}th"


@dataclass
class Entity:
    id: str
    kind: str
    """object | receptacle | room."""
    category: str
    properties: dict[str, Any] = field(default_factory=dict)


def entities(
    record: ExperienceRecord, gt: GroundTruth, attributes: dict[str, dict[str, str]]
) -> dict[str, Entity]:
    """Every object, receptacle and room with FindingDory's properties, by their entity name."""
    out: dict[str, Entity] = {}
    picks = list(record.interactions)
    durations = {r.object_id: r.duration for r in picks}
    longest = max(durations, key=durations.get) if durations else None
    shortest = min(durations, key=durations.get) if durations else None
    for obj in gt.pickupables():
        props: dict[str, Any] = {"interacted": obj.id in durations}
        for k, r in enumerate(picks):
            if r.object_id == obj.id:
                props["interaction_order"] = _ordinal(k)
                props["start_receptacle"] = _norm(r.start_receptacle_category)
        if obj.id == longest:
            props["longest_interaction_time"] = True
        if obj.id == shortest:
            props["shortest_interaction_time"] = True
        asset = "_".join(obj.id.split("_")[:-1])
        props.update({k: str(v) for k, v in attributes.get(asset, {}).items()})
        out[obj.id] = Entity(obj.id, "object", _norm(obj.category), props)
    for rec in gt.receptacles():
        props = {"interacted": False}
        for k, r in enumerate(picks):
            for role, rid in (
                ("start_receptacle", r.start_receptacle),
                ("goal_receptacle", r.goal_receptacle),
            ):
                if rid == rec.id:
                    props.update(interacted=True, **{role: True})
                    props.setdefault("interaction_order", []).append(_ordinal(k))
                    if role == "start_receptacle":
                        props.setdefault("initial_object", []).append(_norm(r.category))
        name = rec.id.removeprefix(RIGID_PREFIX)
        out[name] = Entity(rec.id, "receptacle", _norm(rec.category), props)
    for room in gt.rooms.values():
        out["region_" + room.id.removeprefix("habitat/region_")] = Entity(
            room.id, "room", _norm(room.room_type)
        )
    return out


TYPE_KINDS = {
    "movable_entity_type": {"object"},
    "obj_type": {"object"},
    "goal_entity_type": {"object"},
    "static_receptacle_entity_type": {"receptacle"},
    "art_receptacle_entity_type": {"receptacle"},
    "static_obj_type": {"receptacle", "object"},
    "room_region_entity": {"room"},
}


def _matches(entity: Entity, spec: dict[str, Any]) -> bool:
    kind = spec.get("expr_type", "")
    if kind in TYPE_KINDS:
        if entity.kind not in TYPE_KINDS[kind]:
            return False
    elif entity.category != _norm(kind):
        return False
    for prop in spec.get("properties") or []:
        have = entity.properties.get(prop["name"])
        want = prop["value"]
        if isinstance(have, list):
            ok = want in have if not isinstance(want, list) else have == want
        else:
            ok = have == want or (
                isinstance(want, str) and have is not None and _norm(have) == _norm(want)
            )
        if not ok and not (want is False and have is None):
            return False
    return True


def _predicate(text: str, bound: dict[str, list[Entity]], names: dict[str, Entity]) -> Goal:
    m = re.fullmatch(r"\s*(\w+)\(([^)]*)\)\s*", text)
    if m is None or m.group(1) not in PREDICATE_KIND:
        raise Unsupported(f"predicate {text!r} is not a navigation goal (robot_at_*/robot_in_room)")
    arg = m.group(2).split(",")[0].strip()
    if arg in bound:
        targets = bound[arg]
    elif arg in names:
        targets = [names[arg]]
    elif "|" in arg and arg.split("|")[0] in names:
        targets = [names[arg.split("|")[0]]]
    else:
        raise Unsupported(f"entity {arg!r} is not in this scene")
    if not targets:
        raise Unsupported(f"no entity matches {arg!r} in this episode's record")
    return Goal(PREDICATE_KIND[m.group(1)], tuple(sorted({t.id for t in targets})))


def resolve(
    expr: Any, names: dict[str, Entity], bound: dict[str, list[Entity]] | None = None
) -> tuple[list[Goal], bool]:
    """(goals, all_required): one goal reached suffices unless ``all_required``."""
    bound = dict(bound or {})
    if isinstance(expr, str):
        return [_predicate(expr, bound, names)], False
    if not isinstance(expr, dict) or "sub_exprs" not in expr:
        raise Unsupported(f"cannot read goal expression {expr!r}")
    for spec in expr.get("inputs") or []:
        bound[spec["name"]] = [e for e in names.values() if _matches(e, spec)]
    subs = [resolve(s, names, bound) for s in expr["sub_exprs"]]
    quantifier, kind = expr.get("quantifier"), expr.get("expr_type", "AND")
    if quantifier == "FORALL" and len(subs) == 1 and len(subs[0][0]) == 1:
        goal = subs[0][0][0]
        return [Goal(goal.kind, (t,)) for t in goal.valid], True
    goals = [g for gs, _ in subs for g in gs]
    if kind == "OR" or (quantifier == "EXISTS" and len(goals) == 1):
        if len({g.kind for g in goals}) != 1:
            raise Unsupported("an OR over different kinds of goal")
        return [Goal(goals[0].kind, tuple(sorted({t for g in goals for t in g.valid})))], False
    if kind == "AND" and all(not req for _, req in subs):
        return goals, True
    raise Unsupported(f"{kind} expression with quantifier {quantifier} and nested requirements")


def to_task(spec: EpisodeSpec, instr: dict[str, Any], names: dict[str, Entity]) -> TaskInstance:
    task_type = str(instr.get("task_type", ""))
    if any(t in task_type for t in RUNTIME_TASK_TYPES) or "XX" in str(instr.get("lang", "")):
        raise Unsupported(f"task type {task_type!r} is rewritten at run time by FindingDory itself")
    goals, all_required = resolve(instr.get("goal_expr"), names)
    ordered = all_required and isinstance(instr.get("sequential_goals"), dict)
    multi = all_required and len(goals) > 1
    return TaskInstance(
        task_id=f"{spec.episode_id}-{instr['task_id']}",
        episode_id=spec.episode_id,
        template_id=TEMPLATE_FOR[(goals[0].kind, multi)],
        text=str(instr["lang"]),
        kind="multi" if multi else "navigate",
        goals=goals,
        ordered=ordered,
        slots={"findingdory_task": str(instr["task_id"]), "task_type": task_type},
        source={"findingdory_goal_expr": instr.get("goal_expr")},
    )


def tasks_from_instructions(
    spec: EpisodeSpec,
    record: ExperienceRecord,
    gt: GroundTruth,
    attributes: dict[str, dict[str, str]] | None = None,
) -> tuple[list[TaskInstance], dict[str, str]]:
    """(tasks, skipped task id → reason) for the episode's FindingDory instructions."""
    if attributes is None:  # the loader stores the episode's attribute rows with the instructions
        attributes = next(
            (i["object_attributes"] for i in spec.instructions if "object_attributes" in i), {}
        )
    names = entities(record, gt, attributes)
    tasks, skipped = [], {}
    for instr in spec.instructions:
        try:
            tasks.append(to_task(spec, instr, names))
        except Unsupported as exc:
            skipped[str(instr.get("task_id"))] = str(exc)
    if skipped:
        logger.warning(
            "%s: %d FindingDory instruction(s) not expressible here: %s",
            spec.episode_id,
            len(skipped),
            skipped,
        )
    return tasks, skipped


__all__ = ["Unsupported", "entities", "receptacle_id", "resolve", "tasks_from_instructions"]
