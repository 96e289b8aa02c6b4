"""Built-in simulator: the colour pass on demand gives the pixels the eager pass gives."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
from builtin_helpers import SMALL, count_calls, frames_before_an_open, lazy_and_eager, walk

from envs.actions import TurnLeft
from envs.builtin.config import BuiltinEnvConfig
from envs.builtin.env import BuiltinHouseEnv
from envs.builtin.render import SceneRenderer


@pytest.fixture(scope="module")
def pair():
    """The same house twice: colour on demand (the default) and colour with every frame."""
    yield from lazy_and_eager(rgb_on_demand=False)


def test_deferred_colour_is_the_eager_colour_read_any_time_later(pair, monkeypatch):
    lazy, eager = pair
    calls = count_calls(monkeypatch, SceneRenderer, "render_rgb")
    deferred, rendered = walk(lazy), walk(eager)
    # Nothing read the colour yet, and validating or asking has_rgb does not render it.
    for obs in deferred:
        obs.validate()
        assert obs.has_rgb and obs.rgb_if_rendered is None
    assert calls[0] == 0
    # Read long after the world moved on (latest frame first): the frame's own pixels, and the
    # env's current state is untouched by the pass.
    before = lazy.observe()
    for a, b in zip(reversed(deferred), reversed(rendered), strict=True):
        assert a.rgb.tobytes() == b.rgb.tobytes()
        assert a.depth.tobytes() == b.depth.tobytes()
        a.validate()
    after = lazy.observe()
    assert calls[0] == len(deferred)  # once per frame read; `before` was not read
    assert after.depth.tobytes() == before.depth.tobytes()
    assert after.instance_ids.tobytes() == before.instance_ids.tobytes()
    assert after.rgb.tobytes() == before.rgb.tobytes()


def test_a_state_change_between_frame_and_read_does_not_leak_in(pair):
    lazy, _ = pair
    deferred, rendered = frames_before_an_open(pair)
    assert deferred.rgb_if_rendered is None
    # The door is open now; the frame showed it shut.
    assert deferred.rgb.tobytes() == rendered.rgb.tobytes()
    assert deferred.rgb.tobytes() != pair[0].observe().rgb.tobytes()


def test_frames_kept_across_reset_and_close_keep_their_pixels(pair):
    lazy, eager = pair
    deferred, rendered = walk(lazy, seed=4), walk(eager, seed=4)
    lazy.reset(seed=1)  # another house: the frames' world is gone
    assert all(o.rgb_if_rendered is not None for o in deferred)  # rendered before it went
    for a, b in zip(deferred, rendered, strict=True):
        assert a.rgb.tobytes() == b.rgb.tobytes()
    other = BuiltinHouseEnv(BuiltinEnvConfig(**SMALL))
    obs = other.reset(seed=2)[0]
    other.close()
    assert obs.rgb is not None and obs.rgb.shape == (SMALL["height"], SMALL["width"], 3)


def test_copies_replace_and_pickles_keep_the_pixels(pair):
    lazy, eager = pair
    a, b = lazy.reset(seed=6)[0], eager.reset(seed=6)[0]
    moved = a.replace(depth=a.depth * 2)  # perception's copies keep the pass deferred
    assert moved.rgb_if_rendered is None and a.rgb_if_rendered is None
    assert moved.rgb.tobytes() == b.rgb.tobytes()
    assert a.rgb_if_rendered is moved.rgb  # rendered once, shared
    c, d = lazy.step(TurnLeft())[0], eager.step(TurnLeft())[0]
    for clone in (pickle.loads(pickle.dumps(c)), copy.deepcopy(c)):
        assert "_rgb_source" not in clone.__dict__ or clone.__dict__["_rgb_source"] is None
        assert clone.rgb.tobytes() == d.rgb.tobytes()


def test_depth_only_and_stored_rgb_are_unchanged():
    env = BuiltinHouseEnv(BuiltinEnvConfig(width=64, height=48, render_rgb=False))
    try:
        obs = env.reset(seed=0)[0]
        assert obs.rgb is None and not obs.has_rgb
    finally:
        env.close()
    obs.rgb = np.zeros((48, 64, 3), np.uint8)  # an adapter storing its image as before
    assert obs.has_rgb and obs.rgb_if_rendered is obs.rgb
    obs.validate()
    obs.rgb = np.zeros((48, 64), np.uint8)
    with pytest.raises(ValueError, match="rgb"):
        obs.validate()


@pytest.mark.parametrize(("deferred", "what"), [("_rgb_source", "RGB"), ("_depth_source", "depth")])
def test_a_read_after_the_world_is_gone_fails_loudly(deferred, what):
    """Should a frame escape the env's bookkeeping, a read names the frame, not wrong pixels
    (the colour pass, and the depth-and-masks pass)."""
    env = BuiltinHouseEnv(BuiltinEnvConfig(width=64, height=48))
    obs = env.reset(seed=0)[0]
    source = obs.__dict__[deferred]
    env._deferred.clear()  # as if the env had lost track of it
    env.reset(seed=1)
    with pytest.raises(RuntimeError, match=f"{what} of frame 0 was first read after its env"):
        source()
    env.close()


@pytest.mark.parametrize("thumbnails", [False, True])
def test_perception_and_memory_render_colour_only_for_thumbnails(pair, monkeypatch, thumbnails):
    """The point of the deferral: a noisy (pose-drifting) perceiver and the memory read depth
    and masks; only a keyframe's thumbnail needs colour."""
    from embodied_mem.memory import AgentMemory
    from embodied_mem.memory.config import MemoryConfig
    from embodied_mem.memory.keyframing import EpisodicConfig
    from embodied_mem.perception.pipeline import build_perceiver
    from embodied_mem.perception.segmenters.noisy import NoisySegmenterConfig

    lazy, _ = pair
    frames = walk(lazy, seed=3) + [lazy.step(TurnLeft())[0] for _ in range(6)]
    perceiver = build_perceiver(
        "noisy",
        ground_truth=lazy.ground_truth(),
        config=NoisySegmenterConfig(seed=1, pose_drift_trans_std=0.01),
    )
    memory = AgentMemory(config=MemoryConfig(episodic=EpisodicConfig(thumbnails=thumbnails)))
    calls = count_calls(monkeypatch, SceneRenderer, "render_rgb")
    for obs in frames:
        used, detections = perceiver.detect(obs)
        memory.ingest(used, detections)
    keyframes = memory.episodic.keyframes
    assert keyframes and len(keyframes) < len(frames)
    assert calls[0] == (len(keyframes) if thumbnails else 0)
    assert all((k.thumbnail is not None) == thumbnails for k in keyframes)


def test_keyframe_thumbnails_render_colour_only_when_a_page_asks(pair, monkeypatch):
    """The report's keyframe thumbnails: made for the keyframes a failed task's page shows,
    not for every keyframe; the same JPEG as from the eager frame."""
    from types import SimpleNamespace

    from embodied_mem.benchmark.failure_media import KeyframeThumbnails, MediaConfig, thumbnail

    lazy, eager = pair
    deferred, rendered = walk(lazy, seed=7), walk(eager, seed=7)
    calls = count_calls(monkeypatch, SceneRenderer, "render_rgb")
    keyframes: list = []
    memory = SimpleNamespace(episodic=SimpleNamespace(keyframes=keyframes))
    thumbs = KeyframeThumbnails(memory, MediaConfig())
    for obs in deferred:  # every frame a keyframe
        thumbs.on_frame(obs)
        keyframes.append(SimpleNamespace(frame_index=obs.frame_index))
    thumbs.settle()
    assert sorted(thumbs.thumbs) == [o.frame_index for o in deferred] and calls[0] == 0
    shown = deferred[2].frame_index
    assert thumbs.jpeg(shown) == thumbnail(rendered[2].rgb, MediaConfig())
    assert thumbs.jpeg(shown) is thumbs.jpeg(shown) and calls[0] == 1
