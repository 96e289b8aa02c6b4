"""Make ``import scene_graph`` resolve to this checkout's regular package.

An editable install made before ``scene_graph/__init__.py`` existed maps the package as a
namespace (no exports); putting the repo root first on ``sys.path`` lets the normal path
finder see the real package. Harmless once the project is reinstalled.
"""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
_mod = sys.modules.get("scene_graph")
if _mod is not None and getattr(_mod, "__file__", None) is None:
    for name in [m for m in sys.modules if m == "scene_graph" or m.startswith("scene_graph.")]:
        del sys.modules[name]
