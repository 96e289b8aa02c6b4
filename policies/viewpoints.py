"""Standing poses around a target: navigable, within reach, preferably with a clear view.

For each of ``n_angles`` directions the ray from the target outward is marched until the
first navigable point (the edge of whatever the target stands on); candidates sit there and
a little further out, never beyond the reach radius. Candidates are ranked by geodesic
distance from the agent plus a penalty on how far that edge is from the target: a far edge
means a wall or large furniture stands between, which is the map's only hint of occlusion
(the depth check on arrival decides; failed viewpoints are dropped with their neighbours).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from envs.base import Navigability


@dataclass
class ViewpointConfig:
    """Where to look for standing poses around a target."""

    n_angles: int = 24
    """Directions sampled around the target."""
    march_step: float = 0.1
    """Metres between samples when marching outward from the target."""
    min_radius: float = 0.3
    """Closest a standing pose may be to the target centre (metres)."""
    max_radius: float = 1.5
    """Farthest a standing pose may be from the target centre (metres)."""
    offsets: tuple[float, ...] = (0.0, 0.25, 0.5)
    """Distances beyond the first navigable point at which candidates are placed."""
    edge_weight: float = 2.0
    """Cost per metre of the target-to-first-navigable distance (prefers close edges)."""

    def __post_init__(self) -> None:
        if self.n_angles < 4:
            raise ValueError(f"ViewpointConfig.n_angles must be >= 4, got {self.n_angles}")
        if not 0 < self.min_radius < self.max_radius:
            raise ValueError(
                f"need 0 < min_radius < max_radius, got {self.min_radius}, {self.max_radius}"
            )
        if self.march_step <= 0:
            raise ValueError(f"ViewpointConfig.march_step must be > 0, got {self.march_step}")


@dataclass(frozen=True)
class Viewpoint:
    """A navigable standing point, its distance to the target and its cost from the agent."""

    xy: np.ndarray
    radius: float
    cost: float
    geodesic: float


def sample_viewpoints(
    nav: Navigability, target_xy: np.ndarray, agent_xy: np.ndarray, config: ViewpointConfig
) -> list[Viewpoint]:
    """Navigable standing points around ``target_xy`` reachable from ``agent_xy``, cheapest first."""
    target_xy = np.asarray(target_xy, dtype=float)[:2]
    field = nav.distances_from(np.asarray(agent_xy, dtype=float)[:2])
    radii = np.arange(config.min_radius, config.max_radius + 1e-9, config.march_step)
    out: list[Viewpoint] = []
    for k in range(config.n_angles):
        theta = 2 * math.pi * k / config.n_angles
        direction = np.array([math.cos(theta), math.sin(theta)])
        edge = next((r for r in radii if nav.is_navigable(target_xy + r * direction)), None)
        if edge is None:
            continue
        for offset in config.offsets:
            r = edge + offset
            if r > config.max_radius + 1e-9:
                break
            xy = target_xy + r * direction
            if not nav.is_navigable(xy):
                break
            geo = float(field.at(xy))
            if not math.isfinite(geo):
                continue
            cost = geo + config.edge_weight * edge
            out.append(Viewpoint(xy, float(r), cost, geo))
    out.sort(key=lambda v: v.cost)
    return out


def drop_near(
    viewpoints: list[Viewpoint], tried: list[np.ndarray], radius: float
) -> list[Viewpoint]:
    """Viewpoints farther than ``radius`` from every already-tried point."""
    if not tried:
        return viewpoints
    t = np.asarray(tried)
    return [v for v in viewpoints if np.min(np.linalg.norm(t - v.xy, axis=1)) > radius]
