"""Real RGB-D (Augmented ICL-NUIM living room, shared fixture): geometric proposals fuse into
a consistent map with the trajectory poses."""

from __future__ import annotations

import numpy as np
from perc_helpers import icl_frames
from scipy.spatial import cKDTree

from embodied_mem.perception.backproject import backproject, project
from embodied_mem.perception.mapper import ObjectMapper
from embodied_mem.perception.segmenters import make_segmenter


def _visible_fraction_near(points, obs, pose, radius=0.03):
    """Of ``points`` in view of ``obs`` (in frustum, not occluded), the fraction within
    ``radius`` of the frame's own back-projected cloud, when the frame is placed at ``pose``."""
    u, v, z = project(points, obs.intrinsics, obs.cam_to_world)
    h, w = obs.depth.shape
    inside = (z > 0) & (u >= 0) & (u < w) & (v >= 0) & (v < h)
    inside[inside] &= np.abs(obs.depth[v[inside], u[inside]] - z[inside]) < 0.1
    if inside.sum() < 20:
        return None
    tree = cKDTree(backproject(obs.depth, obs.intrinsics, pose, stride=2))
    dist, _ = tree.query(points[inside])
    return float(np.mean(dist < radius))


def test_geometric_proposals_land_in_the_same_place_across_frames():
    f0, f20, f40 = icl_frames([0, 20, 40])
    props = make_segmenter("geometric").segment(f0)
    assert len(props) >= 4, "the living room has sofa, table, chairs... expected several proposals"
    checked = 0
    for later in (f20, f40):
        for det in props:
            good = _visible_fraction_near(det.points, later, later.cam_to_world)
            if good is None:
                continue
            checked += 1
            assert good > 0.9, f"frame-0 proposal drifted in frame {later.frame_index}: {good:.2f}"
            # Negative control: the same frame at a wrong pose (frame 0's) does not line up.
            wrong = _visible_fraction_near(det.points, later, f0.cam_to_world)
            assert wrong is not None and wrong < 0.5
    assert checked >= 5


def test_mapper_reassociates_frame0_tracks_with_small_centroid_drift():
    frames = icl_frames([0, 5, 10, 15, 20, 30, 40])
    seg = make_segmenter("geometric")
    mapper = ObjectMapper()
    first = mapper.update(seg.segment(frames[0]), frames[0])
    start = {t: mapper.objects[t].centroid.copy() for t in first.created}
    hits = dict.fromkeys(start, 0)
    for obs in frames[1:]:
        upd = mapper.update(seg.segment(obs), obs)
        for t in upd.updated:
            hits[t] = hits.get(t, 0) + 1
    stable = {
        t: float(np.linalg.norm(mapper.objects[t].centroid - c))
        for t, c in start.items()
        if t in mapper.objects and hits[t] >= 4
    }
    assert len(stable) >= 4, f"frame-0 tracks re-associated in >= 4 of 6 later frames: {hits}"
    assert np.median(list(stable.values())) < 0.05, stable
    assert sum(d < 0.05 for d in stable.values()) >= 3, stable
    # The map stays compact: no duplicate explosion over 7 frames of one room.
    assert len(mapper.objects) < 3 * len(first.created)
