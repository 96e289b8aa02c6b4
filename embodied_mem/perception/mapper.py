"""ConceptGraphs-style object mapper: detections of one frame → persistent 3D object tracks.

Contract with memory (docs/CONTRACTS.md): memory calls :meth:`ObjectMapper.update` once per
frame and consumes the returned :class:`MapperUpdate`; :attr:`ObjectMapper.objects` holds the
current :class:`MappedObject` tracks keyed by memory ids (``obj_0000``...), never env ids.

Per frame:

1. Detections without points are back-projected with the frame's intrinsics and pose
   (invalid depth dropped and counted), voxel-downsampled and cleaned of statistical outliers;
   masks below ``min_mask_pixels`` or clouds below ``min_points`` are skipped and counted.
2. Each detection is scored against nearby tracks: ``w_spatial * overlap + w_semantic * sim``
   where overlap is the mutual point overlap within ``overlap_radius`` and sim is embedding
   cosine (mapped to [0, 1]) or category equality when there are no embeddings. The best
   one-to-one assignment above ``match_threshold`` (and ``min_overlap``) updates tracks; the
   rest create tracks.
3. Every ``merge_interval`` frames duplicates (overlap >= ``merge_overlap`` and sim >=
   ``merge_similarity``) are merged into the older/more observed track.
4. Tracks seen fewer than ``min_observations`` times ``drop_after_frames`` frames after they
   were created are dropped (one-off false positives).
5. Negative evidence: a track whose points project into the image, in front of the measured
   depth (not occluded) and within range, with no detection matched this frame is reported in
   ``MapperUpdate.missing``; memory decides what absence means.

Receptacles and furniture are tracks like any object; memory layers them by category. Rooms
are not perceived here: memory takes them from the env's room annotations (Habitat regions,
AI2-THOR rooms, the built-in footprints) via ``Observation.room_id``.
"""

from __future__ import annotations

import logging

import numpy as np
from scipy.spatial import cKDTree

from embodied_mem.perception.association import (
    assign,
    boxes_touch,
    mutual_overlap,
    semantic_similarity,
)
from embodied_mem.perception.backproject import (
    BackprojectStats,
    backproject,
    project,
    remove_outliers,
    valid_depth,
    voxel_downsample,
)
from embodied_mem.perception.mapper_config import MapperConfig
from embodied_mem.perception.mapper_types import MappedObject, MapperUpdate
from embodied_mem.perception.types import Detection
from envs.types import Observation

logger = logging.getLogger(__name__)

__all__ = ["MappedObject", "MapperConfig", "MapperUpdate", "ObjectMapper"]


class ObjectMapper:
    """Associates per-frame detections into persistent :class:`MappedObject` tracks."""

    def __init__(self, config: MapperConfig | None = None) -> None:
        self.config = config or MapperConfig()
        self.objects: dict[str, MappedObject] = {}
        self._next_id = 0
        self._frames = 0

    # ---- public API -------------------------------------------------------------------

    def update(self, detections: list[Detection], obs: Observation) -> MapperUpdate:
        """Fold one frame's detections into the map.

        Raises:
            ValueError: the observation or a detection mask is malformed.
        """
        obs.validate()
        cfg = self.config
        upd = MapperUpdate()
        self._frames += 1
        clouds = self._prepare(detections, obs, upd)
        matches = self._associate(clouds, detections)
        matched_tracks: set[str] = set()
        for di, (det, pts) in enumerate(zip(detections, clouds, strict=True)):
            if pts is None:
                continue
            tid = matches.get(di)
            if tid is None:
                tid = self._create(det, pts, obs)
                upd.created.append(tid)
            else:
                self._absorb_detection(self.objects[tid], det, pts, obs)
                if tid not in upd.updated:
                    upd.updated.append(tid)
            matched_tracks.add(tid)
            upd.visible[tid] = upd.visible.get(tid, 0) + det.pixel_count
        upd.missing = self._missing(obs, matched_tracks)
        if cfg.merge_interval and self._frames % cfg.merge_interval == 0:
            upd.merged = self.merge_duplicates()
            for absorbed, _kept in upd.merged:
                upd.visible.pop(absorbed, None)
                if absorbed in upd.missing:
                    upd.missing.remove(absorbed)
        upd.removed = self._drop_unconfirmed(obs.frame_index)
        for rid in upd.removed:
            upd.visible.pop(rid, None)
        gone = set(upd.removed) | {a for a, _ in upd.merged}
        upd.created = [t for t in upd.created if t not in gone]
        upd.updated = [t for t in upd.updated if t not in gone]
        upd.missing = [t for t in upd.missing if t not in gone]
        return upd

    def relocate(self, object_id: str, points_or_centroid: np.ndarray) -> None:
        """The agent moved ``object_id``: (N, 3) new points replace the cloud, a (3,) centroid
        translates it rigidly."""
        obj = self._get(object_id)
        arr = np.asarray(points_or_centroid, dtype=np.float64)
        if arr.shape == (3,):
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"relocate: centroid must be finite, got {arr}")
            obj.points = (obj.points + (arr - obj.centroid)).astype(np.float32)
        elif arr.ndim == 2 and arr.shape[1] == 3 and len(arr) > 0:
            arr = arr[np.all(np.isfinite(arr), axis=1)]
            if len(arr) == 0:
                raise ValueError("relocate: every given point is NaN/inf")
            obj.points = self._cap(voxel_downsample(arr, self.config.voxel_size))
        else:
            raise ValueError(
                f"relocate: expected (3,) centroid or (N, 3) points, got shape {arr.shape}"
            )
        obj.refresh_geometry()

    def remove(self, object_id: str) -> None:
        """Forget a track (e.g. memory decided it is gone)."""
        self._get(object_id)
        del self.objects[object_id]

    def merge_duplicates(self) -> list[tuple[str, str]]:
        """Merge track pairs that overlap and agree semantically; returns (absorbed, kept)."""
        cfg = self.config
        merged: list[tuple[str, str]] = []
        ids = sorted(self.objects, key=lambda t: (-self.objects[t].n_observations, t))
        trees = {t: cKDTree(self.objects[t].points) for t in ids}
        for i, keep_id in enumerate(ids):
            if keep_id not in self.objects:
                continue
            for other_id in ids[i + 1 :]:
                if other_id not in self.objects or keep_id not in self.objects:
                    continue
                a, b = self.objects[keep_id], self.objects[other_id]
                if not boxes_touch(
                    a.bbox_min, a.bbox_max, b.bbox_min, b.bbox_max, cfg.overlap_radius
                ):
                    continue
                ov = mutual_overlap(
                    trees[keep_id], a.points, trees[other_id], b.points, cfg.overlap_radius
                )
                sim = semantic_similarity(a.category, a.embedding, b.category, b.embedding)
                if ov >= cfg.merge_overlap and sim >= cfg.merge_similarity:
                    self._merge_into(a, b)
                    trees[keep_id] = cKDTree(a.points)
                    merged.append((other_id, keep_id))
        if merged:
            logger.debug("merged %d duplicate tracks", len(merged))
        return merged

    # ---- steps ------------------------------------------------------------------------

    def _prepare(
        self, detections: list[Detection], obs: Observation, upd: MapperUpdate
    ) -> list[np.ndarray | None]:
        """Back-project (if needed), downsample and clean each detection's cloud."""
        cfg = self.config
        out: list[np.ndarray | None] = []
        for det in detections:
            if det.mask.shape != obs.depth.shape or det.mask.dtype != np.bool_:
                raise ValueError(
                    f"detection {det.category!r}: mask must be {obs.depth.shape} bool, "
                    f"got {det.mask.shape} {det.mask.dtype}"
                )
            if det.pixel_count < cfg.min_mask_pixels:
                upd.skipped_detections += 1
                out.append(None)
                continue
            if len(det.points) == 0:
                stats = BackprojectStats()
                stride = max(1, int(np.sqrt(det.pixel_count / cfg.max_backproject_pixels)))
                det.points = backproject(
                    obs.depth,
                    obs.intrinsics,
                    obs.cam_to_world,
                    det.mask,
                    max_depth=cfg.max_depth,
                    stride=stride,
                    stats=stats,
                )
                upd.invalid_depth_pixels += stats.n_invalid
            pts = voxel_downsample(det.points, cfg.voxel_size)
            if cfg.outlier_neighbors > 0:
                pts = remove_outliers(pts, cfg.outlier_neighbors, cfg.outlier_std_ratio)
            if len(pts) < cfg.min_points:
                upd.skipped_detections += 1
                out.append(None)
                continue
            out.append(pts)
        return out

    def _associate(
        self, clouds: list[np.ndarray | None], detections: list[Detection]
    ) -> dict[int, str]:
        """Detection index → track id for the best one-to-one matching above threshold."""
        cfg = self.config
        det_idx = [i for i, c in enumerate(clouds) if c is not None]
        track_ids = list(self.objects)
        if not det_idx or not track_ids:
            return {}
        scores = np.zeros((len(det_idx), len(track_ids)))
        valid = np.zeros_like(scores, dtype=bool)
        track_trees: dict[str, cKDTree] = {}
        for r, di in enumerate(det_idx):
            pts = clouds[di]
            assert pts is not None
            dmin, dmax = pts.min(axis=0), pts.max(axis=0)
            det_tree = cKDTree(pts)
            det = detections[di]
            for c, tid in enumerate(track_ids):
                obj = self.objects[tid]
                if not boxes_touch(dmin, dmax, obj.bbox_min, obj.bbox_max, cfg.overlap_radius):
                    continue
                tree = track_trees.get(tid)
                if tree is None:
                    tree = track_trees[tid] = cKDTree(obj.points)
                ov = mutual_overlap(det_tree, pts, tree, obj.points, cfg.overlap_radius)
                sim = semantic_similarity(det.category, det.embedding, obj.category, obj.embedding)
                scores[r, c] = cfg.w_spatial * ov + cfg.w_semantic * sim
                valid[r, c] = ov >= cfg.min_overlap and scores[r, c] >= cfg.match_threshold
        return {det_idx[r]: track_ids[c] for r, c in assign(scores, valid)}

    def _create(self, det: Detection, pts: np.ndarray, obs: Observation) -> str:
        tid = f"obj_{self._next_id:04d}"
        self._next_id += 1
        emb = _normalised(det.embedding)
        obj = MappedObject(
            id=tid,
            category=det.category,
            category_votes={det.category: float(det.score)},
            points=self._cap(pts),
            centroid=np.zeros(3),
            bbox_min=np.zeros(3),
            bbox_max=np.zeros(3),
            embedding=emb,
            n_observations=1,
            first_seen=obs.time.seconds,
            last_seen=obs.time.seconds,
            last_frame=obs.frame_index,
            attributes=dict(det.attributes),
            oracle_votes={det.oracle_id: 1} if det.oracle_id else {},
            first_frame=obs.frame_index,
        )
        obj.refresh_geometry()
        self.objects[tid] = obj
        return tid

    def _absorb_detection(
        self, obj: MappedObject, det: Detection, pts: np.ndarray, obs: Observation
    ) -> None:
        combined = np.concatenate([obj.points.astype(np.float64), pts])
        obj.points = self._cap(voxel_downsample(combined, self.config.voxel_size))
        obj.refresh_geometry()
        obj.category_votes[det.category] = obj.category_votes.get(det.category, 0.0) + float(
            det.score
        )
        obj.category = max(obj.category_votes, key=obj.category_votes.__getitem__)
        if det.embedding is not None:
            new = _normalised(det.embedding)
            obj.embedding = (
                new
                if obj.embedding is None
                else _normalised(obj.embedding * obj.n_observations + new)
            )
        obj.n_observations += 1
        obj.last_seen = obs.time.seconds
        obj.last_frame = obs.frame_index
        obj.attributes.update(det.attributes)
        if det.oracle_id:
            obj.oracle_votes[det.oracle_id] = obj.oracle_votes.get(det.oracle_id, 0) + 1

    def _merge_into(self, keep: MappedObject, other: MappedObject) -> None:
        combined = np.concatenate([keep.points, other.points]).astype(np.float64)
        keep.points = self._cap(voxel_downsample(combined, self.config.voxel_size))
        keep.refresh_geometry()
        for cat, v in other.category_votes.items():
            keep.category_votes[cat] = keep.category_votes.get(cat, 0.0) + v
        keep.category = max(keep.category_votes, key=keep.category_votes.__getitem__)
        if other.embedding is not None:
            keep.embedding = (
                other.embedding
                if keep.embedding is None
                else _normalised(
                    keep.embedding * keep.n_observations + other.embedding * other.n_observations
                )
            )
        for oid, n in other.oracle_votes.items():
            keep.oracle_votes[oid] = keep.oracle_votes.get(oid, 0) + n
        keep.n_observations += other.n_observations
        keep.first_seen = min(keep.first_seen, other.first_seen)
        keep.first_frame = min(keep.first_frame, other.first_frame)
        if other.last_seen > keep.last_seen:
            keep.last_seen, keep.last_frame = other.last_seen, other.last_frame
        keep.attributes = {**other.attributes, **keep.attributes}
        del self.objects[other.id]

    def _missing(self, obs: Observation, matched: set[str]) -> list[str]:
        """Tracks that should be visible (in frustum, not occluded) but matched no detection."""
        cfg = self.config
        intr = obs.intrinsics
        ok_depth = valid_depth(obs.depth, cfg.max_depth)
        missing: list[str] = []
        for tid, obj in self.objects.items():
            if tid in matched or len(obj.points) == 0:
                continue
            u, v, z = project(obj.points, intr, obs.cam_to_world)
            inside = (z > 0) & (u >= 0) & (u < intr.width) & (v >= 0) & (v < intr.height)
            if cfg.max_depth is not None:
                inside &= z <= cfg.max_depth
            if inside.sum() < cfg.missing_min_points:
                continue
            ui, vi, zi = u[inside], v[inside], z[inside]
            has = ok_depth[vi, ui]
            # A point is "seen" when the measured surface is not in front of it: the sensor
            # should have hit it unless something closer occludes it.
            unoccluded = has & (obs.depth[vi, ui] >= zi - cfg.missing_depth_margin)
            if unoccluded.sum() >= max(
                cfg.missing_min_points, cfg.missing_min_fraction * len(obj.points)
            ):
                missing.append(tid)
        return missing

    def _drop_unconfirmed(self, frame_index: int) -> list[str]:
        cfg = self.config
        drop = [
            t
            for t, o in self.objects.items()
            if o.n_observations < cfg.min_observations
            and frame_index - o.first_frame >= cfg.drop_after_frames
        ]
        for t in drop:
            del self.objects[t]
        return drop

    # ---- helpers ----------------------------------------------------------------------

    def _cap(self, pts: np.ndarray) -> np.ndarray:
        """Cap the cloud size; a seeded subsample keeps runs deterministic."""
        n = self.config.max_points_per_object
        if len(pts) > n:
            idx = np.random.default_rng(len(pts)).choice(len(pts), n, replace=False)
            pts = pts[np.sort(idx)]
        return np.asarray(pts, dtype=np.float32)

    def _get(self, object_id: str) -> MappedObject:
        if object_id not in self.objects:
            raise KeyError(
                f"unknown mapped object {object_id!r}; known ids look like 'obj_0000' "
                f"({len(self.objects)} tracks)"
            )
        return self.objects[object_id]


def _normalised(v: np.ndarray | None) -> np.ndarray | None:
    if v is None:
        return None
    v = np.asarray(v, dtype=np.float32).ravel()
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else v
