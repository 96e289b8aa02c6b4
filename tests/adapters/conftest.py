"""Shared fixtures for the simulator-adapter tests: real recorded data from ../shared/fixtures."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

# The strict simulator fakes (tests/fakes) import by plain module name, as the CLI tests do.
FAKES = Path(__file__).resolve().parents[1] / "fakes"
sys.path.insert(0, str(FAKES))

from thor_synth import build_event  # noqa: E402 - needs FAKES on sys.path

FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures"
THOR_METADATA = FIXTURES / "ai2thor" / "instance_segmentation_metadata.json"
HABITAT_FRAMES = FIXTURES / "habitat_mp3d_gt_frames"


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


HABITAT_FAKE = FAKES / "habitat"
HABITAT_SCENES = HABITAT_FAKE / "scenes"


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
