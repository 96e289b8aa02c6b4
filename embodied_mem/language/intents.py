"""The intents the parser knows: one per template of TASKS.md, in one table (``intents.yaml``).

Each :class:`Intent` says what a sentence must contain to mean it (mode, slots, needed and
allowed cue tags) and gives exemplar phrasings; the field meanings are documented at the top of
``intents.yaml``, next to this module.

Which intents are possible is decided by these rules; which of the possible ones is meant is
decided by sentence-embedding similarity to the exemplars (:mod:`embodied_mem.language.parser`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from embodied_mem.benchmark.task import FAMILY_OF, PHRASINGS
from embodied_mem.language.analysis import MODES
from embodied_mem.language.package_data import load_yaml


@dataclass(frozen=True)
class Intent:
    template: str
    mode: str
    slots: dict[str, tuple[str, ...]]
    needs: tuple[frozenset[str], ...]
    allows: frozenset[str]
    ignores: frozenset[str]
    """Mention kinds tolerated and dropped (T56's "yesterday morning" names no slot)."""
    exemplars: tuple[str, ...]

    @property
    def family(self) -> str:
        return FAMILY_OF[self.template]

    @property
    def phrasing(self) -> str:
        return PHRASINGS[self.template]


_FIELDS = frozenset({"mode", "slots", "needs", "allows", "ignores", "exemplars"})


def _intent(template: str, entry: dict[str, Any]) -> Intent:
    """One ``intents.yaml`` entry as an :class:`Intent` (unknown keys or modes are errors)."""
    unknown = set(entry) - _FIELDS
    if unknown:
        raise ValueError(f"intents.yaml: {template} has unknown keys {sorted(unknown)}")
    if entry.get("mode") not in MODES:
        raise ValueError(f"intents.yaml: {template} mode must be one of {MODES}")
    needs = str(entry.get("needs", ""))
    return Intent(
        template=template,
        mode=entry["mode"],
        slots={slot: tuple(kinds) for slot, kinds in (entry.get("slots") or {}).items()},
        needs=tuple(frozenset(group.split("|")) for group in needs.split()),
        allows=frozenset(str(entry.get("allows", "")).split()),
        ignores=frozenset(str(entry.get("ignores", "")).split()),
        exemplars=tuple(entry.get("exemplars", ())),
    )


def _load_intents() -> dict[str, Intent]:
    table = load_yaml("intents.yaml")
    if set(table) != set(PHRASINGS):
        missing, extra = sorted(set(PHRASINGS) - set(table)), sorted(set(table) - set(PHRASINGS))
        raise ValueError(
            f"intents.yaml needs one intent per template of TASKS.md: missing {missing}, "
            f"unknown {extra}"
        )
    return {template: _intent(template, entry) for template, entry in table.items()}


INTENTS: dict[str, Intent] = _load_intents()

#: Values used to fill the template phrasings when they serve as exemplars.
EXAMPLE_SLOTS = {
    "category": "mug",
    "category_a": "mug",
    "category_b": "book",
    "receptacle": "counter",
    "receptacle_category": "cabinet",
    "openable_receptacle": "fridge",
    "room": "kitchen",
    "time": "10:15",
    "start": "10:15",
    "end": "11:40",
    "period": "morning",
    "ordinal": "third",
    "N": "2",
    "color": "red",
    "shape": "round",
    "material": "wooden",
}


def exemplar_texts(intent: Intent) -> list[str]:
    """The template phrasing (slots filled with examples) followed by the extra exemplars."""
    slots = dict(EXAMPLE_SLOTS)
    if intent.template == "T18":
        slots["N"] = "40"
    return [intent.phrasing.format(**slots), *intent.exemplars]
