"""Re-localisation on the agent's own map: a known pose error is found and corrected, an
exact pose is left alone, and a match that is not clearly better changes nothing."""

from __future__ import annotations

import math

import numpy as np
import pytest

from embodied_mem.memory.spatial import FreeSpaceMap
from embodied_mem.perception.pipeline import build_perceiver
from embodied_mem.perception.relocalize import PoseCorrection, PoseCorrector, RelocalizeConfig
from embodied_mem.perception.segmenters.noisy import NoisySegmenterConfig
from envs.ground_truth import GroundTruth
from envs.types import AgentPose, CameraIntrinsics, Observation, SimTime

INTR = CameraIntrinsics(fx=80.0, fy=80.0, cx=79.5, cy=59.5, width=160, height=120)
CAMERA_HEIGHT = 1.0
# An L-shaped room with a box in it (no symmetry a shift could exploit): wall segments (x0, y0, x1, y1).
WALLS = [
    (0.0, 0.0, 6.0, 0.0),
    (6.0, 0.0, 6.0, 3.0),
    (6.0, 3.0, 3.5, 3.0),
    (3.5, 3.0, 3.5, 5.0),
    (3.5, 5.0, 0.0, 5.0),
    (0.0, 5.0, 0.0, 0.0),
    (2.0, 1.5, 2.8, 1.5),
    (2.8, 1.5, 2.8, 2.1),
    (2.8, 2.1, 2.0, 2.1),
    (2.0, 2.1, 2.0, 1.5),
]


def _pose(x: float, y: float, yaw: float) -> np.ndarray:
    """Camera-to-world of a level camera at ``CAMERA_HEIGHT`` facing ``yaw`` (optical frame)."""
    f = np.array([math.cos(yaw), math.sin(yaw), 0.0])
    right = np.array([math.sin(yaw), -math.cos(yaw), 0.0])
    out = np.eye(4)
    out[:3, :3] = np.stack([right, [0.0, 0.0, -1.0], f], axis=1)
    out[:3, 3] = (x, y, CAMERA_HEIGHT)
    return out


def _render(x: float, y: float, yaw: float) -> np.ndarray:
    """(H, W) float32 optical depth of the room (walls 2.5 m high, floor at z = 0)."""
    pose = _pose(x, y, yaw)
    v, u = np.mgrid[0 : INTR.height, 0 : INTR.width]
    rays = (
        np.stack([(u - INTR.cx) / INTR.fx, (v - INTR.cy) / INTR.fy, np.ones(u.shape)], axis=-1)
        @ pose[:3, :3].T
    )  # world direction per unit optical depth
    depth = np.full(u.shape, np.inf)
    down = rays[..., 2] < -1e-9
    depth[down] = CAMERA_HEIGHT / -rays[..., 2][down]  # the floor
    for x0, y0, x1, y1 in WALLS:
        ex, ey = x1 - x0, y1 - y0
        den = rays[..., 0] * ey - rays[..., 1] * ex
        with np.errstate(divide="ignore", invalid="ignore"):
            t = ((x0 - x) * ey - (y0 - y) * ex) / den
            s = ((x0 - x) * rays[..., 1] - (y0 - y) * rays[..., 0]) / den
        z = CAMERA_HEIGHT + t * rays[..., 2]
        hit = (np.abs(den) > 1e-12) & (t > 0) & (s >= 0) & (s <= 1) & (z >= 0) & (z <= 2.5)
        depth = np.where(hit & (t < depth), t, depth)
    depth[~np.isfinite(depth)] = 0.0
    return depth.astype(np.float32)


def _frame(x: float, y: float, yaw: float, frame: int = 0) -> Observation:
    return Observation(
        depth=_render(x, y, yaw),
        intrinsics=INTR,
        cam_to_world=_pose(x, y, yaw),
        agent=AgentPose((x, y, 0.0), yaw),
        time=SimTime(float(frame), 0, "06:00"),
        frame_index=frame,
    )


VIEWS = [(1.0, 1.0, a) for a in np.linspace(0.0, 2 * math.pi, 12, endpoint=False)] + [
    (4.5, 1.5, a) for a in np.linspace(0.0, 2 * math.pi, 12, endpoint=False)
]


@pytest.fixture(scope="module")
def room_map() -> FreeSpaceMap:
    """The agent's own map of the room from exact poses (two look-arounds)."""
    fmap = FreeSpaceMap()
    for i, view in enumerate(VIEWS):
        fmap.update(_frame(*view, frame=i))
    return fmap


def _error(obs: Observation, x: float, y: float, yaw: float) -> tuple[float, float]:
    return (
        float(np.hypot(obs.agent.position[0] - x, obs.agent.position[1] - y)),
        abs(math.remainder(obs.agent.yaw - yaw, math.tau)),
    )


def test_a_known_pose_error_is_recovered_on_the_agents_own_map(room_map) -> None:  # noqa: ANN001
    truth = (1.2, 1.4, 0.4)
    wrong = PoseCorrection(0.06, -0.04, 0.02)  # 7 cm and 1.1 degrees off: 12 cm at 5 m
    corrector = PoseCorrector(RelocalizeConfig(every=1, gain=1.0))
    corrector.attach(room_map)
    seen = wrong.apply(_frame(*truth))
    out = corrector.correct(seen)
    assert corrector.accepted == 1
    pos, yaw = _error(out, *truth)
    assert pos < 0.035 and yaw < math.radians(0.35), (pos, math.degrees(yaw))
    # Later estimates carry the correction too (the pose the policies act on).
    later = corrector.apply(wrong.apply(_frame(*truth)))
    assert _error(later, *truth) == _error(out, *truth)


def test_an_exact_pose_is_left_alone(room_map) -> None:  # noqa: ANN001
    corrector = PoseCorrector(RelocalizeConfig(every=1))
    corrector.attach(room_map)
    for i, view in enumerate(VIEWS[::6]):
        frame = _frame(*view, frame=i)
        out = corrector.correct(frame)
        np.testing.assert_array_equal(out.cam_to_world, frame.cam_to_world)
    assert corrector.attempts > 0 and corrector.accepted == 0
    assert corrector.correction.is_identity


def test_a_match_that_is_not_clearly_better_leaves_the_pose_unchanged(room_map) -> None:  # noqa: ANN001
    wrong = PoseCorrection(0.06, -0.04, 0.02)
    corrector = PoseCorrector(RelocalizeConfig(every=1, min_gain=1.0))  # no gain is enough
    corrector.attach(room_map)
    seen = wrong.apply(_frame(1.2, 1.4, 0.4))
    out = corrector.correct(seen)
    assert corrector.attempts == 1 and corrector.accepted == 0
    assert not corrector.last_match.accepted and not corrector.last_match.shift.is_identity
    np.testing.assert_array_equal(out.cam_to_world, seen.cam_to_world)
    assert out.agent == seen.agent
    # Too few obstacle points (a view of open floor): no match is tried at all.
    blank = PoseCorrector(RelocalizeConfig(every=1, min_points=10**6))
    blank.attach(room_map)
    assert blank.correct(seen).agent == seen.agent and blank.attempts == 0


def test_only_a_drifting_pose_estimate_gets_a_corrector() -> None:
    gt = GroundTruth(objects={}, rooms={})
    assert build_perceiver("oracle", ground_truth=gt).corrector is None
    still = NoisySegmenterConfig(pose_drift_trans_std=0.0, pose_drift_yaw_std=0.0)
    assert build_perceiver("noisy", ground_truth=gt, config=still).corrector is None
    assert build_perceiver("noisy", ground_truth=gt).corrector is not None
    off = RelocalizeConfig(enabled=False)
    assert build_perceiver("noisy", ground_truth=gt, relocalize=off).corrector is None


def test_a_yaw_error_beyond_a_degree_and_a_half_is_recovered_with_the_defaults(room_map) -> None:  # noqa: ANN001
    # The noisy backend's yaw drift is a random walk of 1 mrad per frame (1.7 degrees spread
    # after 900 frames, 3 degrees seen on full-0009); a search window that stops short of the
    # error puts the best shift on its edge, and such matches are rejected.
    truth = (1.2, 1.4, 0.4)
    wrong = PoseCorrection(0.02, -0.01, 0.045)  # 2.6 degrees: 20 cm at 5 m
    corrector = PoseCorrector(RelocalizeConfig(every=1, gain=1.0))
    corrector.attach(room_map)
    out = corrector.correct(wrong.apply(_frame(*truth)))
    assert corrector.accepted == 1
    pos, yaw = _error(out, *truth)
    assert pos < 0.035 and yaw < math.radians(0.5), (pos, math.degrees(yaw))


def test_matches_are_tried_every_n_frames_of_the_env_skipped_ones_included(room_map) -> None:  # noqa: ANN001
    # A walk's stride keeps frames from memory; the drift grows over them all the same, so
    # the corrector counts the env's frames: with every=5 and every third frame ingested, a
    # match is tried at every second ingested frame (6 env frames apart).
    tried: list[int] = []
    corrector = PoseCorrector(RelocalizeConfig(every=5))
    corrector.attach(room_map)
    real = corrector.match

    def match(obs: Observation):  # noqa: ANN202
        tried.append(obs.frame_index)
        return real(obs)

    corrector.match = match  # type: ignore[method-assign]
    for frame in range(0, 31, 3):
        corrector.correct(_frame(1.2, 1.4, 0.4, frame=frame))
    assert tried == [6, 12, 18, 24, 30]
    tried.clear()
    corrector.reset()
    for frame in range(1, 11):  # every frame ingested: every fifth, as before
        corrector.correct(_frame(1.2, 1.4, 0.4, frame=frame))
    assert tried == [5, 10]
