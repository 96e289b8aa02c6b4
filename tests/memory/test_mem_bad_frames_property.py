"""Property (hypothesis): a random bad value in a random field of a frame never changes memory.

For each drawn fault — NaN/inf/huge/wrongly shaped values in the intrinsics, time, agent pose,
camera pose, frame index, or in one detection's points, embedding, score or label — under a
random policy: ``skip`` returns the fault's reason and counts it, ``raise`` raises a
``FrameError`` with that reason, and in both the memory's state and its SQLite file are
byte-identical. Afterwards both memories carry on with good frames exactly like a memory that
never saw a bad one.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest
from _badframes import WARMUP, good_frame, snapshot, store_bytes, warm_memory
from hypothesis import given, settings
from hypothesis import strategies as st

from embodied_mem.perception.types import Detection
from envs.types import AgentPose, Observation, SimTime
from envs.validation import WORLD_BOUND_M, FrameError

Frame = tuple[Observation, list[Detection]]


class Fault(NamedTuple):
    reason: str
    what: str
    """Readable description (hypothesis prints it for a falsifying example)."""
    build: Callable[[Observation, list[Detection]], Frame]


NON_FINITE = st.sampled_from([math.nan, math.inf, -math.inf])
HUGE = st.floats(min_value=WORLD_BOUND_M * 1.001, max_value=1e300) | st.just(1e9)
SIGNED_HUGE = st.tuples(HUGE, st.sampled_from([1.0, -1.0])).map(lambda t: t[0] * t[1])
CONTROL_TEXT = st.text(alphabet="\n\r\t\x00\x1b\x7f\u200b\u202e\u2028 \u00a0", max_size=12)


@st.composite
def intrinsics_faults(draw: st.DrawFn) -> Fault:
    name = draw(st.sampled_from(["fx", "fy", "cx", "cy"]))
    if name in ("fx", "fy"):
        # Field of view outside 0.1-179 deg for the 64x48 frames: too long or too short a focal
        # length (NaN and <= 0 are refused by the CameraIntrinsics constructor already).
        value = draw(st.just(math.inf) | st.floats(1e5, 1e300) | st.floats(1e-300, 0.2))
    else:
        value = draw(NON_FINITE | SIGNED_HUGE)
    return Fault(
        "intrinsics",
        f"{name}={value!r}",
        lambda o, d: (
            dataclasses.replace(o, intrinsics=dataclasses.replace(o.intrinsics, **{name: value})),
            d,
        ),
    )


@st.composite
def time_faults(draw: st.DrawFn) -> Fault:
    s = draw(NON_FINITE | st.floats(min_value=-1e9, max_value=-1e-3))
    return Fault(
        "time",
        f"seconds={s!r}",
        lambda o, d: (
            dataclasses.replace(o, time=SimTime(s, o.time.day, o.time.time_of_day)),
            d,
        ),
    )


@st.composite
def agent_faults(draw: st.DrawFn) -> Fault:
    which = draw(st.sampled_from(["x", "y", "z", "yaw", "pitch"]))
    value = draw(NON_FINITE | SIGNED_HUGE) if which in "xyz" else draw(NON_FINITE)

    def apply(o: Observation, d: list[Detection]) -> Frame:
        pos = list(o.agent.position)
        yaw, pitch = o.agent.yaw, o.agent.pitch
        if which == "yaw":
            yaw = value
        elif which == "pitch":
            pitch = value
        else:
            pos["xyz".index(which)] = value
        return dataclasses.replace(o, agent=AgentPose(tuple(pos), yaw, pitch)), d

    return Fault("agent_pose", f"agent {which}={value!r}", apply)


@st.composite
def camera_pose_faults(draw: st.DrawFn) -> Fault:
    kind = draw(st.sampled_from(["non_finite", "far", "not_rigid", "last_row"]))
    if kind == "non_finite":
        entry, value = (draw(st.integers(0, 3)), draw(st.integers(0, 3))), draw(NON_FINITE)
    elif kind == "far":
        entry, value = (draw(st.integers(0, 2)), 3), draw(SIGNED_HUGE)
    elif kind == "not_rigid":
        entry, value = (draw(st.integers(0, 2)), draw(st.integers(0, 2))), None
    else:
        entry, value = (3, draw(st.integers(0, 2))), draw(st.floats(0.05, 10.0))
    delta = draw(st.floats(0.05, 10.0)) * draw(st.sampled_from([1.0, -1.0]))

    def apply(o: Observation, d: list[Detection]) -> Frame:
        m = o.cam_to_world.copy()
        m[entry] = m[entry] + delta if value is None else value
        return dataclasses.replace(o, cam_to_world=m), d

    what = f"cam_to_world{list(entry)} " + (f"+= {delta!r}" if value is None else f"= {value!r}")
    return Fault("cam_to_world", what, apply)


@st.composite
def detection_faults(draw: st.DrawFn) -> Fault:
    k = draw(st.integers(0, 8))  # taken modulo the frame's number of detections
    part = draw(st.sampled_from(["points", "embedding", "score", "category"]))
    if part == "points":
        n = draw(st.integers(1, 60))
        shape = draw(st.sampled_from([(n, 3), (n, 3), (n, 2), (n, 4), (n,)]))
        pts = np.random.default_rng(n).uniform(-2.0, 2.0, shape)
        if shape == (n, 3):
            pts[draw(st.integers(0, n - 1)), draw(st.integers(0, 2))] = draw(
                NON_FINITE | SIGNED_HUGE
            )
        change: dict[str, object] = {"points": pts}
    elif part == "embedding":
        dim = draw(st.sampled_from([8, 8, 8, 3, 16, 1]))
        emb = np.ones(dim, np.float32)
        if dim == 8:
            bad = draw(NON_FINITE.map(float) | st.just(0.0))
            emb = np.zeros(8, np.float32) if bad == 0.0 else emb
            emb[draw(st.integers(0, 7))] = bad
        change = {"embedding": emb}
    elif part == "score":
        change = {
            "score": draw(
                NON_FINITE | st.floats(1.0001, 1e6) | st.floats(-1e6, -1e-6, exclude_max=False)
            )
        }
    else:
        change = {"category": draw(CONTROL_TEXT)}

    def apply(o: Observation, d: list[Detection]) -> Frame:
        d = list(d)
        d[k % len(d)] = dataclasses.replace(d[k % len(d)], **change)
        return o, d

    return Fault(f"detection_{part}", f"detection {k} {part} <- {change!r:.200}", apply)


@st.composite
def frame_index_faults(draw: st.DrawFn) -> Fault:
    i = draw(st.integers(max_value=-1) | st.floats(0.5, 1e6).filter(lambda v: v != int(v)))
    return Fault(
        "frame_index", f"frame_index={i!r}", lambda o, d: (dataclasses.replace(o, frame_index=i), d)
    )


FAULTS = st.one_of(
    intrinsics_faults(),
    time_faults(),
    agent_faults(),
    camera_pose_faults(),
    detection_faults(),
    frame_index_faults(),
)


def test_random_bad_values_in_random_fields_change_nothing_and_are_counted(
    tmp_path: Path,
) -> None:
    paths = {p: tmp_path / f"{p}.db" for p in ("skip", "raise")}
    memories = {p: warm_memory(p, paths[p]) for p in paths}
    seen: dict[str, int] = {}

    @settings(max_examples=150, deadline=None, derandomize=True, database=None)
    @given(fault=FAULTS, policy=st.sampled_from(["skip", "raise"]))
    def check(fault: Fault, policy: str) -> None:
        reason, _, build = fault
        mem, h = memories[policy]
        before, disk = snapshot(mem), store_bytes(paths[policy])
        counted = mem.rejected_by_reason.get(reason, 0)  # stats() would checkpoint the WAL
        obs, dets = build(*good_frame(h, WARMUP))
        if policy == "skip":
            result = mem.ingest(obs, dets)
            assert result.reason == reason, result.skipped
            assert mem.rejected_by_reason[reason] == counted + 1
        else:
            with pytest.raises(FrameError) as info:
                mem.ingest(obs, dets)
            assert info.value.reason == reason
        assert snapshot(mem) == before
        assert store_bytes(paths[policy]) == disk
        seen[reason] = seen.get(reason, 0) + 1

    check()
    assert len(seen) >= 8, f"the strategy reached only {sorted(seen)}"
    assert memories["raise"][0].stats().rejected_frames == 0
    # Both memories continue exactly like one (of the same policy) that never saw a bad frame.
    for policy, (mem, h) in memories.items():
        control, hc = warm_memory(policy, tmp_path / f"control_{policy}.db")
        for i in range(WARMUP, WARMUP + 5):
            control.ingest(*good_frame(hc, i))
            assert mem.ingest(*good_frame(h, i)).update is not None
        assert snapshot(mem) == snapshot(control)
        mem.close()
        control.close()
