"""Make ai2thor and habitat-sim look uninstalled in this Python process (test helper).

Put this folder first on ``PYTHONPATH``: Python imports ``sitecustomize`` at start-up, and
this one wraps the path-based finder so ``importlib.util.find_spec`` returns None for the
simulator packages and importing them raises ModuleNotFoundError, as on a machine without them.
"""

import sys

HIDDEN = {"ai2thor", "habitat_sim", "magnum"}


class _HideSimulators:
    def __init__(self, inner):
        self._inner = inner

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in HIDDEN:
            return None
        return self._inner.find_spec(name, path, target)

    def __getattr__(self, attr):
        return getattr(self._inner, attr)


sys.meta_path[:] = [
    _HideSimulators(f) if getattr(f, "__name__", "") == "PathFinder" else f for f in sys.meta_path
]
