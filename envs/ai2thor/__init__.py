"""AI2-THOR adapter (extra ``ai2thor``).

Importing this package, :mod:`envs.ai2thor.config`, :mod:`envs.ai2thor.frames` or
:mod:`envs.ai2thor.conversions` never imports ``ai2thor``; only building
:class:`envs.ai2thor.env.AI2ThorEnv` does.
"""

from __future__ import annotations

from envs.ai2thor.config import AI2ThorConfig

__all__ = ["AI2ThorConfig"]
