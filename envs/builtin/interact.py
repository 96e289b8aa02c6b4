"""Magic pick / place / open / close (FindingDory / AI2-THOR style) with a reason for every failure."""

from __future__ import annotations

import difflib

import numpy as np

from envs.actions import ActionResult
from envs.builtin import catalog
from envs.builtin.furnish import find_free_spot, occupied_on
from envs.builtin.world import HouseWorld


def _unknown(world: HouseWorld, eid: str, kind: str) -> ActionResult:
    pool = list(world.objects) if kind == "object" else list(world.receptacles)
    close = difflib.get_close_matches(str(eid), pool, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return ActionResult.fail(f"there is no {kind} with id {eid!r} in this house{hint}")


def _reach(world: HouseWorld, eid: str, agent_xy: np.ndarray, verb: str) -> ActionResult | None:
    dist = world.entity_footprint_distance(eid, agent_xy)
    if dist > world.cfg.reach:
        return ActionResult.fail(
            f"{eid} is {dist:.2f} m away; {verb} needs it within reach ({world.cfg.reach:.2f} m), move closer"
        )
    return None


def pick(world: HouseWorld, oid: str, agent_xy: np.ndarray, ids: np.ndarray | None) -> ActionResult:
    """Pick ``oid`` if it is pickupable, within reach and visible in the current frame."""
    if oid in world.receptacles:
        return ActionResult.fail(
            f"{oid} is a receptacle ({world.receptacles[oid].category}); it cannot be picked up"
        )
    if oid not in world.objects:
        return _unknown(world, oid, "object")
    if world.held is not None:
        return ActionResult.fail(f"already holding {world.held}; place it before picking up {oid}")
    failed = _reach(world, oid, agent_xy, "pick")
    if failed:
        return failed
    pixels = 0 if ids is None else int(np.count_nonzero(ids == world.instance_of[oid]))
    if pixels < world.cfg.min_visible_pixels:
        container = world.container_of(oid)
        why = (
            f" (it is inside the closed {container.id})"
            if container and not world.is_open[container.id]
            else ""
        )
        return ActionResult.fail(
            f"{oid} is not visible in the current frame ({pixels} px < {world.cfg.min_visible_pixels}){why}; "
            "turn or look towards it"
        )
    obj = world.objects[oid]
    obj.parent, obj.inside = None, False
    world.held = oid
    world.move_object(oid, None)
    return ActionResult.ok()


def place(world: HouseWorld, rid: str, agent_xy: np.ndarray) -> ActionResult:
    """Put the held object on ``rid``'s top, or inside it if it is an open container."""
    if world.held is None:
        return ActionResult.fail("not holding anything; pick an object up first")
    if rid not in world.receptacles:
        if rid in world.objects:
            return ActionResult.fail(
                f"{rid} is an object, not a receptacle; place onto a receptacle"
            )
        return _unknown(world, rid, "receptacle")
    rec = world.receptacles[rid]
    inside = rec.openable
    if inside and not world.is_open[rid]:
        return ActionResult.fail(f"{rid} is closed; open it before placing something into it")
    failed = _reach(world, rid, agent_xy, "place")
    if failed:
        return failed
    obj = world.objects[world.held]
    spot = free_spot(world, obj.id, rid, prefer_xy=agent_xy)
    if spot is None:
        where = "inside" if inside else "on"
        return ActionResult.fail(
            f"no free spot {where} {rid} is large enough for {obj.id}; try another receptacle"
        )
    obj.position, obj.parent, obj.inside = spot, rid, inside
    world.move_object(obj.id, spot)
    world.held = None
    return ActionResult.ok()


def free_spot(
    world: HouseWorld, oid: str, rid: str, prefer_xy: np.ndarray | None = None
) -> tuple[float, float, float] | None:
    """Where :func:`place` would put object ``oid`` on ``rid`` (inside it if it is a
    container), nearest ``prefer_xy``; None when nothing there is free and large enough."""
    rec, obj = world.receptacles[rid], world.objects[oid]
    occupied = occupied_on(world.house, rec, rec.openable, exclude=oid)
    return find_free_spot(rec, obj.size, occupied, inside=rec.openable, prefer_xy=prefer_xy)


def set_open(world: HouseWorld, rid: str, agent_xy: np.ndarray, want_open: bool) -> ActionResult:
    """Open or close an openable receptacle within reach."""
    verb = "open" if want_open else "close"
    if rid not in world.receptacles:
        if rid in world.objects:
            return ActionResult.fail(
                f"{rid} is an object, not a receptacle; only receptacles can be {'opened' if want_open else 'closed'}"
            )
        return _unknown(world, rid, "receptacle")
    rec = world.receptacles[rid]
    if not rec.openable:
        done = "opened" if want_open else "closed"
        return ActionResult.fail(
            f"{rid} ({rec.category}) cannot be {done}; openable categories: "
            f"{', '.join(catalog.OPENABLE_CATEGORIES)}"
        )
    if world.is_open[rid] == want_open:
        return ActionResult.fail(f"{rid} is already {'open' if want_open else 'closed'}")
    failed = _reach(world, rid, agent_xy, verb)
    if failed:
        return failed
    world.set_open(rid, want_open)
    return ActionResult.ok()
