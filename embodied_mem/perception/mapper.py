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
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np
from scipy.spatial import cKDTree

from embodied_mem.perception.association import (
    assign,
    boxes_touching,
    mutual_overlap,
    overlap_fractions,
    semantic_similarity,
)
from embodied_mem.perception.backproject import (
    BackprojectStats,
    backproject,
    remove_outliers,
    voxel_downsample,
)
from embodied_mem.perception.mapper_config import MapperConfig
from embodied_mem.perception.mapper_types import MappedObject, MapperUpdate, column_bounds
from embodied_mem.perception.tracks import fold_into, new_track, record_observation
from embodied_mem.perception.types import Detection
from embodied_mem.perception.validation import check_detections
from embodied_mem.perception.visibility import expected_in_view
from envs.types import Observation

logger = logging.getLogger(__name__)

__all__ = ["MappedObject", "MapperConfig", "MapperUpdate", "ObjectMapper", "seeded_subsample"]


@lru_cache(maxsize=4096)
def seeded_subsample(total: int, keep: int) -> np.ndarray:
    """Sorted indices of the seeded subsample of ``keep`` out of ``total`` points.

    The seed is ``total``, so the draw depends only on the two sizes: capped tracks hit the
    same sizes frame after frame, and drawing the permutation anew each time was a
    measurable part of every update (~0.2 ms a draw). The cache holds every size an episode
    meets: the mapper's cap plus what one frame adds (a few hundred sizes of ``keep`` int64
    each) and long-term memory's smaller cap of up to ``max_points_per_object`` points; with
    256 entries the two users evicted each other and most lookups missed.
    """
    idx = np.sort(np.random.default_rng(total).choice(total, keep, replace=False))
    idx.flags.writeable = False  # shared between calls
    return idx


def _kdtree(points: np.ndarray) -> cKDTree:
    """A KD-tree for the few radius/nearest queries a cloud gets before it changes.

    Sliding-midpoint splits without node compaction build about twice as fast as scipy's
    default (median splits, compacted nodes) at this size (up to ``max_points_per_object``),
    and leaves of 32 points rather than 16 another ~15 % (the few radius queries a tree gets
    cost the same: measured on clouds of an episode); query answers (distances, counts) are
    exact either way, so results do not change.
    """
    return cKDTree(points, leafsize=32, balanced_tree=False, compact_nodes=False)


class ObjectMapper:
    """Associates per-frame detections into persistent :class:`MappedObject` tracks."""

    def __init__(self, config: MapperConfig | None = None) -> None:
        self.config = config or MapperConfig()
        self.objects: dict[str, MappedObject] = {}
        self._next_id = 0
        self._frames = 0
        self._trees: dict[str, tuple[np.ndarray, cKDTree]] = {}
        self._confirmed: set[str] = set()  # never dropped as one-off false positives
        self._dirty: dict[str, int] = {}  # track id -> points added since its last cleaning
        # (id, id) in sorted order -> (their clouds, radius, sample size, mutual overlap) of
        # the last merge pass; see _mutual_overlap.
        self._overlaps: dict[tuple[str, str], tuple[np.ndarray, np.ndarray, float, int, float]] = {}

    # ---- public API -------------------------------------------------------------------

    @property
    def embedding_dim(self) -> int | None:
        """Size of the tracks' embeddings (None while no track has one)."""
        return next(
            (len(o.embedding) for o in self.objects.values() if o.embedding is not None), None
        )

    def check(self, detections: Sequence[Detection], obs: Observation) -> list[Detection]:
        """Validate a frame for :meth:`update` without changing anything.

        Returns the detections with sanitised labels (see
        :func:`~embodied_mem.perception.validation.check_detections`).

        Raises:
            FrameError: the observation or a detection is malformed (``reason`` says which).
        """
        obs.validate()
        return check_detections(detections, obs.depth.shape, self.embedding_dim)

    def update(
        self, detections: Sequence[Detection], obs: Observation, *, checked: bool = False
    ) -> MapperUpdate:
        """Fold one frame's detections into the map.

        Args:
            detections: the frame's detections.
            obs: the frame.
            checked: the caller already passed both through :meth:`check` (and uses the
                detections it returned); skips validating them a second time.

        Raises:
            FrameError: the observation or a detection is malformed; nothing was changed.
        """
        if not checked:
            detections = self.check(detections, obs)
        cfg = self.config
        upd = MapperUpdate()
        # Back-projection and association change nothing; the frame counts from here on.
        clouds = self._prepare(detections, obs, upd)
        matches = self._associate(clouds, detections)
        self._frames += 1
        matched_tracks: set[str] = set()
        for di, (det, pts) in enumerate(zip(detections, clouds, strict=True)):
            if pts is None:
                continue
            tid = matches.get(di)
            if tid is None:
                tid = self._create(det, pts, obs)
                upd.created.append(tid)
            else:
                self._grow(self.objects[tid], pts)
                record_observation(self.objects[tid], det, obs)
                if tid not in upd.updated:
                    upd.updated.append(tid)
            matched_tracks.add(tid)
            upd.visible[tid] = upd.visible.get(tid, 0) + det.pixel_count
        upd.missing = expected_in_view(
            (o for t, o in self.objects.items() if t not in matched_tracks),
            obs,
            max_depth=cfg.max_depth,
            depth_margin=cfg.missing_depth_margin,
            min_points=cfg.missing_min_points,
            min_fraction=cfg.missing_min_fraction,
        )
        if (
            cfg.outlier_neighbors
            and cfg.outlier_interval
            and self._frames % cfg.outlier_interval == 0
        ):
            self._denoise_tracks()
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

    def confirm(self, object_id: str) -> None:
        """Mark a track as real (e.g. the agent picked it up) so it is never dropped for having
        been seen too few times."""
        self._get(object_id)
        self._confirmed.add(object_id)

    def agent_handled(self, object_id: str, furniture: Iterable[str] = ()) -> None:
        """The agent picked ``object_id`` up, so it is real: it counts as seen at least
        ``min_observations`` times (not dropped as a one-off false positive while out of view
        in the gripper, and weighed as established in merges), and it no longer takes a
        ``furniture`` category (:attr:`MappedObject.furniture`). Unknown ids are ignored."""
        track = self.objects.get(object_id)
        if track is not None:
            track.n_observations = max(track.n_observations, self.config.min_observations)
            track.furniture = track.furniture | {c.casefold() for c in furniture}
            track.vote()

    def restore(self, objects: Iterable[MappedObject], *, confirmed: bool = True) -> None:
        """Put back tracks saved earlier (reopened memory) and continue the id counter after
        the largest restored ``obj_NNNN`` id so new tracks never reuse an id.

        Raises:
            ValueError: a restored track has no points or an id that already exists.
        """
        for obj in objects:
            if obj.id in self.objects:
                raise ValueError(f"restore: track {obj.id!r} already exists in the mapper")
            if len(obj.points) == 0:
                raise ValueError(
                    f"restore: track {obj.id!r} has no points; skip it or give its cloud"
                )
            obj.points = np.asarray(obj.points, dtype=np.float32)
            self.objects[obj.id] = obj
            if confirmed:
                self._confirmed.add(obj.id)
            prefix, _, suffix = obj.id.rpartition("_")
            if prefix == "obj" and suffix.isdigit():
                self._next_id = max(self._next_id, int(suffix) + 1)

    def remove(self, object_id: str) -> None:
        """Forget a track (e.g. memory decided it is gone)."""
        self._get(object_id)
        self._forget(object_id)

    def merge_duplicates(self) -> list[tuple[str, str]]:
        """Merge track pairs that overlap and agree semantically; returns (absorbed, kept)."""
        cfg = self.config
        merged: list[tuple[str, str]] = []
        known, self._overlaps = self._overlaps, {}
        ids = sorted(self.objects, key=lambda t: (-self.objects[t].n_observations, t))
        # Every track's box, gathered once: a pass changes only the kept track's box, and a
        # track is only tested against tracks after it in ``ids``, never kept ones.
        mins = np.array([self.objects[t].bbox_min for t in ids]).reshape(-1, 3)
        maxs = np.array([self.objects[t].bbox_max for t in ids]).reshape(-1, 3)
        for i, keep_id in enumerate(ids):
            if keep_id not in self.objects:
                continue
            later = [j for j in range(i + 1, len(ids)) if ids[j] in self.objects]
            rest = [ids[j] for j in later]
            # One vectorised box test against all later tracks (per-pair calls dominated
            # this pass); redone after a merge because the kept track's box grows.
            near = self._touching(keep_id, mins[later], maxs[later])
            for k, other_id in enumerate(rest):
                if not near[k] or other_id not in self.objects:
                    continue
                a, b = self.objects[keep_id], self.objects[other_id]
                ov = self._mutual_overlap(a, b, known)
                sim = semantic_similarity(a.category, a.embedding, b.category, b.embedding)
                if ov >= cfg.merge_overlap and sim >= cfg.merge_similarity:
                    self._merge_into(a, b)
                    merged.append((other_id, keep_id))
                    left = later[k + 1 :]
                    near[k + 1 :] = self._touching(keep_id, mins[left], maxs[left])
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
            pixels = det.pixel_count  # counted anew on each access
            if pixels < cfg.min_mask_pixels:
                upd.skipped_detections += 1
                out.append(None)
                continue
            if len(det.points) == 0:
                stats = BackprojectStats()
                stride = max(1, int(np.sqrt(pixels / cfg.max_backproject_pixels)))
                # Sampling at half a voxel keeps every voxel occupied; denser adds only cost.
                det.points = backproject(
                    obs.depth,
                    obs.intrinsics,
                    obs.cam_to_world,
                    det.mask,
                    max_depth=cfg.max_depth,
                    stride=stride,
                    stats=stats,
                    check_pose=False,  # validated once per frame in update()
                    sample_spacing=cfg.voxel_size / 2,
                    median_window=cfg.depth_median_window,
                )
                upd.invalid_depth_pixels += stats.n_invalid
            pts = voxel_downsample(det.points, cfg.voxel_size)
            if cfg.outlier_neighbors > 0 and cfg.detection_outliers:
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
        objs = [self.objects[t] for t in track_ids]
        mins = np.array([o.bbox_min for o in objs])
        maxs = np.array([o.bbox_max for o in objs])
        bounds = [column_bounds(clouds[di]) for di in det_idx]  # type: ignore[arg-type]
        # Every detection's box against every track's in one go (boxes_touching, per row).
        margin = cfg.overlap_radius
        lo = np.array([b[0] for b in bounds])[:, None, :]
        hi = np.array([b[1] for b in bounds])[:, None, :]
        near = np.all(mins[None] - margin <= hi, axis=2) & np.all(lo - margin <= maxs[None], axis=2)
        rows, cols = (idx.tolist() for idx in np.nonzero(near))
        clouds_near = [clouds[det_idx[r]] for r in rows]
        # Fraction of the detection's points on the track, one query per track; the reverse
        # (track points near the detection) only matters when the detection is not already
        # almost inside the track, so the detection's tree is built only then.
        ovs = overlap_fractions(
            [self._tree(objs[c]) for c in cols],
            clouds_near,  # type: ignore[arg-type]
            cfg.overlap_radius,
            cfg.overlap_sample_points,
            [bounds[r] for r in rows],
        )
        back = [k for k, ov in enumerate(ovs) if ov < 0.9]
        det_trees: dict[int, cKDTree] = {}
        for k in back:
            if rows[k] not in det_trees:
                det_trees[rows[k]] = _kdtree(clouds_near[k])  # type: ignore[arg-type]
        back_ovs = overlap_fractions(
            [det_trees[rows[k]] for k in back],
            [objs[cols[k]].points for k in back],
            cfg.overlap_radius,
            cfg.overlap_sample_points,
            [(objs[cols[k]].bbox_min, objs[cols[k]].bbox_max) for k in back],
        )
        for k, ov in zip(back, back_ovs, strict=True):
            ovs[k] = max(ovs[k], ov)
        for r, c, ov in zip(rows, cols, ovs, strict=True):
            det, obj = detections[det_idx[r]], objs[c]
            sim = semantic_similarity(det.category, det.embedding, obj.category, obj.embedding)
            scores[r, c] = cfg.w_spatial * ov + cfg.w_semantic * sim
            valid[r, c] = (
                ov >= cfg.min_overlap
                and scores[r, c] >= cfg.match_threshold
                and self._sizes_agree(det, len(clouds[det_idx[r]]), obj)  # type: ignore[arg-type]
            )
        return {det_idx[r]: track_ids[c] for r, c in assign(scores, valid)}

    def _sizes_agree(self, det: Detection, n_points: int, obj: MappedObject) -> bool:
        """Whether a detection of ``n_points`` cleaned points can be another view of ``obj``
        by size (see ``MapperConfig.size_ratio``): overlap is taken in the direction that
        favours the match, so without this a thing on a table joins the table's track (and can
        outvote its label) and a sofa's detection joins the key chain lying on it."""
        ratio = self.config.size_ratio
        if ratio <= 0:
            return True
        n_track = len(obj.points)
        if det.category != obj.category and max(n_points, n_track) > ratio * min(n_points, n_track):
            return False
        settled = obj.n_observations >= self.config.settled_observations
        return not (settled and n_points > ratio * n_track)

    def _create(self, det: Detection, pts: np.ndarray, obs: Observation) -> str:
        tid = f"obj_{self._next_id:04d}"
        self._next_id += 1
        self.objects[tid] = new_track(tid, det, self._cap(pts), obs)
        return tid

    def _grow(self, obj: MappedObject, pts: np.ndarray) -> None:
        """Add the detection points that cover surface the track does not have yet.

        Points within one voxel of the track add nothing at the track's resolution, so a
        re-observed static object leaves its cloud (and cached KD-tree) untouched; only new
        surface is appended. Both clouds are voxel-downsampled, so the union stays so too.
        A track at its cap takes a view only when its new points reach beyond the track's box
        or add ``capped_growth`` of the cap: a few points inside the box are the sample's gaps,
        no new surface.
        """
        cfg = self.config
        dist, _ = self._tree(obj).query(pts, k=1, distance_upper_bound=cfg.voxel_size)
        new = pts[~np.isfinite(dist)]
        if len(new) == 0:
            return
        cap = cfg.max_points_per_object
        if len(obj.points) >= cap and len(new) < cfg.capped_growth * cap:
            lo, hi = obj.bbox_min - cfg.voxel_size, obj.bbox_max + cfg.voxel_size
            if not np.any((new < lo) | (new > hi)):
                return
        obj.points = self._cap(np.concatenate([obj.points.astype(np.float64), new]))
        obj.refresh_geometry()
        # Only grown clouds can have gained outliers.
        self._dirty[obj.id] = self._dirty.get(obj.id, 0) + len(new)

    def _merge_into(self, keep: MappedObject, other: MappedObject) -> None:
        combined = np.concatenate([keep.points, other.points]).astype(np.float64)
        keep.points = self._cap(voxel_downsample(combined, self.config.voxel_size))
        keep.refresh_geometry()
        fold_into(keep, other)
        self._dirty[keep.id] = self._dirty.get(keep.id, 0) + len(other.points)
        self._forget(other.id)

    def _drop_unconfirmed(self, frame_index: int) -> list[str]:
        cfg = self.config
        drop = [
            t
            for t, o in self.objects.items()
            if o.n_observations < cfg.min_observations
            and t not in self._confirmed
            and frame_index - o.first_frame >= cfg.drop_after_frames
        ]
        for t in drop:
            self._forget(t)
        return drop

    def _denoise_tracks(self) -> None:
        """Statistical outlier removal on tracks changed since the last pass.

        Done periodically on tracks rather than on every detection (as ConceptGraphs does)
        because it is the most expensive per-cloud step and outliers only matter once fused.
        """
        cfg = self.config
        for tid, added in sorted(self._dirty.items()):
            obj = self.objects.get(tid)
            # Tracks that grew by only a few points wait until the additions add up.
            if obj is None or added < cfg.outlier_min_growth * len(obj.points):
                continue
            del self._dirty[tid]
            if len(obj.points) <= cfg.outlier_neighbors:
                continue
            kept = remove_outliers(obj.points, cfg.outlier_neighbors, cfg.outlier_std_ratio)
            if len(kept) >= cfg.min_points:
                obj.points = kept.astype(np.float32)
                obj.refresh_geometry()
        self._dirty = {t: n for t, n in self._dirty.items() if t in self.objects}

    def _forget(self, tid: str) -> None:
        self.objects.pop(tid, None)
        self._trees.pop(tid, None)
        self._dirty.pop(tid, None)
        self._confirmed.discard(tid)

    # ---- helpers ----------------------------------------------------------------------

    def _cap(self, pts: np.ndarray) -> np.ndarray:
        """Cap the cloud size; a seeded subsample keeps runs deterministic."""
        n = self.config.max_points_per_object
        if len(pts) > n:
            pts = pts[seeded_subsample(len(pts), n)]
        return np.asarray(pts, dtype=np.float32)

    def _tree(self, obj: MappedObject) -> cKDTree:
        """KD-tree of a track's points, rebuilt only when ``points`` was replaced."""
        cached = self._trees.get(obj.id)
        if cached is None or cached[0] is not obj.points:
            cached = self._trees[obj.id] = (obj.points, _kdtree(obj.points))
        return cached[1]

    def _mutual_overlap(
        self,
        a: MappedObject,
        b: MappedObject,
        known: dict[tuple[str, str], tuple[np.ndarray, np.ndarray, float, int, float]],
    ) -> float:
        """:func:`~embodied_mem.perception.association.mutual_overlap` of two tracks, reused
        from the last merge pass (``known``) when neither cloud was replaced since.

        Most tracks are out of view between two merge passes, and a re-observed static one
        keeps its cloud (see :meth:`_grow`): about three quarters of the pairs a pass tests are
        the same clouds as the pass before. The overlap is symmetric, so pairs are keyed in id
        order. Holding the clouds (not their ids) keeps the identity test sound.
        """
        cfg = self.config
        if b.id < a.id:
            a, b = b, a
        key = (a.id, b.id)
        hit = known.get(key)
        if (
            hit is not None
            and hit[0] is a.points
            and hit[1] is b.points
            and hit[2] == cfg.overlap_radius
            and hit[3] == cfg.overlap_sample_points
        ):
            ov = hit[4]
        else:
            ov = mutual_overlap(
                self._tree(a),
                a.points,
                self._tree(b),
                b.points,
                cfg.overlap_radius,
                cfg.overlap_sample_points,
                ((a.bbox_min, a.bbox_max), (b.bbox_min, b.bbox_max)),
            )
        self._overlaps[key] = (
            a.points,
            b.points,
            cfg.overlap_radius,
            cfg.overlap_sample_points,
            ov,
        )
        return ov

    def _touching(self, track_id: str, mins: np.ndarray, maxs: np.ndarray) -> np.ndarray:
        """(K,) bool: which of K boxes ``mins``/``maxs`` (K, 3) touch ``track_id``'s (grown by
        the overlap radius), via :func:`~embodied_mem.perception.association.boxes_touching`."""
        a = self.objects[track_id]
        return boxes_touching(a.bbox_min, a.bbox_max, mins, maxs, self.config.overlap_radius)

    def _get(self, object_id: str) -> MappedObject:
        if object_id not in self.objects:
            raise KeyError(
                f"unknown mapped object {object_id!r}; known ids look like 'obj_0000' "
                f"({len(self.objects)} tracks)"
            )
        return self.objects[object_id]
