"""Every phrasing of docs/tasks.md, with slots filled, parses back to its own template."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from embodied_mem.planner.instructions import UnknownInstructionError, parse_instruction

TASKS_MD = Path(__file__).resolve().parents[2] / "docs" / "tasks.md"
SLOT_VALUES = {
    "category": "Mug",
    "category_a": "Bowl",
    "category_b": "Book",
    "receptacle": "CounterTop",
    "receptacle_category": "Cabinet",
    "openable_receptacle": "Fridge",
    "room": "living room",
    "HH:MM": "10:15",
    "color": "red",
    "shape": "round",
    "material": "wooden",
    "N": "2",
    "ordinal": "third",
    "morning|afternoon|evening": "afternoon",
}


def _templates() -> list[tuple[str, str]]:
    rows = []
    for line in TASKS_MD.read_text().splitlines():
        m = re.match(r"^- (T\d\d) (.+?)(?: \(answer:.*)?$", line.strip())
        if m:
            rows.append((m.group(1), m.group(2)))
    assert len(rows) == 63
    return rows


def _fill(text: str) -> str:
    text = re.sub(r"\(it has moved since\)|\(open it first, close it after\)", "", text).strip()
    return re.sub(r"\{([^}]+)\}", lambda m: SLOT_VALUES[m.group(1)], text)


def test_every_template_phrasing_parses_to_its_id() -> None:
    wrong = {}
    for template, phrasing in _templates():
        parsed = parse_instruction(_fill(phrasing))
        expected = "T19" if template in ("T20", "T21") else template  # same phrasing, see docstring
        if parsed.template != expected:
            wrong[template] = (phrasing, parsed.template)
    assert not wrong, wrong


def test_slots_are_extracted() -> None:
    parsed = parse_instruction(
        "Navigate to an object you interacted with between 09:05 and 11:40 yesterday."
    )
    assert parsed.slots == {"time_a": "09:05", "time_b": "11:40"}
    assert parse_instruction("Navigate to the fifth object you picked up yesterday.").slots == {
        "ordinal": "fifth"
    }


def test_unknown_instruction_is_reported_not_guessed() -> None:
    with pytest.raises(UnknownInstructionError, match="matches no template"):
        parse_instruction("Dance in the kitchen.")
