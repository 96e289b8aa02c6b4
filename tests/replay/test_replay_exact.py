"""Replay of a real recorded built-in run: exact with the same config, different with another."""

from __future__ import annotations

import dataclasses
import json
import shutil

import numpy as np
import pytest

from embodied_mem.config import ConfigError
from embodied_mem.perception.relocalize import RelocalizeConfig
from embodied_mem.replay import diff_states, load_run, memory_state, replay, verify_replay


def _nodes(memory) -> dict[str, tuple[str, bytes]]:
    return {
        n.id: (n.category, n.centroid.tobytes())
        for n in memory.long_term.graph.nodes(include_vanished=True)
    }


def test_recorded_run_has_frames_interactions_and_snapshots(demo_run):
    run_dir, live = demo_run
    run = load_run(run_dir)
    assert run.complete
    frames = list(run.frames())
    assert len(frames) == run.header["frames"] >= 25
    assert frames[0].obs.depth.dtype == np.float32 and frames[0].obs.instance_ids.dtype == np.int32
    assert frames[0].obs.rgb.shape == (120, 160, 3)
    assert [i.kind for i in run.interactions] == ["pick", "place", "pick", "place"]
    assert len(run.snapshots()) >= 2  # every 20 frames + the end
    assert run.oracle["label"] == "oracle" and run.oracle["categories"]
    assert run.config["perception"]["segmenter"] == "oracle"
    assert live.stats().events >= 4 and live.stats().objects >= 3
    tasks = (
        run.tasks()
    )  # the instruction ran through the real agent loop, which called the recorder
    assert tasks and tasks[0]["trace"]["instruction"].startswith("Navigate to a ")
    # every frame memory ingested while acting went through the recorder too: the task's
    # walk feeds memory every third frame and its last (NavigationConfig.walk_frame_stride)
    walk = run.config["demo"]["walk_steps"] + 1
    acted = tasks[0]["trace"]["actions"]
    assert tasks[0]["after_frames"] == run.header["frames"]
    assert walk + 4 < run.header["frames"] < walk + 4 + acted


def test_replay_with_recorded_config_reproduces_the_memory_exactly(demo_run):
    run_dir, live = demo_run
    replayed = replay(run_dir)
    assert list(_nodes(replayed)) == list(_nodes(live))  # same ids in the same order
    assert _nodes(replayed) == _nodes(live)  # same categories, bit-equal centroids
    assert replayed.episodic.events == live.episodic.events
    assert diff_states(memory_state(live, 0), memory_state(replayed, 0)) == []
    assert verify_replay(run_dir, replayed) == []  # and equal to the recorded final snapshot


def test_replay_matches_every_recorded_snapshot_over_time(demo_run):
    run_dir, _ = demo_run
    assert len(load_run(run_dir).snapshots()) >= 2
    assert verify_replay(run_dir) == []  # the periodic snapshots too, each at its own moment


def test_replay_with_another_mapper_config_differs(demo_run):
    run_dir, live = demo_run
    coarse = replay(run_dir, ["memory.mapper.voxel_size=0.08", "mapper.min_mask_pixels=200"])
    assert coarse.config.mapper.voxel_size == 0.08 and coarse.config.mapper.min_mask_pixels == 200
    diffs = diff_states(memory_state(live, 0), memory_state(coarse, 0))
    assert diffs, "a coarser mapper must change the memory"
    assert _nodes(coarse) != _nodes(live)
    assert any(d.startswith("final: ") for d in verify_replay(run_dir, coarse))


def test_bad_override_names_the_key(demo_run):
    run_dir, _ = demo_run
    with pytest.raises(ConfigError, match="no_such_key"):
        replay(run_dir, ["mapper.no_such_key=1"])
    with pytest.raises(ConfigError, match="key.sub=value"):
        replay(run_dir, ["mapper.voxel_size"])


def test_verify_detects_a_tampered_snapshot(demo_run, tmp_path):
    run_dir, _ = demo_run
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    first = load_run(copy).snapshots()[0]
    state = json.loads(first.read_text())
    node = next(n for n in state["scene_graph"]["nodes"] if n["layer"] == "object")
    node["centroid"][0] = np.nextafter(node["centroid"][0], np.inf)  # one ulp is enough
    first.write_text(json.dumps(state))
    diffs = verify_replay(copy)
    assert diffs and diffs[0].startswith(f"after {state['frames']} frames: node {node['id']}")


def test_noisy_perception_replays_exactly_too(tmp_path):
    """The noisy segmenter corrupts depth and pose from a seeded RNG: replay must redo it identically."""
    from embodied_mem.replay.demo import DemoConfig, record_demo_run

    live = record_demo_run(
        tmp_path / "noisy",
        DemoConfig(
            seed=1,
            walk_steps=12,
            interactions=1,
            task=False,
            segmenter="noisy",
            width=96,
            height=72,
        ),
    )
    assert load_run(tmp_path / "noisy").config["perception"] == {
        "segmenter": "noisy",
        "config": {"seed": 1},
        "relocalize": dataclasses.asdict(RelocalizeConfig()),  # re-localised on its own map
    }
    replayed = replay(tmp_path / "noisy")
    assert diff_states(memory_state(live, 0), memory_state(replayed, 0)) == []
    assert verify_replay(tmp_path / "noisy") == []


def test_geometric_perception_replays_exactly(tmp_path):
    """The geometric segmenter's RANSAC draws from a generator seeded per frame: its proposals,
    and so the replayed memory, are the recorded ones."""
    from embodied_mem.replay.demo import DemoConfig, record_demo_run

    live = record_demo_run(
        tmp_path / "geometric",
        DemoConfig(
            seed=1,
            walk_steps=12,
            interactions=1,
            task=False,
            segmenter="geometric",
            width=96,
            height=72,
        ),
    )
    assert _nodes(live), "the walk should give geometric proposals that become objects"
    replayed = replay(tmp_path / "geometric")
    assert diff_states(memory_state(live, 0), memory_state(replayed, 0)) == []
    assert verify_replay(tmp_path / "geometric") == []
