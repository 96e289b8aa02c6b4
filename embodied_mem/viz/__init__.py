"""Visualisations of a memory (``viz`` extra): top-down PNG (matplotlib), interactive HTML of
the 3D scene graph with a time slider (plotly) and rerun ``.rrd`` recordings of a run.

Modules are imported on use so the core package never needs matplotlib, plotly or rerun:
:mod:`embodied_mem.viz.source` (what is drawn), :mod:`embodied_mem.viz.topdown`,
:mod:`embodied_mem.viz.html`, :mod:`embodied_mem.viz.rerun_export`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from embodied_mem.lazy import lazy_exports

if TYPE_CHECKING:
    from embodied_mem.viz.source import MemoryView, load_view, view_from_memory, view_from_state

# Imported on first use, so importing one submodule does not load its siblings.
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".source": ("MemoryView", "load_view", "view_from_memory", "view_from_state"),
    },
)

__all__ = ["MemoryView", "load_view", "view_from_memory", "view_from_state"]
