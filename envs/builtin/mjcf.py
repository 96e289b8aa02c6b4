"""MJCF (MuJoCo XML) for a :class:`House`.

Bodies are named after the env's ids so the renderer can map geoms to instances: a receptacle
body is ``<id>``, its door ``<id>/door`` (a mocap body, so open/close moves real geometry and a
closed door really occludes what is inside), an object ``<id>`` (mocap, moved on pick/place).
Walls and floors belong to the world body (instance 0). Shadows and reflections are off.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np

from envs.builtin import catalog
from envs.builtin.catalog import SOFA_BACK, SOFA_SEAT
from envs.builtin.config import BuiltinEnvConfig
from envs.builtin.house import PANEL, WALL_HEIGHT, House, PlacedObject, Receptacle

CAMERA_BODY = "agent_camera"
CAMERA_NAME = "head"
WALL_RGBA = "0.86 0.84 0.80 1"


def _f(*values: float) -> str:
    return " ".join(f"{v:.4f}" for v in values)


def _rgba(rgb: tuple[float, ...], a: float = 1.0) -> str:
    return _f(*rgb, a)


def door_pose(rec: Receptacle, is_open: bool) -> tuple[np.ndarray, float]:
    """World position and yaw of ``rec``'s door: flush with the front, or swung 90 deg open."""
    w, d, h = rec.size
    yaw = rec.quadrant * math.pi / 2
    if is_open:
        # Hinge on the local -x edge of the front; the door swings out to stand along +y.
        local, dyaw = np.array([-w / 2 + PANEL / 2, d / 2 + w / 2]), math.pi / 2
    else:
        local, dyaw = np.array([0.0, d / 2 - PANEL / 2]), 0.0
    c, s = math.cos(yaw), math.sin(yaw)
    xy = np.array(rec.center) + np.array([c * local[0] - s * local[1], s * local[0] + c * local[1]])
    return np.array([xy[0], xy[1], rec.base_z + h / 2]), yaw + dyaw


def yaw_quat(yaw: float) -> str:
    return _f(math.cos(yaw / 2), 0.0, 0.0, math.sin(yaw / 2))


def _box(
    parent: ET.Element, pos: tuple[float, ...], half: tuple[float, ...], rgba: str, **kw: str
) -> None:
    ET.SubElement(
        parent, "geom", {"type": "box", "pos": _f(*pos), "size": _f(*half), "rgba": rgba, **kw}
    )


def _receptacle_geoms(body: ET.Element, rec: Receptacle) -> None:
    """Primitive geometry of ``rec`` in its local frame (x along width, +y = front, z up from base)."""
    w, d, h = rec.size
    rgba = _rgba(rec.color)
    dark = _rgba(tuple(0.6 * c for c in rec.color))  # type: ignore[arg-type]
    cat = rec.category
    if rec.openable:  # hollow box: bottom, top, back, sides (door is its own body)
        p = PANEL / 2
        _box(body, (0, 0, p), (w / 2, d / 2, p), rgba)
        _box(body, (0, 0, h - p), (w / 2, d / 2, p), rgba)
        _box(body, (0, -d / 2 + p, h / 2), (w / 2, p, h / 2), rgba)
        _box(body, (-w / 2 + p, 0, h / 2), (p, d / 2, h / 2), rgba)
        _box(body, (w / 2 - p, 0, h / 2), (p, d / 2, h / 2), rgba)
    elif cat in ("DiningTable", "CoffeeTable", "SideTable", "Desk"):
        _box(body, (0, 0, h - 0.02), (w / 2, d / 2, 0.02), rgba)
        for sx in (-1, 1):
            for sy in (-1, 1):
                _box(
                    body,
                    (sx * (w / 2 - 0.04), sy * (d / 2 - 0.04), (h - 0.04) / 2),
                    (0.025, 0.025, (h - 0.04) / 2),
                    dark,
                )
    elif cat == "Shelf":
        for sx in (-1, 1):
            _box(body, (sx * (w / 2 - 0.015), 0, h / 2), (0.015, d / 2, h / 2), rgba)
        _box(body, (0, -d / 2 + 0.01, h / 2), (w / 2, 0.01, h / 2), dark)
        for z in (0.02, h / 3, 2 * h / 3, h - 0.015):
            _box(body, (0, 0, z), (w / 2, d / 2, 0.015), rgba)
    elif cat == "Sofa":
        _box(body, (0, 0, SOFA_SEAT / 2), (w / 2, d / 2, SOFA_SEAT / 2), rgba)
        _box(
            body,
            (0, -d / 2 + SOFA_BACK / 2, (SOFA_SEAT + h) / 2),
            (w / 2, SOFA_BACK / 2, (h - SOFA_SEAT) / 2),
            dark,
        )
    elif cat == "Bed":
        _box(body, (0, 0, (h - 0.2) / 2), (w / 2, d / 2, (h - 0.2) / 2), _rgba((0.45, 0.30, 0.18)))
        _box(body, (0, 0, h - 0.1), (w / 2 - 0.02, d / 2 - 0.02, 0.1), rgba)
    else:  # CounterTop, Dresser, Sink: solid block with a top slab
        _box(body, (0, 0, (h - 0.04) / 2), (w / 2 - 0.02, d / 2 - 0.02, (h - 0.04) / 2), dark)
        _box(body, (0, 0, h - 0.02), (w / 2, d / 2, 0.02), rgba)
        if cat == "Sink":
            _box(
                body,
                (0, 0.02, h + 0.003),
                (w / 2 - 0.12, d / 2 - 0.12, 0.003),
                _rgba((0.55, 0.6, 0.65)),
            )


def _object_geom(body: ET.Element, obj: PlacedObject) -> None:
    sx, sy, sz = obj.size
    attrs = {"rgba": _rgba(catalog.COLORS[obj.color_name]), "material": f"mat_{obj.material}"}
    if obj.shape == "sphere":
        ET.SubElement(body, "geom", {"type": "sphere", "size": _f(sx / 2), **attrs})
    elif obj.shape == "cylinder":
        ET.SubElement(body, "geom", {"type": "cylinder", "size": _f(sx / 2, sz / 2), **attrs})
    elif obj.shape == "capsule":
        r = sx / 2
        ET.SubElement(
            body, "geom", {"type": "capsule", "size": _f(r, max(sz / 2 - r, 1e-3)), **attrs}
        )
    else:
        ET.SubElement(body, "geom", {"type": "box", "size": _f(sx / 2, sy / 2, sz / 2), **attrs})


def _header(root: ET.Element, cfg: BuiltinEnvConfig) -> None:
    ET.SubElement(root, "compiler", angle="radian")
    ET.SubElement(root, "option", timestep="0.01", gravity="0 0 0")
    # extent=1 makes znear/zfar below absolute metres.
    ET.SubElement(root, "statistic", extent="1", center="0 0 1")
    visual = ET.SubElement(root, "visual")
    ET.SubElement(
        visual, "global", offwidth=str(max(cfg.width, 64)), offheight=str(max(cfg.height, 64))
    )
    ET.SubElement(visual, "map", znear="0.02", zfar="60")
    ET.SubElement(visual, "quality", shadowsize="0", offsamples="0")
    ET.SubElement(
        visual,
        "headlight",
        ambient="0.35 0.35 0.35",
        diffuse="0.45 0.45 0.45",
        specular="0.05 0.05 0.05",
    )
    asset = ET.SubElement(root, "asset")
    for name, (spec, shine) in catalog.MATERIALS.items():
        ET.SubElement(
            asset,
            "material",
            name=f"mat_{name}",
            specular=_f(spec),
            shininess=_f(shine),
            reflectance="0",
        )


def _add_shell(world: ET.Element, house: House) -> None:
    """Light, floors, ceilings and walls (all background, instance 0)."""
    x0, y0, x1, y1 = house.bounds
    ET.SubElement(
        world,
        "light",
        directional="true",
        castshadow="false",
        pos=_f((x0 + x1) / 2, (y0 + y1) / 2, 10),
        dir="0.3 0.2 -1",
        diffuse="0.45 0.45 0.45",
    )
    for room in house.rooms:
        cx, cy = room.center
        half = ((room.x1 - room.x0) / 2, (room.y1 - room.y0) / 2, 0.01)
        _box(
            world,
            (cx, cy, -0.01),
            half,
            _rgba(catalog.ROOM_FLOOR_RGB[room.room_type]),
            name=f"floor_{room.id}",
        )
        # A ceiling gives depth readings above the walls.
        _box(
            world, (cx, cy, WALL_HEIGHT + 0.01), half, "0.93 0.93 0.92 1", name=f"ceiling_{room.id}"
        )
    for k, wall in enumerate(house.walls):
        _box(
            world,
            (wall.cx, wall.cy, WALL_HEIGHT / 2),
            (wall.hx, wall.hy, WALL_HEIGHT / 2),
            WALL_RGBA,
            name=f"wall_{k}",
        )


def _add_receptacle(world: ET.Element, rec: Receptacle) -> None:
    """The receptacle's body and, if openable, its door as a separate mocap body."""
    body = ET.SubElement(
        world,
        "body",
        name=rec.id,
        pos=_f(*rec.center, rec.base_z),
        quat=yaw_quat(rec.quadrant * math.pi / 2),
    )
    _receptacle_geoms(body, rec)
    if not rec.openable:
        return
    pos, yaw = door_pose(rec, is_open=False)
    door = ET.SubElement(
        world, "body", name=f"{rec.id}/door", mocap="true", pos=_f(*pos), quat=yaw_quat(yaw)
    )
    w, _, h = rec.size
    _box(door, (0, 0, 0), (w / 2, PANEL / 2, h / 2), _rgba(tuple(0.9 * c for c in rec.color)))
    _box(
        door,
        (w / 2 - 0.08, PANEL / 2 + 0.015, 0),
        (0.01, 0.015, min(0.08, h / 4)),
        _rgba((0.7, 0.7, 0.72)),
    )


def build_mjcf(house: House, cfg: BuiltinEnvConfig) -> str:
    """The MJCF XML string of ``house`` with a head camera for ``cfg``."""
    root = ET.Element("mujoco", model=f"house_{house.seed}")
    _header(root, cfg)
    world = ET.SubElement(root, "worldbody")
    _add_shell(world, house)
    for rec in house.receptacles:
        _add_receptacle(world, rec)
    for obj in house.objects:
        body = ET.SubElement(world, "body", name=obj.id, mocap="true", pos=_f(*obj.position))
        _object_geom(body, obj)
    cam = ET.SubElement(world, "body", name=CAMERA_BODY, mocap="true", pos="0 0 1.5")
    ET.SubElement(cam, "camera", name=CAMERA_NAME, fovy=_f(cfg.vfov_deg))
    return ET.tostring(root, encoding="unicode")
