"""Exact TASKS.md phrasings parse to their own template with typed slot values."""

from __future__ import annotations

import re
from pathlib import Path

from embodied_mem.language.exact import match_exact
from embodied_mem.language.vocabulary import default_vocabulary

TASKS_MD = Path(__file__).resolve().parents[2] / "docs" / "tasks.md"
VOCAB = default_vocabulary()
SLOT_VALUES = {
    "category": "alarm clock",
    "category_a": "Bowl",
    "category_b": "Book",
    "receptacle": "counter top",
    "receptacle_category": "Cabinet",
    "openable_receptacle": "Fridge",
    "room": "living room",
    "HH:MM": "10:15",
    "color": "red",
    "shape": "round",
    "material": "wood",
    "N": "2",
    "ordinal": "third",
    "morning|afternoon|evening": "afternoon",
}
CANONICAL = {
    "category": "AlarmClock",
    "category_a": "Bowl",
    "category_b": "Book",
    "receptacle": "CounterTop",
    "receptacle_category": "Cabinet",
    "openable_receptacle": "Fridge",
    "room": "living_room",
    "time": "10:15",
    "start": "10:15",
    "end": "10:15",
    "period": "afternoon",
    "color": "red",
    "shape": "round",
    "material": "wood",
    "N": "2",
    "ordinal": "third",
}


def _spec() -> list[tuple[str, str]]:
    rows = []
    for line in TASKS_MD.read_text().splitlines():
        m = re.match(r"^- (T\d\d) (.+?)(?: \(answer:.*)?$", line.strip())
        if m:
            rows.append((m.group(1), m.group(2)))
    assert len(rows) == 63
    return rows


def _fill(text: str) -> str:
    text = re.sub(r"\(it has moved since\)", "", text).strip()
    return re.sub(r"\{([^}]+)\}", lambda m: SLOT_VALUES[m.group(1)], text)


def test_every_tasks_md_phrasing_matches_only_its_template() -> None:
    for template, phrasing in _spec():
        hits = match_exact(_fill(phrasing), VOCAB)
        assert [t for t, _ in hits] == [template], (template, phrasing, hits)
        template_slots = hits[0][1]
        assert all(CANONICAL[k] == v for k, v in template_slots.items()), (template, hits)


def test_slots_are_typed_by_the_vocabulary() -> None:
    assert match_exact("Navigate to a round object you interacted with yesterday.", VOCAB) == [
        ("T20", {"shape": "round"})
    ]
    assert match_exact("Navigate to a wood object you interacted with yesterday.", VOCAB) == [
        ("T21", {"material": "wood"})
    ]
    assert match_exact(
        "Navigate to an object you interacted with between 09:05 and 11:40 yesterday.", VOCAB
    ) == [("T09", {"start": "09:05", "end": "11:40"})]


def test_a_slot_that_is_not_a_noun_phrase_is_rejected() -> None:
    """The outside probe's wrong parse: T01 with category 'yellow thing you interacted with'."""
    assert match_exact("Navigate to a yellow thing you interacted with yesterday.", VOCAB) == []
    assert match_exact("Navigate to a purple object you interacted with yesterday.", VOCAB) == [
        ("T19", {"color": "purple"})
    ]


def test_unknown_category_words_still_parse_in_the_exact_phrasing() -> None:
    assert match_exact("Navigate to a garden gnome.", VOCAB) == [
        ("T01", {"category": "garden gnome"})
    ]
    assert match_exact("Navigate to a sparkly object you interacted with yesterday.", VOCAB) == []
