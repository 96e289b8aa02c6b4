"""docs/tasks.md (the task spec shipped with the project) agrees with the template registry."""

from __future__ import annotations

import math
import re
from pathlib import Path

from embodied_mem.benchmark.success import SuccessThresholds
from embodied_mem.benchmark.task import FAMILIES, FAMILY_OF, PHRASINGS

TASKS_DOC = Path(__file__).resolve().parents[2] / "docs" / "tasks.md"


def spec_templates() -> dict[str, tuple[str, str]]:
    """Template id -> (phrasing without trailing notes, family named by its heading)."""
    out: dict[str, tuple[str, str]] = {}
    family = ""
    for line in TASKS_DOC.read_text(encoding="utf-8").splitlines():
        heading = re.search(r"— family `(\w+)`$", line)
        if heading:
            family = heading.group(1)
        m = re.match(r"- (T\d\d) (.+)", line.strip())
        if m:
            # Drop trailing notes in parentheses ("(answer: ...)", "(it has moved since)").
            out[m.group(1)] = (re.sub(r"\s*\([^)]*\)?\s*$", "", m.group(2)).strip(), family)
    return out


def _slotless(text: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", text)


def test_every_template_is_specified_with_its_phrasing_and_family() -> None:
    spec = spec_templates()
    assert set(spec) == set(PHRASINGS), set(spec) ^ set(PHRASINGS)
    wrong = {
        tid: (text, PHRASINGS[tid])
        for tid, (text, _) in spec.items()
        if _slotless(text) != _slotless(PHRASINGS[tid])
    }
    assert not wrong, wrong
    families = {tid: fam for tid, (_, fam) in spec.items()}
    assert families == FAMILY_OF
    assert list(dict.fromkeys(families.values())) == list(FAMILIES)  # same order as reports


def test_success_thresholds_are_the_scoring_defaults() -> None:
    text = " ".join(TASKS_DOC.read_text(encoding="utf-8").split())
    t = SuccessThresholds()
    assert f"object ≤ {t.object_distance:.1f} m" in text
    assert math.isclose(t.object_facing, math.pi / 4) and "within π/4" in text
    assert f"≥ {t.object_min_pixel_fraction * 100:.1f} % of the pixels" in text
    assert f"within {t.receptacle_distance:.1f} m of the receptacle" in text
    assert math.isclose(t.receptacle_facing, math.pi / 2) and "within π/2" in text


def test_readme_points_at_the_spec_in_the_repository() -> None:
    readme = (TASKS_DOC.parents[1] / "README.md").read_text(encoding="utf-8")
    assert "docs/tasks.md" in readme and "shared/TASKS.md" not in readme
