"""Where the adapter tests find the strict simulator fakes and the recorded fixtures.

A plain module rather than conftest constants: `from conftest import …` resolves to whichever
conftest.py pytest imported last, which in a multi-folder run is another folder's.
"""

from __future__ import annotations

import sys
from pathlib import Path

# The strict simulator fakes (tests/fakes) import by plain module name, as the CLI tests do.
FAKES = Path(__file__).resolve().parents[1] / "fakes"
if str(FAKES) not in sys.path:
    sys.path.insert(0, str(FAKES))

FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures"
THOR_METADATA = FIXTURES / "ai2thor" / "instance_segmentation_metadata.json"
HABITAT_FRAMES = FIXTURES / "habitat_mp3d_gt_frames"
HABITAT_FAKE = FAKES / "habitat"
HABITAT_SCENES = HABITAT_FAKE / "scenes"
