"""Regenerate the README pictures from a real recorded run::

    MUJOCO_GL=egl python -m embodied_mem.viz.readme_images [--out docs/images] [--seed 0]

Records a built-in-house run (ORACLE perception, a room tour and pick-and-place), then writes
``memory_topdown.png`` (the top-down map of the memory at the end) and ``memory_html.png``
(a headless-Chromium screenshot of the interactive HTML view).
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from pathlib import Path

from PIL import Image

from embodied_mem.replay.demo import DemoConfig, record_demo_run
from embodied_mem.viz.browser import screenshot_html
from embodied_mem.viz.html import save_html
from embodied_mem.viz.source import view_from_memory
from embodied_mem.viz.topdown import save_topdown

logger = logging.getLogger(__name__)
MAX_BYTES = 300_000


def _shrink(png: Path) -> None:
    """Palette-quantise a PNG that is over the README budget (pictures stay readable)."""
    if png.stat().st_size <= MAX_BYTES:
        return
    img = Image.open(png).convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT)
    img.save(png, optimize=True)
    logger.info("%s quantised to %d bytes", png, png.stat().st_size)


def make_images(
    out: Path, seed: int = 0, walk_steps: int = 80, interactions: int = 3
) -> list[Path]:
    """Record a run and write the two README pictures into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        memory = record_demo_run(
            Path(tmp) / "run",
            DemoConfig(
                seed=seed, walk_steps=walk_steps, interactions=interactions, width=320, height=240
            ),
        )
        view = view_from_memory(memory, title=f"built-in house seed {seed}")
        top = save_topdown(view, out / "memory_topdown.png")
        html = save_html(view, Path(tmp) / "view.html")
        shot = out / "memory_html.png"
        errors = screenshot_html(html, shot)
        if errors:
            raise RuntimeError(f"the HTML view logged errors in Chromium: {errors}")
    for png in (top, shot):
        _shrink(png)
    return [top, shot]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/images"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for path in make_images(args.out, args.seed):
        logger.info("wrote %s (%d bytes)", path, path.stat().st_size)


if __name__ == "__main__":
    main()
