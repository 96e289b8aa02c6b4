"""Built-in simulator: the depth-and-masks pass on demand gives what the eager pass gives, and
a frame read for its pose alone costs no render."""

from __future__ import annotations

import copy
import pickle

import pytest
from builtin_helpers import SMALL

from envs.actions import MoveForward, Open, Teleport, TurnLeft, TurnRight
from envs.builtin.config import BuiltinEnvConfig
from envs.builtin.env import BuiltinHouseEnv
from envs.builtin.render import SceneRenderer

WALK = [TurnLeft(), MoveForward(), MoveForward(), TurnRight(), MoveForward(), TurnLeft()]


@pytest.fixture(scope="module")
def pair():
    """The same house twice: depth on demand (the default) and depth with every frame."""
    lazy = BuiltinHouseEnv(BuiltinEnvConfig(**SMALL))
    eager = BuiltinHouseEnv(BuiltinEnvConfig(**SMALL, depth_on_demand=False))
    yield lazy, eager
    lazy.close()
    eager.close()


def _walk(env, seed=3):
    return [env.reset(seed=seed)[0]] + [env.step(a)[0] for a in WALK]


def _count_passes(monkeypatch) -> list[int]:
    calls = [0]
    original = SceneRenderer.render

    def counting(self, rgb=True):
        calls[0] += 1
        return original(self, rgb)

    monkeypatch.setattr(SceneRenderer, "render", counting)
    return calls


def _same(a, b) -> None:
    assert a.depth.tobytes() == b.depth.tobytes()
    assert a.instance_ids.tobytes() == b.instance_ids.tobytes()
    assert a.instance_names == b.instance_names and a.instance_names


def test_a_frame_read_for_its_pose_renders_nothing_and_reads_the_same_later(pair, monkeypatch):
    lazy, eager = pair
    calls = _count_passes(monkeypatch)
    deferred = _walk(lazy)
    assert calls[0] == 0 and not any(o.depth_rendered for o in deferred)
    assert [o.agent for o in deferred] == [o.agent for o in _walk(eager)]
    calls[0] = 0
    rendered = _walk(eager)
    # Read long after the world moved on, latest frame first: each frame's own pixels, one
    # pass per frame, and the env's current frame is untouched.
    before = lazy.observe()
    for a, b in zip(reversed(deferred), reversed(rendered), strict=True):
        _same(a, b)
        a.validate()
    assert calls[0] == len(rendered) + len(deferred)
    _same(lazy.observe(), before)


def test_a_state_change_between_frame_and_read_does_not_leak_in(pair):
    lazy, eager = pair
    frames = []
    for env in pair:
        env.reset(seed=5)
    rid = next(r.id for r in lazy.house.receptacles if r.openable)
    for env in pair:
        x, y, yaw = env.viewpoints_for(rid, max_count=1, visible_only=False)[0]
        env.step(Teleport(x=x, y=y, yaw=yaw))
        frames.append(env.observe())
        assert env.step(Open(rid))[4]["result"].success
    deferred, rendered = frames
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


def test_a_read_after_the_world_is_gone_fails_loudly():
    env = BuiltinHouseEnv(BuiltinEnvConfig(width=64, height=48))
    obs = env.reset(seed=0)[0]
    source = obs.__dict__["_depth_source"]
    env._deferred.clear()  # as if the env had lost track of it
    env.reset(seed=1)
    with pytest.raises(RuntimeError, match="depth of frame 0 was first read after its env"):
        source()
    env.close()
