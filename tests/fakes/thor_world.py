"""The scene state behind the fake AI2-THOR controller: agent, objects, rules (test fake).

It starts from real event metadata (the recorded FloorPlan10 event, or a ProcTHOR house JSON)
and changes it the way AI2-THOR's Unity side does, in Unity coordinates: the agent is a
capsule that stands ``AGENT_Y`` above the floor and cannot move into objects or out of the
scene bounds; interaction needs the target within ``visibilityDistance`` of the camera and in
view; Put into a closed container fails with AI2-THOR's own message; held objects have no
parent receptacle. Physics, occlusion by other objects and materials are not modelled.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
from thor_render import Box, camera_axes

AGENT_Y = 0.9009992
"""Unity y of a standing agent's transform on a floor at y = 0 (recorded FloorPlan10 event)."""
CAMERA_ABOVE_AGENT = {"default": 0.675, "locobot": -0.0312}
"""Camera height over the agent transform: 1.5759992 - 0.9009992 in the recorded event;
LocobotFPSAgentController.cs sets the camera's localPosition y to -0.0312."""
AGENT_RADIUS = {"default": 0.2, "locobot": 0.175}
LOOK_LIMITS = (-30.0, 60.0)
"""maxUpwardLookAngle / maxDownwardLookAngle (degrees) of both agents."""
MUST_BE_OPEN = {"Fridge", "Cabinet", "Drawer", "Microwave", "Safe", "Box"}
"""Receptacles AI2-THOR's ReceptacleRestrictions.MustBeOpenToPlaceObjectsIn lists (subset)."""


def _v(d: dict) -> np.ndarray:
    return np.array([d["x"], d["y"], d["z"]], dtype=float)


def _d(v: np.ndarray) -> dict[str, float]:
    return {"x": float(v[0]), "y": float(v[1]), "z": float(v[2])}


class ThorWorld:
    """Mutable AI2-THOR scene state initialised from event metadata."""

    def __init__(self, md: dict, *, agent_mode: str, visibility_distance: float) -> None:
        self.base = copy.deepcopy(md)
        self.mode = agent_mode
        self.visibility = visibility_distance
        self.objects = {o["objectId"]: copy.deepcopy(o) for o in md["objects"]}
        self.agent = copy.deepcopy(md["agent"])
        self.agent["position"]["y"] = AGENT_Y
        self.held: str | None = None
        self.colours = {c["name"]: tuple(c["color"]) for c in md["colors"]}
        bounds = md["sceneBounds"]
        self.bounds_lo, self.bounds_hi = (
            _v(bounds["center"]) - _v(bounds["size"]) / 2,
            _v(bounds["center"]) + _v(bounds["size"]) / 2,
        )

    # --- geometry ------------------------------------------------------------------------
    def box(self, oid: str) -> tuple[np.ndarray, np.ndarray]:
        bb = self.objects[oid]["axisAlignedBoundingBox"]
        return _v(bb["center"]), _v(bb["size"])

    def camera(self) -> np.ndarray:
        return _v(self.agent["position"]) + np.array([0.0, CAMERA_ABOVE_AGENT[self.mode], 0.0])

    def _obstacles(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Ids, (N, 2) centres and (N, 2) half sizes (grown by the agent radius) in x/z of what
        the agent's body bumps into: not the floor, not the held object, nothing overhead."""
        ids, centres, halves = [], [], []
        r = AGENT_RADIUS[self.mode]
        for oid, obj in self.objects.items():
            if obj["objectType"] == "Floor" or oid == self.held:
                continue
            c, s = self.box(oid)
            if c[1] - s[1] / 2 > 1.5 or c[1] + s[1] / 2 < 0.05:  # overhead, or flat on the floor
                continue
            ids.append(oid)
            centres.append(c[[0, 2]])
            halves.append(s[[0, 2]] / 2 + r)
        return ids, np.array(centres).reshape(-1, 2), np.array(halves).reshape(-1, 2)

    def blockers(self, xz: np.ndarray) -> list[str | None]:
        """What the agent's capsule at each (x, z) of (M, 2) collides with, or None."""
        xz = np.atleast_2d(np.asarray(xz, dtype=float))
        r = AGENT_RADIUS[self.mode]
        lo, hi = self.bounds_lo[[0, 2]] + r, self.bounds_hi[[0, 2]] - r
        ids, centres, halves = self._obstacles()
        inside = np.all(np.abs(xz[:, None, :] - centres[None]) < halves[None], axis=2)
        out: list[str | None] = []
        for k, p in enumerate(xz):
            if not np.all((lo <= p) & (p <= hi)):
                out.append("Wall")
            elif inside[k].any():
                out.append(ids[int(np.argmax(inside[k]))])
            else:
                out.append(None)
        return out

    def blocker(self, x: float, z: float) -> str | None:
        return self.blockers(np.array([[x, z]]))[0]

    def path_blocker(self, start: np.ndarray, end: np.ndarray) -> str | None:
        steps = max(2, int(np.linalg.norm(end - start) / 0.05) + 1)
        t = np.linspace(0.0, 1.0, steps)[1:, None]
        pts = (start + t * (end - start))[:, [0, 2]]
        return next((hit for hit in self.blockers(pts) if hit is not None), None)

    def forward(self) -> np.ndarray:
        th = math.radians(self.agent["rotation"]["y"])
        return np.array([math.sin(th), 0.0, math.cos(th)])

    def in_reach(self, oid: str) -> bool:
        """Within visibilityDistance of the camera (nearest box point) and inside the view."""
        c, s = self.box(oid)
        cam = self.camera()
        nearest = np.clip(cam, c - s / 2, c + s / 2)
        if np.linalg.norm(nearest - cam) > self.visibility:
            return False
        right, up, fwd = camera_axes(self.metadata_view())
        rel = c - cam
        z = float(rel @ fwd)
        if z <= 0.05:
            return False
        half_v = math.radians(self.base["fov"]) / 2
        aspect = self.base["screenWidth"] / self.base["screenHeight"]
        return (
            abs(rel @ up) / z <= math.tan(half_v)
            and abs(rel @ right) / z <= math.tan(half_v) * aspect
        )

    def enclosed(self, oid: str) -> bool:
        """Inside a closed container (so neither visible nor reachable)."""
        return any(
            self.objects[p]["openable"] and not self.objects[p]["isOpen"]
            for p in self.objects[oid].get("parentReceptacles") or []
            if p in self.objects
        )

    def visible(self, oid: str) -> bool:
        return bool(oid != self.held and not self.enclosed(oid) and self.in_reach(oid))

    def metadata_view(self) -> dict:
        """The camera fields of the metadata (enough for :func:`thor_render.camera_axes`)."""
        return {"agent": self.agent}

    # --- agent actions ---------------------------------------------------------------------
    def move(self, magnitude: float) -> str:
        start = _v(self.agent["position"])
        end = start + magnitude * self.forward()
        hit = self.path_blocker(start, end)
        if hit is not None:
            d = end - start
            return f"{hit} is blocking Agent 0 from moving by ({d[0]:.4f}, 0.0000, {d[2]:.4f})."
        self.agent["position"] = _d(end)
        self._carry()
        return ""

    def rotate(self, degrees: float) -> str:
        self.agent["rotation"]["y"] = (self.agent["rotation"]["y"] + degrees) % 360.0
        self._carry()
        return ""

    def look(self, degrees: float) -> str:
        horizon = self.agent["cameraHorizon"] + degrees
        if horizon > LOOK_LIMITS[1] + 1e-3:
            return f"can't look down beyond {LOOK_LIMITS[1]:g} degrees below the forward horizon"
        if horizon < LOOK_LIMITS[0] - 1e-3:
            return f"can't look up beyond {-LOOK_LIMITS[0]:g} degrees above the forward horizon"
        self.agent["cameraHorizon"] = horizon
        self._carry()
        return ""

    def teleport(self, position: dict, rotation: dict, horizon: float, force: bool) -> str:
        target = _v(position)
        if abs(target[1] - AGENT_Y) > 0.1:
            return (
                f"Teleport position y={target[1]:.4f} is not near the ground: the agent "
                f"stands at y={AGENT_Y} here"
            )
        if not force:
            if not LOOK_LIMITS[0] <= horizon <= LOOK_LIMITS[1]:
                return f"Each horizon must be in [{LOOK_LIMITS[0]:g}:{LOOK_LIMITS[1]:g}]. You gave {horizon}."
            hit = self.blocker(float(target[0]), float(target[2]))
            if hit is not None:
                return f"Cannot teleport: the agent would collide with {hit}"
        self.agent["position"] = _d(target)
        self.agent["rotation"] = {"x": 0.0, "y": float(rotation["y"]) % 360.0, "z": 0.0}
        self.agent["cameraHorizon"] = float(horizon)
        self._carry()
        return ""

    # --- object actions --------------------------------------------------------------------
    def _interactable(self, oid: str, force: bool) -> str:
        if oid not in self.objects:
            return f"Object ID appears to be invalid: {oid}"
        if not force and not self.visible(oid):
            return f"{oid} is not visible or interactable (too far, out of view or enclosed)"
        return ""

    def pickup(self, oid: str, force: bool) -> str:
        err = self._interactable(oid, force)
        if err:
            return err
        if not self.objects[oid]["pickupable"]:
            return f"{oid} must have the property CanPickup to be picked up."
        if self.held is not None:
            return "Agent hand has something in it already! Can't pick up anything else"
        self._detach(oid)
        self.held = oid
        self.objects[oid]["isPickedUp"] = True
        self._carry()
        return ""

    def put(self, rid: str, force: bool) -> str:
        if self.held is None:
            return "Can't place an object if Agent isn't holding anything"
        err = self._interactable(rid, force)
        if err:
            return err
        target = self.objects[rid]
        if not target["receptacle"]:
            return "This target object is NOT a receptacle!"
        if target["objectType"] in MUST_BE_OPEN and target["openable"] and not target["isOpen"]:
            return "Target openable Receptacle is CLOSED, can't place if target is not open!"
        oid, self.held = self.held, None
        obj = self.objects[oid]
        obj["isPickedUp"] = False
        self._place(oid, rid)
        return ""

    def set_open(self, oid: str, is_open: bool, force: bool) -> str:
        err = self._interactable(oid, force)
        if err:
            return err
        if not self.objects[oid]["openable"]:
            return f"{oid} is not an Openable object"
        self.objects[oid]["isOpen"] = is_open
        self.objects[oid]["openness"] = 1.0 if is_open else 0.0
        return ""

    def random_spawn(self, seed: int) -> str:
        rng = np.random.default_rng(seed)
        targets = sorted(
            r
            for r, o in self.objects.items()
            if o["receptacle"] and not o["openable"] and o["objectType"] != "Floor"
        )
        for oid in sorted(
            o for o, rec in self.objects.items() if rec["pickupable"] and o != self.held
        ):
            self._detach(oid)
            self._place(oid, targets[int(rng.integers(len(targets)))])
        return ""

    def _detach(self, oid: str) -> None:
        for parent in self.objects[oid].get("parentReceptacles") or []:
            if parent in self.objects:
                ids = self.objects[parent].get("receptacleObjectIds") or []
                self.objects[parent]["receptacleObjectIds"] = [i for i in ids if i != oid]
        self.objects[oid]["parentReceptacles"] = None

    def _place(self, oid: str, rid: str) -> None:
        """Rest ``oid`` on top of ``rid`` (inside it if it is a container), spread by index."""
        rc, rs = self.box(rid)
        _, os_ = self.box(oid)
        children = self.objects[rid].get("receptacleObjectIds") or []
        k = len(children)
        offset = np.array([0.12 * math.cos(2.4 * k), 0.0, 0.12 * math.sin(2.4 * k)]) * (k > 0)
        offset[[0, 2]] = np.clip(offset[[0, 2]], -rs[[0, 2]] / 3, rs[[0, 2]] / 3)
        if self.objects[rid]["openable"]:
            y = rc[1] - rs[1] / 2 + os_[1] / 2 + 0.02
        else:
            y = rc[1] + rs[1] / 2 + os_[1] / 2
        self._move_object(oid, np.array([rc[0], y, rc[2]]) + offset)
        self.objects[oid]["parentReceptacles"] = [rid]
        self.objects[rid]["receptacleObjectIds"] = [*children, oid]

    def _move_object(self, oid: str, centre: np.ndarray) -> None:
        obj = self.objects[oid]
        c, _ = self.box(oid)
        shift = centre - c
        obj["axisAlignedBoundingBox"]["center"] = _d(centre)
        obj["position"] = _d(_v(obj["position"]) + shift)

    def _carry(self) -> None:
        """A held object rides in front of the camera (AI2-THOR's default hand position)."""
        if self.held is not None:
            right, up, fwd = camera_axes(self.metadata_view())
            self._move_object(self.held, self.camera() + 0.45 * fwd - 0.25 * up)

    # --- queries -----------------------------------------------------------------------------
    def reachable(self, grid: float, max_steps: int = 10000) -> list[dict[str, float]]:
        """Breadth-first over the ``grid`` lattice through the agent, like GetReachablePositions
        (a step is allowed when both ends and the point between them are free)."""
        start = _v(self.agent["position"])
        lo = np.floor((self.bounds_lo[[0, 2]] - start[[0, 2]]) / grid).astype(int)
        hi = np.ceil((self.bounds_hi[[0, 2]] - start[[0, 2]]) / grid).astype(int)
        ii, jj = np.meshgrid(
            np.arange(lo[0], hi[0] + 1), np.arange(lo[1], hi[1] + 1), indexing="ij"
        )
        cells = np.stack([ii.ravel(), jj.ravel()], axis=1)
        half = np.concatenate(
            [cells, cells + 0.5 * np.array([[1, 0]]), cells + 0.5 * np.array([[0, 1]])]
        )
        blocked = self.blockers(start[[0, 2]] + grid * half)
        n = len(cells)
        free = {tuple(c): blocked[k] is None for k, c in enumerate(cells)}
        free_x = {tuple(c): blocked[n + k] is None for k, c in enumerate(cells)}
        free_z = {tuple(c): blocked[2 * n + k] is None for k, c in enumerate(cells)}

        def passable(a: tuple[int, int], b: tuple[int, int]) -> bool:
            if not free.get(b, False):
                return False
            low = min(a, b)
            return (free_x if a[1] == b[1] else free_z).get(low, False)

        seen, queue, out = {(0, 0)}, [(0, 0)], []
        while queue and len(out) < max_steps:
            cell = queue.pop(0)
            out.append(_d(start + grid * np.array([cell[0], 0.0, cell[1]])))
            for di, dj in ((1, 0), (0, 1), (-1, 0), (0, -1)):
                nxt = (cell[0] + di, cell[1] + dj)
                if nxt not in seen and passable(cell, nxt):
                    seen.add(nxt)
                    queue.append(nxt)
        return out

    def boxes(self) -> list[Box]:
        out = []
        for oid, obj in self.objects.items():
            c, s = self.box(oid)
            if obj["openable"] and obj["isOpen"] and obj["receptacle"]:
                # an open container shows what is inside: draw only its base
                c, s = c.copy(), s.copy()
                c[1], s[1] = c[1] - s[1] / 2 + 0.01, 0.02
            out.append(Box(c, s, self.colours.get(oid, (128, 128, 128))))
        return out

    def room_box(self) -> Box:
        return Box(
            (self.bounds_lo + self.bounds_hi) / 2,
            self.bounds_hi - self.bounds_lo,
            self.colours.get("Wall", (200, 200, 200)),
        )

    def metadata(self, action: str, error: str, action_return: Any, screen: dict) -> dict:
        """Event metadata sharing this world's dicts; the Event gets its own JSON copy."""
        md = dict(self.base)
        md.update(screen)
        cam = self.camera()
        objects = []
        for oid, obj in self.objects.items():
            rec = dict(obj)
            c, _ = self.box(oid)
            rec["distance"] = float(np.linalg.norm(c - cam))
            rec["visible"] = self.visible(oid)
            objects.append(rec)
        held = self.objects[self.held] if self.held else None
        md.update(
            agent=self.agent,
            cameraPosition=_d(cam),
            objects=objects,
            inventoryObjects=[{"objectId": held["objectId"], "objectType": held["objectType"]}]
            if held
            else [],
            lastAction=action,
            lastActionSuccess=not error,
            errorMessage=error,
            errorCode="" if not error else "Undefined",
            actionReturn=action_return,
        )
        return md
