"""`embodied-mem tour`: walk through a built-in house and save what the agent saw.

Writes RGB, depth (colour-mapped) and instance-mask PNGs for a few frames, a labelled contact
sheet (column headers, frame numbers, a depth colour bar in metres), a top-down map to scale
(legend, axes in metres, scale bar, the walked path) and the resolved env config.
"""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np
from rich.progress import track

from embodied_mem.config import load_config, save_config
from embodied_mem.tour_figures import contact_sheet_figure, save_figure, tour_map_figure
from envs.builtin.config import BuiltinEnvConfig
from envs.builtin.env import BuiltinHouseEnv
from envs.builtin.walk import scripted_walk
from envs.types import Observation

logger = logging.getLogger(__name__)


def colorize_depth(depth: np.ndarray, max_depth: float = 8.0) -> np.ndarray:
    """(H, W) metres → (H, W, 3) uint8 RGB (turbo colour map; no reading = black)."""
    valid = np.isfinite(depth) & (depth > 0)
    scaled = np.clip(np.where(valid, depth, 0) / max_depth * 255.0, 0, 255).astype(np.uint8)
    rgb = cv2.cvtColor(cv2.applyColorMap(scaled, cv2.COLORMAP_TURBO), cv2.COLOR_BGR2RGB)
    rgb[~valid] = 0
    return rgb


def colorize_instances(ids: np.ndarray) -> np.ndarray:
    """(H, W) int32 instance ids → (H, W, 3) uint8 RGB with a stable colour per id (0 = black)."""
    rng = np.random.default_rng(7)
    palette = rng.integers(40, 255, size=(int(ids.max()) + 1, 3), dtype=np.uint8)
    palette[0] = 0
    return palette[ids]


def frame_panels(obs: Observation) -> list[np.ndarray]:
    """RGB (if rendered), depth and instance panels of one observation."""
    panels = [obs.rgb] if obs.rgb is not None else []
    panels.append(colorize_depth(obs.depth))
    if obs.instance_ids is not None:
        panels.append(colorize_instances(obs.instance_ids))
    return panels


def busiest_frames(observations: list[Observation], n: int) -> list[int]:
    """``n`` frame indices, one per equal stretch of the walk: the frame of the stretch that
    shows the most instances (a view of furniture rather than of a bare wall)."""
    stretches = np.array_split(np.arange(len(observations)), min(n, len(observations)))
    picks = []
    for stretch in stretches:
        seen = [
            len(np.unique(observations[i].instance_ids))
            if observations[i].instance_ids is not None
            else 0
            for i in stretch
        ]
        picks.append(int(stretch[int(np.argmax(seen))]))
    return picks


def _write_rgb(path: Path, rgb: np.ndarray) -> None:
    if not cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)):
        raise OSError(f"could not write {path}; check the directory is writable")


def run_tour(
    out: Path,
    *,
    seed: int = 0,
    steps: int = 120,
    overrides: list[str] | None = None,
    n_saved: int = 6,
) -> Path:
    """Walk ``steps`` steps through the house of ``seed`` and write the pictures into ``out``."""
    config = load_config(BuiltinEnvConfig, overrides=overrides)
    out.mkdir(parents=True, exist_ok=True)
    save_config(config, out / "env_config.yaml")
    with BuiltinHouseEnv(config) as env:
        walk = scripted_walk(env, steps, seed=seed)
        house = env.house
    saved = [walk.observations[i] for i in busiest_frames(walk.observations, n_saved)]
    names = {room.id: room.name for room in house.rooms}
    for obs in track(saved, description="saving frames"):
        panels = frame_panels(obs)
        for name, panel in zip(("rgb", "depth", "instances")[-len(panels) :], panels, strict=True):
            _write_rgb(out / f"frame{obs.frame_index:04d}_{name}.png", panel)
    sheet = contact_sheet_figure(
        saved,
        colorize_instances,
        f"Tour of built-in house {seed}: {len(saved)} of {len(walk.observations)} frames",
        names,
    )
    save_figure(sheet, out / "contact_sheet.png")
    tour_map = tour_map_figure(
        house,
        walk.path,
        f"Built-in house {seed}: {len(walk.path) - 1} steps through "
        + " → ".join(names.get(r, r) for r in walk.rooms),
    )
    save_figure(tour_map, out / "topdown.png")
    logger.info(
        "tour of house %d: %d steps through rooms %s",
        seed,
        len(walk.path) - 1,
        " → ".join(walk.rooms),
    )
    return out
