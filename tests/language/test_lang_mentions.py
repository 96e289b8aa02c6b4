"""Slot mentions: clock times, day counts, durations, ordinals and vocabulary words."""

from __future__ import annotations

import pytest

from embodied_mem.language.lexicon import lemma, normalize
from embodied_mem.language.mentions import find_mentions
from embodied_mem.language.vocabulary import Vocabulary, default_vocabulary

VOCAB = default_vocabulary()


def mentions(text: str, vocab: Vocabulary = VOCAB) -> list[tuple[str, tuple[str, ...]]]:
    return [(m.kind, m.values) for m in find_mentions(normalize(text)[0], vocab)]


@pytest.mark.parametrize(
    ("text", "times"),
    [
        ("at 10:15 yesterday", ["10:15"]),
        ("at 10 am", ["10:00"]),
        ("at 10am", ["10:00"]),
        ("at 2 pm", ["14:00"]),
        ("at 4:30 pm", ["16:30"]),
        ("at 9.30", ["09:30"]),
        ("at quarter past ten", ["10:15"]),
        ("at half past three", ["15:30"]),  # the task day runs 06:00-22:00
        ("at quarter to nine", ["08:45"]),
        ("at noon", ["12:00"]),
        ("at 9 o'clock", ["09:00"]),
        ("at 3", ["15:00"]),
        ("at ten fifteen", ["10:15"]),
        ("between 9:00 and 11:00", ["09:00", "11:00"]),
        ("between half past eight and ten", ["08:30", "10:00"]),
        ("from 3 to 5 pm", ["15:00", "17:00"]),
    ],
)
def test_clock_times(text: str, times: list[str]) -> None:
    assert [v[0] for k, v in mentions(text) if k == "time"] == times


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("2 days ago", "days", "2"),
        ("three days ago", "days", "3"),
        ("the day before yesterday", "days", "2"),
        ("over the last 3 days", "days", "3"),
        ("in the past two days", "days", "2"),
        ("about 40 seconds", "seconds", "40"),
        ("around half a minute", "seconds", "30"),
        ("about a minute", "seconds", "60"),
        ("the third item", "ordinal", "third"),
        ("the 4th object", "ordinal", "fourth"),
        # the large setting's 20 picks a day: "the 14th object you picked up" (T13)
        ("the 14th object", "ordinal", "fourteenth"),
        ("the twentieth object", "ordinal", "twentieth"),
        ("the second thing", "ordinal", "second"),
        ("yesterday evening", "period", "evening"),
        ("last night", "period", "evening"),
    ],
)
def test_counts_durations_ordinals_periods(text: str, kind: str, value: str) -> None:
    assert mentions(text) == [(kind, (value,))]


def test_numbers_in_other_roles_are_not_times() -> None:
    assert mentions("one of the things, one by one") == []
    assert [k for k, _ in mentions("the last 3 days at 10:15")] == ["days", "time"]


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("the couch", "receptacle", "Sofa"),
        ("the fridge", "receptacle", "Fridge"),
        ("the refrigerator", "receptacle", "Fridge"),
        ("the counter", "receptacle", "CounterTop"),
        ("the remote", "object", "RemoteControl"),
        ("my keys", "object", "KeyChain"),
        ("the phone", "object", "CellPhone"),
        ("the alarm clock", "object", "AlarmClock"),
        ("the apples", "object", "Apple"),
        ("the shelves", "receptacle", "Shelf"),
        ("the tomatoes", "object", "Tomato"),
        ("the lounge", "room", "living_room"),
        ("the living room", "room", "living_room"),
        ("a grey one", "color", "gray"),
        ("a wooden thing", "material", "wood"),
        ("a metallic item", "material", "metal"),
        ("made of glass", "material", "glass"),
        ("a ball-shaped thing", "shape", "round"),
        ("a boxy item", "shape", "rectangular"),
    ],
)
def test_vocabulary_synonyms_and_morphology(text: str, kind: str, value: str) -> None:
    assert mentions(text) == [(kind, (value,))]


def test_a_word_with_two_kinds_reads_by_context() -> None:
    assert mentions("the soap") == [("object", ("SoapBar",))]
    assert mentions("a soap object") == [("material", ("soap",))]


def test_ambiguous_word_keeps_every_reading_until_memory_decides() -> None:
    assert mentions("the table") == [("receptacle", ("DiningTable", "CoffeeTable", "SideTable"))]
    vocab = default_vocabulary()
    vocab.add("receptacle", "table", "Table")  # a memory with a category called Table
    vocab.resolve_ambiguous()
    assert mentions("the table", vocab) == [("receptacle", ("Table",))]


def test_lemma_and_normalize() -> None:
    assert [lemma(w) for w in ("shelves", "glasses", "boxes", "keys", "bus", "glass")] == [
        "shelf",
        "glass",
        "box",
        "key",
        "bus",
        "glass",
    ]
    tokens, question = normalize("Where'd you put it, yesterday?")
    assert tokens == ["where", "did", "you", "put", "it", "|", "yesterday", "|"] and question
