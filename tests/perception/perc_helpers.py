"""Synthetic frames, the real ICL-NUIM fixture loader and a tiny offline CLIP tokenizer."""

from __future__ import annotations

import functools
import string
from pathlib import Path

import numpy as np
import pytest

from envs.types import AgentPose, CameraIntrinsics, Observation, SimTime

FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures"
ICL = FIXTURES / "rgbd" / "open3d_icl_livingroom1_clean_50frames"

INTR = CameraIntrinsics(fx=100.0, fy=100.0, cx=63.5, cy=47.5, width=128, height=96)


def make_obs(
    depth: np.ndarray,
    *,
    ids: np.ndarray | None = None,
    names: dict[int, str] | None = None,
    pose: np.ndarray | None = None,
    frame: int = 0,
    rgb: np.ndarray | None = None,
    intrinsics: CameraIntrinsics = INTR,
) -> Observation:
    return Observation(
        depth=depth.astype(np.float32),
        intrinsics=intrinsics,
        cam_to_world=np.eye(4) if pose is None else pose,
        agent=AgentPose((0.0, 0.0, 0.0), 0.0),
        time=SimTime(float(frame), 0, "06:00"),
        rgb=rgb,
        instance_ids=ids,
        instance_names=names or {},
        frame_index=frame,
    )


def box_scene(frame: int = 0, shift_px: int = 0) -> Observation:
    """A wall at 3 m with three boxes in front: ids 1 (Mug, 2 m), 2 (Apple, 2.2 m, touching 1),
    3 (Sofa, 1.5 m, apart)."""
    depth = np.full((96, 128), 3.0, np.float32)
    ids = np.zeros((96, 128), np.int32)
    for iid, (r0, r1, c0, c1, z) in {
        1: (30, 60, 20, 45, 2.0),
        2: (30, 60, 45, 65, 2.2),
        3: (20, 70, 85, 115, 1.5),
    }.items():
        c0, c1 = c0 + shift_px, c1 + shift_px
        depth[r0:r1, c0:c1] = z
        ids[r0:r1, c0:c1] = iid
    return make_obs(depth, ids=ids, names={1: "mug_1", 2: "apple_1", 3: "sofa_1"}, frame=frame)


BOX_CATEGORIES = {"mug_1": "Mug", "apple_1": "Apple", "sofa_1": "Sofa"}


def icl_frames(indices: list[int]) -> list[Observation]:
    """Real ICL-NUIM frames (depth in mm PNG → metres) with the trajectory.log poses."""
    if not ICL.is_dir():
        pytest.skip(f"real RGB-D fixture missing at {ICL} (shared/fixtures not checked out)")
    intr = CameraIntrinsics(fx=525.0, fy=525.0, cx=319.5, cy=239.5, width=640, height=480)
    out = []
    for i in indices:
        depth, rgb, pose = _icl_raw(i)
        out.append(
            make_obs(depth.copy(), pose=pose.copy(), frame=i, rgb=rgb.copy(), intrinsics=intr)
        )
    return out


@functools.lru_cache(maxsize=64)
def _icl_raw(i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from PIL import Image

    lines = (ICL / "trajectory.log").read_text().split("\n")
    pose = np.array([[float(x) for x in lines[5 * i + 1 + r].split()] for r in range(4)])
    depth = np.asarray(Image.open(ICL / "depth" / f"{i:05d}.png")).astype(np.float32) / 1000.0
    rgb = np.asarray(Image.open(ICL / "image" / f"{i:05d}.jpg").convert("RGB"))
    return depth, rgb, pose


def tiny_clip_tokenizer():
    """A CLIP BPE tokenizer over single lowercase letters, built offline."""
    from transformers import CLIPTokenizer

    vocab: dict[str, int] = {}
    for ch in string.ascii_lowercase:
        vocab[ch] = len(vocab)
        vocab[ch + "</w>"] = len(vocab)
    # Specials go last, as in CLIP: OWL-ViT treats a query whose first id is 0 as padding,
    # and pools text at the highest id (end-of-text).
    vocab["<|startoftext|>"] = len(vocab)
    vocab["<|endoftext|>"] = len(vocab)
    return CLIPTokenizer(vocab=vocab, merges=[], model_max_length=16)
