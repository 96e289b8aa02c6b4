"""Built-in simulator: the depth-and-masks pass on demand gives what the eager pass gives, and
a frame read for its pose alone costs no render."""

from __future__ import annotations

import copy
import pickle

import pytest
from builtin_helpers import count_calls, frames_before_an_open, lazy_and_eager, walk

from envs.actions import MoveForward, TurnLeft
from envs.builtin.render import SceneRenderer


@pytest.fixture(scope="module")
def pair():
    """The same house twice: depth on demand (the default) and depth with every frame."""
    yield from lazy_and_eager(depth_on_demand=False)


def _same(a, b) -> None:
    assert a.depth.tobytes() == b.depth.tobytes()
    assert a.instance_ids.tobytes() == b.instance_ids.tobytes()
    assert a.instance_names == b.instance_names and a.instance_names


def test_a_frame_read_for_its_pose_renders_nothing_and_reads_the_same_later(pair, monkeypatch):
    lazy, eager = pair
    calls = count_calls(monkeypatch, SceneRenderer, "render")
    deferred = walk(lazy)
    assert calls[0] == 0 and not any(o.depth_rendered for o in deferred)
    assert [o.agent for o in deferred] == [o.agent for o in walk(eager)]
    calls[0] = 0
    rendered = walk(eager)
    # Read long after the world moved on, latest frame first: each frame's own pixels, one
    # pass per frame, and the env's current frame is untouched.
    before = lazy.observe()
    for a, b in zip(reversed(deferred), reversed(rendered), strict=True):
        _same(a, b)
        a.validate()
    assert calls[0] == len(rendered) + len(deferred)
    _same(lazy.observe(), before)


def test_a_state_change_between_frame_and_read_does_not_leak_in(pair):
    lazy, _ = pair
    deferred, rendered = frames_before_an_open(pair)
    assert not deferred.depth_rendered
    _same(deferred, rendered)  # the door is open now; the frame showed it shut
    assert deferred.depth.tobytes() != lazy.observe().depth.tobytes()


def test_copies_replace_pickles_and_reset_keep_the_pixels(pair):
    lazy, eager = pair
    a, b = lazy.reset(seed=6)[0], eager.reset(seed=6)[0]
    moved = a.replace(frame_index=99)  # a pose estimate's copy keeps the pass deferred
    assert not moved.depth_rendered and not a.depth_rendered
    _same(moved, b)
    assert a.depth_rendered and a.depth is moved.depth  # rendered once, shared
    c, d = lazy.step(TurnLeft())[0], eager.step(TurnLeft())[0]
    for clone in (pickle.loads(pickle.dumps(c)), copy.deepcopy(c)):
        assert clone.depth_rendered
        _same(clone, d)
    kept, ref = lazy.step(MoveForward())[0], eager.step(MoveForward())[0]
    lazy.reset(seed=1)  # another house: the frame's world is gone, rendered before it went
    assert kept.depth_rendered
    _same(kept, ref)
