"""Memory tests: make the repo's real packages importable.

The editable install was made while ``scene_graph/`` and ``embodied_mem/memory/`` were still
empty, so its finder maps them as namespace packages (no exports). Putting the repo root first
on ``sys.path`` lets the normal path finder see the real packages. Harmless once the project
is reinstalled (``pip install -e .``).
"""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
for _name in [m for m in list(sys.modules) if m.split(".")[0] == "scene_graph"
              or m.startswith("embodied_mem.memory")]:
    if getattr(sys.modules[_name], "__file__", None) is None:
        del sys.modules[_name]
