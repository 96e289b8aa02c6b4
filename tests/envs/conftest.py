"""Shared fixtures for the env tests: small built-in houses rendered headless."""

from __future__ import annotations

import os

os.environ.setdefault("MUJOCO_GL", "egl")

import pytest  # noqa: E402
from builtin_helpers import SMALL  # noqa: E402

from envs.builtin.config import BuiltinEnvConfig  # noqa: E402
from envs.builtin.env import BuiltinHouseEnv  # noqa: E402


@pytest.fixture(scope="module")
def small_env():
    """A 160x120 env on seed 0, shared by a module's tests (each test resets it)."""
    env = BuiltinHouseEnv(BuiltinEnvConfig(**SMALL))
    env.reset(seed=0)
    yield env
    env.close()
