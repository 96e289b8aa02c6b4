"""Shared fixtures for the simulator-adapter tests: real recorded data from ../shared/fixtures."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from sim_paths import HABITAT_FAKE, HABITAT_FRAMES, THOR_METADATA  # puts the fakes on sys.path
from thor_synth import build_event


@pytest.fixture(scope="session")
def thor_metadata() -> dict:
    if not THOR_METADATA.exists():
        pytest.skip(f"AI2-THOR fixture metadata not found at {THOR_METADATA} (../shared/fixtures)")
    return json.loads(THOR_METADATA.read_text())


@pytest.fixture(scope="session")
def thor_event(thor_metadata: dict):
    md = thor_metadata
    return build_event(
        md, md["actionReturn"]["cameraNearPlane"], md["actionReturn"]["cameraFarPlane"]
    )


@pytest.fixture(scope="session")
def habitat_frames_dir() -> Path:
    if not (HABITAT_FRAMES / "17DRP5sb8fy-depth_sensor.npy").exists():
        pytest.skip(f"habitat reference renders not found at {HABITAT_FRAMES} (../shared/fixtures)")
    return HABITAT_FRAMES


def _drop_habitat_modules() -> None:
    for name in [m for m in sys.modules if m.split(".")[0] in ("habitat_sim", "magnum")]:
        del sys.modules[name]


@pytest.fixture()
def fake_habitat(monkeypatch: pytest.MonkeyPatch):
    """Import the strict fake habitat-sim; call the fixture's value with a version to imitate."""

    def use(version: str = "0.3.4"):
        _drop_habitat_modules()
        monkeypatch.setenv("FAKE_HABITAT_SIM_VERSION", version)
        import habitat_sim

        return habitat_sim

    monkeypatch.syspath_prepend(str(HABITAT_FAKE))
    yield use
    _drop_habitat_modules()
