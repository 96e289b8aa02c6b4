"""Perceiver / PerceptionPipeline wiring, mapper restore/confirm, and sampling by spacing."""

from __future__ import annotations

import numpy as np
import pytest
from perc_helpers import BOX_CATEGORIES, INTR, box_scene

from embodied_mem.perception.backproject import BackprojectStats, backproject, voxel_downsample
from embodied_mem.perception.mapper import MapperConfig, ObjectMapper
from embodied_mem.perception.pipeline import Perceiver, PerceptionPipeline, build_perceiver
from embodied_mem.perception.segmenters import make_segmenter
from embodied_mem.perception.segmenters.noisy import NoisySegmenterConfig
from envs.ground_truth import GroundTruth, ObjectRecord


def _gt() -> GroundTruth:
    def rec(oid, cat):
        return ObjectRecord(
            oid, cat, None, (0, 0, 0), (0, 0, 0), (1, 1, 1), attributes={"color": "red"}
        )

    return GroundTruth({k: rec(k, v) for k, v in BOX_CATEGORIES.items()}, {})


class LetterEmbedder:
    """A real (if crude) label embedding: normalised letter histogram; enough to tell labels apart."""

    def embed(self, texts):
        out = np.zeros((len(texts), 26), np.float32)
        for i, t in enumerate(texts):
            for ch in t.lower():
                if ch.isalpha():
                    out[i, ord(ch) - 97] += 1
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_build_perceiver_oracle_uses_ground_truth_and_embeds_labels():
    perceiver = build_perceiver("oracle", ground_truth=_gt(), label_embedder=LetterEmbedder())
    used, dets = perceiver.detect(box_scene())
    assert {d.category for d in dets} == {"Mug", "Apple", "Sofa"}
    assert all(d.attributes == {"color": "red"} for d in dets)
    assert all(d.embedding is not None and d.embedding.shape == (26,) for d in dets)
    with pytest.raises(ValueError, match="ground_truth"):
        build_perceiver("noisy")
    with pytest.raises(ValueError, match="must not see ground truth"):
        build_perceiver("geometric", ground_truth=_gt())
    with pytest.raises(TypeError, match="segment"):
        Perceiver(object())  # type: ignore[arg-type]


def test_noisy_pipeline_maps_with_the_corrupted_frame_and_is_deterministic():
    def run():
        cfg = NoisySegmenterConfig(seed=5, pose_drift_trans_std=0.01)
        pipe = PerceptionPipeline(make_segmenter("noisy", BOX_CATEGORIES, cfg))
        for f in range(6):
            pipe.step(box_scene(f))
        return pipe

    a, b = run(), run()
    assert not np.allclose(a.last_observation.cam_to_world, np.eye(4))
    assert a.stats.frames == 6 and a.stats.detections > 0
    assert {k: o.centroid.tobytes() for k, o in a.mapper.objects.items()} == {
        k: o.centroid.tobytes() for k, o in b.mapper.objects.items()
    }


def test_restore_continues_ids_and_confirmed_tracks_survive_dropping():
    src = ObjectMapper()
    obs = box_scene(0)
    src.update(make_segmenter("oracle", BOX_CATEGORIES).segment(obs), obs)
    saved = list(src.objects.values())
    mapper = ObjectMapper(MapperConfig(min_observations=3, drop_after_frames=1))
    mapper.restore(saved)
    with pytest.raises(ValueError, match="already exists"):
        mapper.restore(saved[:1])
    blank = box_scene(5)
    blank.instance_ids[:] = 0
    assert mapper.update([], blank).removed == []  # restored = confirmed
    fresh = ObjectMapper(MapperConfig(min_observations=3, drop_after_frames=1))
    ids = fresh.update(
        make_segmenter("oracle", BOX_CATEGORIES).segment(box_scene(0)), box_scene(0)
    ).created
    fresh.confirm(ids[0])
    removed = fresh.update([], blank).removed
    assert ids[0] not in removed and set(removed) == set(ids[1:])
    mapper2 = ObjectMapper()
    mapper2.restore(saved)
    obs7 = box_scene(7)
    obs7.depth[75:95, 0:15] = 1.0
    obs7.instance_ids[75:95, 0:15] = 9
    obs7.instance_names[9] = "cup_9"
    created = mapper2.update(make_segmenter("oracle", {"cup_9": "Cup"}).segment(obs7), obs7).created
    assert created == [f"obj_{len(saved):04d}"]


def test_sample_spacing_strides_large_masks_without_emptying_voxels():
    depth = np.full((INTR.height, INTR.width), 0.5, np.float32)
    mask = np.ones(depth.shape, bool)
    stats = BackprojectStats()
    full = backproject(depth, INTR, np.eye(4), mask)
    sparse = backproject(depth, INTR, np.eye(4), mask, sample_spacing=0.0125, stats=stats)
    assert len(sparse) == pytest.approx(len(full) / 4, rel=0.05)  # stride 2 in u and v
    assert stats.n_masked == mask.size and stats.n_invalid == 0
    # At 0.5 m and fx=100 a pixel is 5 mm: sampling every 1 cm keeps every 2.5 cm voxel filled.
    assert len(voxel_downsample(sparse, 0.025)) == len(voxel_downsample(full, 0.025))


def test_perceiver_localize_is_the_pose_detect_hands_memory():
    obs = box_scene()
    exact = Perceiver(make_segmenter("oracle", BOX_CATEGORIES))
    assert exact.localize(obs) is obs  # no pose error model: the env's pose
    noisy = Perceiver(
        make_segmenter(
            "noisy", BOX_CATEGORIES, NoisySegmenterConfig(seed=3, pose_drift_trans_std=0.05)
        )
    )
    for _ in range(5):
        used, _ = noisy.detect(obs)
    est = noisy.localize(obs)
    assert not np.allclose(est.cam_to_world, obs.cam_to_world)
    np.testing.assert_allclose(est.cam_to_world, used.cam_to_world)
    assert est.agent == used.agent != obs.agent


def test_a_perceivers_segmenter_is_fixed():
    # The frame corruption and the re-localisation are set up for the segmenter it was built
    # with: swapping it afterwards would silently keep the old ones.
    perceiver = Perceiver(make_segmenter("noisy", BOX_CATEGORIES))
    assert perceiver.corrector is not None
    with pytest.raises(AttributeError):
        perceiver.segmenter = make_segmenter("oracle", BOX_CATEGORIES)  # type: ignore[misc]
