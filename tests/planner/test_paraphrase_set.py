"""The paraphrase sets (issue 15 part 2) are well formed, cover every template, and are frozen.

Frozen means: a file may change only together with a CHANGELOG.md line recording its new
sha256 and the reason, so the set cannot quietly drift towards what the parser handles.
"""

from __future__ import annotations

import hashlib
import re
import string
from pathlib import Path

import pytest
import yaml

from embodied_mem.benchmark.task import PHRASINGS

HERE = Path(__file__).resolve().parent / "paraphrases"
SETS = {"tuned.yaml": 5, "heldout.yaml": 2}
PROBE = {
    "Where did you leave the statue yesterday?": "T59",
    "Go to wherever you put the candle.": "T26",
    "Could you put the apple into the cabinet?": "T57",
    "Navigate to a yellow thing you interacted with yesterday.": "T19",
}


def _recorded_hashes() -> dict[str, str]:
    last: dict[str, str] = {}
    for line in (HERE / "CHANGELOG.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.fullmatch(r"[0-9a-f]{64}", cells[2]):
            last[cells[1]] = cells[2]
    return last


@pytest.mark.parametrize("name", sorted(SETS))
def test_set_matches_the_hash_recorded_in_the_changelog(name: str) -> None:
    digest = hashlib.sha256((HERE / name).read_bytes()).hexdigest()
    recorded = _recorded_hashes().get(name)
    assert digest == recorded, (
        f"{name} changed (sha256 {digest}) without a CHANGELOG.md line recording it "
        f"(last recorded: {recorded}); add a line saying why"
    )


def _slot_names(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(PHRASINGS[template]) if f}


@pytest.mark.parametrize("name", sorted(SETS))
def test_set_covers_every_template_with_the_phrasing_slots(name: str) -> None:
    data = yaml.safe_load((HERE / name).read_text())
    assert set(data) - {"none"} == set(PHRASINGS)
    for template, rows in data.items():
        if template == "none":
            assert all(isinstance(t, str) for t in rows)
            continue
        assert len(rows) >= SETS[name], template
        for text, slots in rows:
            assert set(slots) == _slot_names(template), (template, text)
    texts = [t for k, rows in data.items() if k != "none" for t, _ in rows] + data["none"]
    assert len(texts) == len(set(texts)), "duplicate sentences"


def test_tuned_set_holds_the_probe_examples() -> None:
    data = yaml.safe_load((HERE / "tuned.yaml").read_text())
    where = {text: t for t, rows in data.items() if t != "none" for text, _ in rows}
    assert {text: where.get(text) for text in PROBE} == PROBE


def test_held_out_sentences_are_not_in_the_tuned_set() -> None:
    def texts(name: str) -> set[str]:
        data = yaml.safe_load((HERE / name).read_text())
        return {t for k, rows in data.items() if k != "none" for t, _ in rows} | set(data["none"])

    assert not texts("tuned.yaml") & texts("heldout.yaml")
