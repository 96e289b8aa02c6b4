"""Fixtures for the policy tests: a ray-cast box world (fast) and, when it imports, the built-in env."""

from __future__ import annotations

import pytest
from pol_boxworld import BoxWorldEnv, two_room_world


@pytest.fixture
def boxworld() -> BoxWorldEnv:
    env = BoxWorldEnv(two_room_world())
    env.reset()
    return env
