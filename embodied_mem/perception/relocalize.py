"""Re-localisation against the agent's own map: a correction for a drifting pose estimate.

A real robot's odometry drifts; it stays consistent with its map by matching what its range
sensor sees now against the map it built (scan matching). :class:`PoseCorrector` does that with
the agent's own free-space map (:class:`embodied_mem.memory.spatial.FreeSpaceMap`, the map
memory builds from the agent's frames and pose estimates): every ``every``-th frame it takes the
frame's obstacle points (depth back-projected with the pose estimate, between the map's floor
and robot heights, projected onto the floor), and searches a small window of ``(dx, dy, dyaw)``
for the shift that best lays them onto the map's occupied cells (a likelihood field: a Gaussian
of the distance to the nearest occupied cell, correlative search). A shift is kept only when
enough points match and it scores clearly better than no shift; it is then composed into the
correction every later pose estimate carries: the frame memory ingests and the pose the
policies act on.

The correction uses the same parametrisation as the drift of the ``noisy`` backend: a yaw
about world z at the camera, then a floor-plane translation of camera and agent.

Nothing here reads ground truth: the inputs are the corrupted frame (its depth, intrinsics and
pose estimate) and the agent's own map. Deterministic: the same frames and map give the same
corrections.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from embodied_mem.perception.pose_shift import shift_pose
from envs.camera import pixel_grid, pixels_to_world
from envs.types import Observation

if TYPE_CHECKING:
    from embodied_mem.memory.spatial import FreeSpaceMap

logger = logging.getLogger(__name__)


@dataclass
class RelocalizeConfig:
    """When and how the pose estimate is re-localised against the agent's own map.

    Only pose estimators that drift (the ``noisy`` backend) are corrected; with an exact pose
    (``oracle`` and the real-sensor backends, which take the env's pose) this does nothing.
    """

    enabled: bool = True
    """Correct a drifting pose estimate at all."""
    every: int = 5
    """Try a match every n-th frame of the env (by ``frame_index``: frames a walk's stride
    kept from memory count, as the drift grew over them too)."""
    window_xy: float = 0.1
    """Half-width (metres) of the searched translation window."""
    step_xy: float = 0.02
    """Translation step (metres) of the search."""
    window_yaw: float = 0.06
    """Half-width (radians) of the searched yaw window. The ``noisy`` yaw drift (a 1 mrad per
    frame random walk) reaches 0.03 rad in a day's walk, and a best shift on the window's edge
    is rejected: at 0.03 the yaw went uncorrected just when it was largest (full-0009)."""
    step_yaw: float = 0.005
    """Yaw step (radians) of the search."""
    sigma: float = 0.05
    """Metres: the likelihood-field scale (the distance at which a point counts ~0.6)."""
    max_range: float = 4.0
    """Depth readings farther than this (metres) are not matched (noisy, sparse)."""
    pixel_stride: int = 2
    """Back-project every n-th pixel row and column."""
    max_points: int = 400
    """At most this many obstacle points are matched (an even subsample)."""
    min_points: int = 80
    """Fewer obstacle points than this in the frame: no match is tried."""
    min_fit: float = 0.5
    """Mean likelihood the best shift must reach (most points lie on mapped obstacles)."""
    min_gain: float = 0.03
    """How much better (mean likelihood) the best shift must score than no shift."""
    gain: float = 0.5
    """Fraction of an accepted shift applied at once (damps jitter between matches)."""

    def __post_init__(self) -> None:
        for name in ("window_xy", "step_xy", "window_yaw", "step_yaw", "sigma", "max_range"):
            if not getattr(self, name) > 0:
                raise ValueError(f"RelocalizeConfig.{name} must be > 0, got {getattr(self, name)}")
        if self.every < 1 or self.pixel_stride < 1 or self.max_points < 1:
            raise ValueError("RelocalizeConfig.every, pixel_stride and max_points must be >= 1")
        if self.min_points < 1 or not 0 < self.gain <= 1 or self.min_gain < 0:
            raise ValueError("RelocalizeConfig needs min_points >= 1, 0 < gain <= 1, min_gain >= 0")


@dataclass(frozen=True)
class PoseCorrection:
    """A yaw (radians, about world z at the camera) then a floor-plane translation (metres)."""

    dx: float = 0.0
    dy: float = 0.0
    dyaw: float = 0.0

    def compose(self, other: PoseCorrection) -> PoseCorrection:
        """This correction followed by ``other`` (found on poses this one already corrected)."""
        return PoseCorrection(self.dx + other.dx, self.dy + other.dy, self.dyaw + other.dyaw)

    def scaled(self, factor: float) -> PoseCorrection:
        return PoseCorrection(self.dx * factor, self.dy * factor, self.dyaw * factor)

    @property
    def is_identity(self) -> bool:
        return self.dx == 0.0 and self.dy == 0.0 and self.dyaw == 0.0

    def apply(self, obs: Observation) -> Observation:
        """``obs`` with its camera and agent pose corrected (depth and the rest unchanged)."""
        if self.is_identity:
            return obs
        return shift_pose(obs, self.dx, self.dy, self.dyaw)


@dataclass(frozen=True)
class MatchResult:
    """One attempt to match a frame against the map."""

    points: int
    """Obstacle points matched."""
    shift: PoseCorrection
    """The best shift found in the window (applied only if ``accepted``)."""
    fit: float
    """Mean likelihood at the best shift."""
    fit_at_zero: float
    """Mean likelihood without a shift."""
    accepted: bool


class PoseCorrector:
    """Keeps the correction of a drifting pose estimate, re-localising on the agent's own map.

    Args:
        config: search window, acceptance thresholds, cadence.

    Call :meth:`attach` with the map once (before frames), :meth:`correct` with every frame
    memory is about to ingest (it may update the correction, and returns the frame with it
    applied), and :meth:`apply` for any other pose estimate (the policies').
    """

    def __init__(self, config: RelocalizeConfig | None = None) -> None:
        self.config = config or RelocalizeConfig()
        self.correction = PoseCorrection()
        self.frames = 0
        self._last_frame: int | None = None
        self._since_match = 0
        self.attempts = 0
        self.accepted = 0
        self.last_match: MatchResult | None = None
        self._map: FreeSpaceMap | None = None

    def attach(self, free_space: FreeSpaceMap) -> None:
        """Match against ``free_space`` (the agent's own map) from now on."""
        self._map = free_space

    def reset(self) -> None:
        """Forget the correction (new episode)."""
        self.correction = PoseCorrection()
        self.frames = self.attempts = self.accepted = self._since_match = 0
        self._last_frame = None
        self.last_match = None

    def apply(self, obs: Observation) -> Observation:
        """``obs`` (carrying the drifting estimate) with the current correction."""
        return self.correction.apply(obs)

    def correct(self, obs: Observation) -> Observation:
        """Correct the estimate of a frame about to be ingested, re-localising every
        ``every``-th frame of the env; the returned frame carries the (possibly updated)
        correction."""
        out = self.apply(obs)
        self.frames += 1
        last, self._last_frame = self._last_frame, obs.frame_index
        self._since_match += 1 if last is None else max(obs.frame_index - last, 1)
        if self._map is None or self._since_match < self.config.every:
            return out
        self._since_match = 0
        result = self.match(out)
        if result is None:
            return out
        self.attempts += 1
        self.last_match = result
        if not result.accepted:
            return out
        self.accepted += 1
        step = result.shift.scaled(self.config.gain)
        self.correction = self.correction.compose(step)
        logger.debug("relocalised by %s (fit %.3f vs %.3f)", step, result.fit, result.fit_at_zero)
        return step.apply(out)

    # ------------------------------------------------------------------ matching
    def match(self, obs: Observation) -> MatchResult | None:
        """The best shift of ``obs``'s obstacle points onto the map (None: nothing to match)."""
        fmap = self._map
        if fmap is None or not fmap.floor_hits.size:
            return None
        cfg = self.config
        pts = self._obstacle_points(obs, fmap)
        if len(pts) < cfg.min_points:
            return None
        occupied = fmap.occupied  # derived from the hit counts: computed once per match
        if not occupied.any():
            return None
        centre = np.asarray(obs.cam_to_world, dtype=np.float64)[:2, 3]
        yaws = _steps(cfg.window_yaw, cfg.step_yaw)
        shifts = _steps(cfg.window_xy, cfg.step_xy)
        sx, sy = np.meshgrid(shifts, shifts, indexing="ij")
        offs = np.stack([sx.ravel(), sy.ravel()], axis=1)  # (M, 2) metres
        scores = self._scores(fmap, occupied, pts, centre, yaws, offs)  # (len(yaws), M)
        # Ties go to the smallest shift: the search prefers no change.
        cost = (sx.ravel()[None, :] ** 2 + sy.ravel()[None, :] ** 2) / cfg.window_xy**2
        cost = cost + (yaws[:, None] / cfg.window_yaw) ** 2
        best = np.unravel_index(np.argmax(scores - 1e-6 * cost), scores.shape)
        i0, j0 = len(yaws) // 2, len(offs) // 2
        fit, fit0 = float(scores[best]), float(scores[i0, j0])
        shift = PoseCorrection(
            float(offs[best[1], 0]), float(offs[best[1], 1]), float(yaws[best[0]])
        )
        inside = (
            abs(shift.dx) < cfg.window_xy - 1e-9
            and abs(shift.dy) < cfg.window_xy - 1e-9
            and abs(shift.dyaw) < cfg.window_yaw - 1e-9
        )
        accepted = (
            not shift.is_identity
            and inside  # on the window's edge: the true shift may lie beyond (or be ambiguous)
            and fit >= cfg.min_fit
            and fit - fit0 >= cfg.min_gain
        )
        return MatchResult(len(pts), shift, fit, fit0, accepted)

    def _scores(
        self,
        fmap: FreeSpaceMap,
        occupied: np.ndarray,
        pts: np.ndarray,
        centre: np.ndarray,
        yaws: np.ndarray,
        offs: np.ndarray,
    ) -> np.ndarray:
        """(len(yaws), M) mean likelihood of the points (N, 2) turned by each yaw about
        ``centre`` and shifted by each of the ``offs`` (M, 2), multiples of ``step_xy``."""
        step = self.config.step_xy
        rel = pts - centre
        # The field resampled at the search step over the points' reach: every shift is then
        # a whole number of cells, and each score a plain gather.
        reach = self.config.window_xy + float(np.abs(rel).max()) * float(np.abs(yaws).max())
        lo = pts.min(axis=0) - reach - 2 * step
        size = np.ceil((pts.max(axis=0) + reach + 2 * step - lo) / step).astype(np.int64) + 1
        gx = lo[0] + (np.arange(size[0]) + 0.5) * step
        gy = lo[1] + (np.arange(size[1]) + 0.5) * step
        grid = np.stack(np.meshgrid(gx, gy, indexing="xy"), axis=-1)  # (ny, nx, 2)
        field, origin = self._likelihood(fmap, occupied, grid[0, 0], grid[-1, -1])
        fine = _lookup(field, (grid - origin) / fmap.resolution)
        cells = np.rint(offs / step).astype(np.int64)  # (M, 2)
        # The offsets are a grid (x shifts, then y shifts fastest): clip each axis once per
        # shift of its own, then gather every (x, y) pair as flat indices into ``fine``.
        xs, x_at = np.unique(cells[:, 0], return_inverse=True)
        ys, y_at = np.unique(cells[:, 1], return_inverse=True)
        # The search's own offsets are the full grid in that order: the (x, y) pairs are then
        # a broadcast sum, not two (M, N) gathers (the same integers).
        grid_order = len(xs) * len(ys) == len(offs) and np.array_equal(
            x_at.ravel() * len(ys) + y_at.ravel(), np.arange(len(offs))
        )
        scores = np.empty((len(yaws), len(offs)))
        flat_fine = fine.ravel()
        n = len(pts)
        for i, yaw in enumerate(yaws):
            c, s = math.cos(yaw), math.sin(yaw)
            rot = rel @ np.array([[c, s], [-s, c]]) + centre  # (N, 2): R(yaw) applied to rows
            base = np.floor((rot - lo) / step).astype(np.int64)  # (N, 2) x, y cells
            # minimum/maximum: np.clip's numbers without its per-call overhead.
            ix = np.minimum(np.maximum(base[None, :, 0] + xs[:, None], 0), size[0] - 1)
            iy = np.minimum(np.maximum(base[None, :, 1] + ys[:, None], 0), size[1] - 1)
            iy *= size[0]
            at = (ix[:, None, :] + iy[None, :, :]).reshape(-1, n) if grid_order else None
            if at is None:
                at = iy[y_at] + ix[x_at]
            # A mean is this sum over the contiguous last axis divided by the count.
            scores[i] = flat_fine.take(at).sum(axis=1) / n
        return scores

    def _obstacle_points(self, obs: Observation, fmap: FreeSpaceMap) -> np.ndarray:
        """(N, 2) floor-plane positions of the frame's obstacle points (the map's height band),
        an even subsample of at most ``max_points``."""
        cfg, k = self.config, obs.intrinsics
        s = cfg.pixel_stride
        depth = np.asarray(obs.depth, dtype=np.float64)[::s, ::s]
        vs, us = pixel_grid(k.height, k.width, s)
        ok = np.isfinite(depth) & (depth > 0) & (depth <= cfg.max_range)
        if not ok.any():
            return np.zeros((0, 2))
        pts = pixels_to_world(us[ok], vs[ok], depth[ok], k, obs.cam_to_world)
        height = pts[:, 2] - float(obs.agent.position[2])
        # A margin above the floor band: noisy floor points are not walls.
        lo = fmap.config.floor_height + 0.05
        keep = (height >= lo) & (height < fmap.config.robot_height)
        xy = pts[keep, :2]
        if len(xy) > cfg.max_points:
            xy = xy[np.linspace(0, len(xy) - 1, cfg.max_points).astype(np.int64)]
        return xy

    def _likelihood(
        self, fmap: FreeSpaceMap, occupied: np.ndarray, lo: np.ndarray, hi: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(field, origin): the likelihood of an obstacle point, exp(-d^2 / 2 sigma^2) of the
        distance to the nearest ``occupied`` cell (``fmap.occupied``), over the map's cells
        from ``lo`` to ``hi``
        (world x, y) and ``10 sigma`` round them; ``origin`` is the world x, y of the field's
        first cell's corner. Only there: the whole map's distance transform at every match
        was 3 % of an episode, and an occupied cell farther than 10 sigma adds exp(-50)."""
        from scipy import ndimage  # on use: a slow import the CLI's config loading skips

        res, margin = fmap.resolution, 10.0 * self.config.sigma
        h, w = occupied.shape
        c0, r0 = np.clip(np.floor((lo - margin - fmap.origin) / res).astype(int), 0, [w, h])
        c1, r1 = np.clip(np.ceil((hi + margin - fmap.origin) / res).astype(int) + 1, 0, [w, h])
        near = occupied[r0:r1, c0:c1]
        origin = fmap.origin + np.array([c0, r0], dtype=float) * res
        if not near.any():
            return np.zeros(near.shape), origin
        dist = ndimage.distance_transform_edt(~near) * res
        return np.exp(-0.5 * (dist / self.config.sigma) ** 2), origin


def _steps(half: float, step: float) -> np.ndarray:
    """Symmetric steps ``-half .. half`` with 0 in the middle."""
    n = int(math.floor(half / step + 1e-9))
    return np.arange(-n, n + 1) * step


def _lookup(field: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """Bilinear values of ``field`` at fractional (x, y) cell coordinates ``(..., 2)`` (cell
    centres at +0.5); 0 outside the grid."""
    x = cells[..., 0] - 0.5
    y = cells[..., 1] - 0.5
    x0, y0 = np.floor(x), np.floor(y)
    fx, fy = x - x0, y - y0
    x0, y0 = x0.astype(np.int64), y0.astype(np.int64)
    h, w = field.shape
    # A zero border, and indices clamped onto it: a corner outside the grid adds +0.0, which
    # leaves the (non-negative) sum as skipping it would, without a mask per corner.
    padded = np.zeros((h + 2, w + 2))
    padded[1:-1, 1:-1] = field
    flat = padded.ravel()
    out = np.zeros(x.shape)
    for dx, dy, wgt in (
        (0, 0, (1 - fx) * (1 - fy)),
        (1, 0, fx * (1 - fy)),
        (0, 1, (1 - fx) * fy),
        (1, 1, fx * fy),
    ):
        xi = np.minimum(np.maximum(x0 + (dx + 1), 0), w + 1)
        yi = np.minimum(np.maximum(y0 + (dy + 1), 0), h + 1)
        out += wgt * flat.take(yi * (w + 2) + xi)
    return out
