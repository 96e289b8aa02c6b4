"""habitat-sim adapter (extra ``habitat``; habitat-sim itself comes from conda).

Importing this package, :mod:`envs.habitat.config`, :mod:`envs.habitat.frames` or
:mod:`envs.habitat.conversions` never imports ``habitat_sim``; only building
:class:`envs.habitat.env.HabitatEnv` does.
"""

from __future__ import annotations

from envs.habitat.config import HabitatConfig, HabitatObjectSpec

__all__ = ["HabitatConfig", "HabitatObjectSpec"]
