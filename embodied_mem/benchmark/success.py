"""Success rules of TASKS.md for one target, evaluated with ground truth (evaluation side only).

- Object: geodesic distance agent → object <= 2.0 m, facing within pi/4, and at least 0.1 %
  of the frame's pixels show the object's instance mask.
- Receptacle: within 1.0 m (geodesic) of the receptacle's nearest navigable viewpoint, facing
  within pi/2, visible.
- Room: the agent stands inside the room's footprint.

"Geodesic distance to an object": objects stand on furniture, which is not navigable, so the
walk ends at the edge of the navigable floor around the object and the rest is a straight
reach. The edge points are the navigable points within ``edge_slack`` of the nearest one
(rings around the object); the distance is the least walk-plus-reach over them. A receptacle's viewpoints are the navigable points on rings
just outside its footprint box; the nearest one (by walking from the agent) is used.
These functions read ground truth and instance masks, so they belong to evaluation (this
package): the benchmark and its tests call them; policies and planners must not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from envs.base import Navigability
from envs.ground_truth import ObjectRecord, RoomRecord
from envs.types import Observation
from policies.geometry import facing_error, field_at, on_floor

# TASKS.md's walk-plus-reach to an object; the policies take the same measure on their map.
from policies.geometry import walk_and_reach as object_distance


@dataclass
class SuccessThresholds:
    """Every threshold of the success rules (defaults follow FindingDory / TASKS.md)."""

    object_distance: float = 2.0
    """Metres of geodesic distance within which an object counts as reached."""
    object_facing: float = math.pi / 4
    """Largest heading error (radians) to an object."""
    object_min_pixel_fraction: float = 0.001
    """Fewest fraction of the frame's pixels the object's mask must cover."""
    receptacle_distance: float = 1.0
    """Metres from the receptacle's nearest navigable viewpoint."""
    receptacle_facing: float = math.pi / 2
    """Largest heading error (radians) to a receptacle."""
    receptacle_min_pixel_fraction: float = 0.001
    """Fewest fraction of pixels of the receptacle's mask."""
    viewpoint_rings: tuple[float, ...] = (0.1, 0.25, 0.4, 0.55, 0.7)
    """Metres outside a receptacle's footprint box where its viewpoints are sampled."""

    def __post_init__(self) -> None:
        for name in ("object_distance", "receptacle_distance"):
            if getattr(self, name) <= 0:
                raise ValueError(
                    f"SuccessThresholds.{name} must be > 0 metres, got {getattr(self, name)}"
                )
        for name in ("object_facing", "receptacle_facing"):
            if not 0 < getattr(self, name) <= math.pi:
                raise ValueError(
                    f"SuccessThresholds.{name} must be in (0, pi], got {getattr(self, name)}"
                )
        for name in ("object_min_pixel_fraction", "receptacle_min_pixel_fraction"):
            if not 0 <= getattr(self, name) < 1:
                raise ValueError(
                    f"SuccessThresholds.{name} must be in [0, 1), got {getattr(self, name)}"
                )
        if not self.viewpoint_rings:
            raise ValueError("SuccessThresholds.viewpoint_rings must not be empty")


@dataclass
class SuccessCheck:
    """The verdict and the measured values behind it."""

    success: bool
    distance: float = math.nan
    facing_error: float = math.nan
    pixel_fraction: float = math.nan
    failures: list[str] = field(default_factory=list)


def pixel_fraction(obs: Observation, env_id: str) -> float:
    """Fraction of the frame covered by ``env_id``'s instance mask (0 if it has no instance id).

    Raises:
        ValueError: ``obs`` has no instance masks.
    """
    if obs.instance_ids is None:
        raise ValueError("visibility needs obs.instance_ids; render instance masks for evaluation")
    ids = [k for k, name in obs.instance_names.items() if name == env_id]
    if not ids:
        return 0.0
    return float(np.isin(obs.instance_ids, ids).mean())


def receptacle_viewpoints(
    nav: Navigability, rec: ObjectRecord, rings: tuple[float, ...], per_ring: int = 32
) -> np.ndarray:
    """(N, 2) navigable points on rectangles just outside the receptacle's footprint box."""
    lo, hi = np.asarray(rec.bbox_min[:2], float), np.asarray(rec.bbox_max[:2], float)
    pts: list[np.ndarray] = []
    for margin in rings:
        a, b = lo - margin, hi + margin
        t = np.linspace(0.0, 1.0, per_ring // 4, endpoint=False)
        edges = [
            np.c_[a[0] + t * (b[0] - a[0]), np.full_like(t, a[1])],
            np.c_[np.full_like(t, b[0]), a[1] + t * (b[1] - a[1])],
            np.c_[b[0] - t * (b[0] - a[0]), np.full_like(t, b[1])],
            np.c_[np.full_like(t, a[0]), b[1] - t * (b[1] - a[1])],
        ]
        pts.extend(p for p in np.vstack(edges) if nav.is_navigable(p))
    return np.asarray(pts).reshape(-1, 2)


def check_object(
    obj: ObjectRecord,
    obs: Observation,
    nav: Navigability,
    thresholds: SuccessThresholds | None = None,
) -> SuccessCheck:
    """Object success: near (geodesic), facing, and visible in ``obs``."""
    th = thresholds or SuccessThresholds()
    dist = object_distance(nav, obs.agent.xy, obj.center[:2])
    return _verdict(
        dist,
        th.object_distance,
        facing_error(obs, obj.center),
        th.object_facing,
        pixel_fraction(obs, obj.id),
        th.object_min_pixel_fraction,
    )


def check_receptacle(
    rec: ObjectRecord,
    obs: Observation,
    nav: Navigability,
    thresholds: SuccessThresholds | None = None,
) -> SuccessCheck:
    """Receptacle success: within reach of its nearest navigable viewpoint, facing, visible."""
    th = thresholds or SuccessThresholds()
    viewpoints = receptacle_viewpoints(nav, rec, th.viewpoint_rings)
    if len(viewpoints) == 0:
        dist = math.inf
    else:
        dist = float(np.min(field_at(nav.distances_from(on_floor(nav, obs.agent.xy)), viewpoints)))
    return _verdict(
        dist,
        th.receptacle_distance,
        facing_error(obs, rec.center),
        th.receptacle_facing,
        pixel_fraction(obs, rec.id),
        th.receptacle_min_pixel_fraction,
    )


def check_room(room: RoomRecord, obs: Observation) -> SuccessCheck:
    """Room success: the agent's floor position lies inside the room's footprint."""
    inside = room.contains_xy(*obs.agent.xy)
    return SuccessCheck(
        inside, failures=[] if inside else [f"agent is not inside room {room.id!r}"]
    )


def _verdict(
    dist: float,
    max_dist: float,
    facing: float,
    max_facing: float,
    fraction: float,
    min_fraction: float,
) -> SuccessCheck:
    failures = []
    if not dist <= max_dist:
        failures.append(f"too far: {dist:.2f} m > {max_dist:.2f} m")
    if facing > max_facing:
        failures.append(
            f"not facing: {math.degrees(facing):.0f} deg > {math.degrees(max_facing):.0f} deg"
        )
    if fraction < min_fraction or fraction == 0.0:
        failures.append(
            f"not visible: {100 * fraction:.3f} % of pixels < {100 * min_fraction:.3f} %"
        )
    return SuccessCheck(not failures, dist, facing, fraction, failures)
