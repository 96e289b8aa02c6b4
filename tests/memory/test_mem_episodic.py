"""Episodic log: keyframe selection, room events, interaction events, thumbnails, bad input."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from embodied_mem.memory.episodic import EpisodicLog
from embodied_mem.memory.episodic_records import EventKind
from embodied_mem.memory.keyframing import EpisodicConfig
from envs.types import AgentPose, SimTime

POSE = AgentPose((0.0, 0.0, 0.0), 0.0)


def _t(s: float, day: int = 0) -> SimTime:
    m = 360 + int(s)
    return SimTime(s, day, f"{m // 60:02d}:{m % 60:02d}")


def test_keyframe_every_k_and_on_visible_change() -> None:
    log = EpisodicLog(EpisodicConfig(keyframe_every=5, visible_change=0.5))
    kept = []
    for i in range(12):
        visible = {"a": 100, "b": 100} if i < 8 else {"c": 100}
        kf = log.observe_frame(i, _t(i), POSE, "kitchen", visible, 1000)
        if kf is not None:
            kept.append(kf.frame_index)
    # frame 0 (first), 5 (every 5), 8 (visible set changed completely); 10 is 2 after 8
    assert kept == [0, 5, 8]
    assert log.keyframes[0].visible == {"a": 0.1, "b": 0.1}


def test_min_coverage_drops_specks() -> None:
    log = EpisodicLog(EpisodicConfig(min_coverage=0.01))
    kf = log.observe_frame(0, _t(0), POSE, None, {"big": 50, "speck": 2}, 1000)
    assert kf is not None and set(kf.visible) == {"big"}


def test_room_entries_and_exits() -> None:
    log = EpisodicLog()
    rooms = ["kitchen"] * 3 + ["hall"] * 2 + ["kitchen"]
    for i, r in enumerate(rooms):
        log.observe_frame(i, _t(10 * i), POSE, r, {}, 100)
    log.end_day()
    kinds = [(e.kind.value, e.room_id, e.start_time) for e in log.events_on(0)]
    assert kinds == [
        ("room_enter", "kitchen", 0.0),
        ("room_exit", "kitchen", 30.0),
        ("room_enter", "hall", 30.0),
        ("room_exit", "hall", 50.0),
        ("room_enter", "kitchen", 50.0),
        ("room_exit", "kitchen", 50.0),
    ]


def test_interaction_events_and_remap() -> None:
    log = EpisodicLog()
    ev = log.add_event(
        "pick", _t(5), 5, end_time=9.0, end_frame=9, object_id="obj_1", source_id="obj_9"
    )
    assert ev.kind is EventKind.PICK and ev.end_time == 9.0 and ev.is_interaction
    assert log.remap_object("obj_1", "obj_2") == 1
    assert log.events[0].object_id == "obj_2" and log.pending_events[0].object_id == "obj_2"
    with pytest.raises(ValueError, match="unknown event kind 'grab'"):
        log.add_event("grab", _t(6), 6)
    with pytest.raises(ValueError, match="ends before it starts"):
        log.add_event("place", _t(6), 6, end_time=1.0)


def test_frames_out_of_order_rejected() -> None:
    log = EpisodicLog()
    log.observe_frame(3, _t(30), POSE, None, {}, 100)
    with pytest.raises(ValueError, match="time order"):
        log.observe_frame(4, _t(10), POSE, None, {}, 100)


def test_thumbnail_is_small_jpeg() -> None:
    log = EpisodicLog(EpisodicConfig(thumbnails=True, thumbnail_width=32))
    rgb = np.random.default_rng(0).integers(0, 255, (240, 320, 3), dtype=np.uint8)
    kf = log.observe_frame(0, _t(0), POSE, None, {}, 240 * 320, rgb)
    assert kf is not None and kf.thumbnail is not None
    img = Image.open(io.BytesIO(kf.thumbnail))
    assert img.format == "JPEG" and img.size == (32, 24)
    assert len(kf.thumbnail) < rgb.nbytes / 50


def test_keyframe_lookup_by_time() -> None:
    log = EpisodicLog(EpisodicConfig(keyframe_every=1))
    for i in range(5):
        log.observe_frame(i, _t(10 * i), POSE, None, {}, 100)
    assert log.keyframe_near(21.0).frame_index == 2
    assert [k.frame_index for k in log.keyframes_between(10, 30)] == [1, 2, 3]


def test_config_validation() -> None:
    with pytest.raises(ValueError, match="keyframe_every"):
        EpisodicConfig(keyframe_every=-1)
    with pytest.raises(ValueError, match="thumbnail_quality"):
        EpisodicConfig(thumbnail_quality=0)
