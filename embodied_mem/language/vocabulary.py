"""The words an instruction's slots can take: categories, rooms and attribute values.

A :class:`Vocabulary` maps surface phrases ("couch", "remote", "wooden", "lounge") to the kind
of slot they fill and the canonical value memory uses ("Sofa", "RemoteControl", "wood",
"living_room"). The default one is built from the simulators' own catalogs plus everyday
synonyms; :meth:`Vocabulary.with_memory` adds what a memory actually holds, in its spelling, so
the planner matches categories and rooms exactly as they are stored.

Words from the world (labels) are data: they only ever become slot values, never patterns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from embodied_mem.language.lexicon import phrase_key

KINDS = ("object", "receptacle", "room", "color", "material", "shape")

#: Everyday names for catalog categories, rooms and attribute values (surface -> canonical).
SYNONYMS: dict[str, dict[str, str]] = {
    "object": {
        "phone": "CellPhone",
        "cellphone": "CellPhone",
        "mobile": "CellPhone",
        "mobile phone": "CellPhone",
        "smartphone": "CellPhone",
        "remote": "RemoteControl",
        "tv remote": "RemoteControl",
        "clicker": "RemoteControl",
        "key": "KeyChain",
        "keys": "KeyChain",
        "keyring": "KeyChain",
        "key ring": "KeyChain",
        "keychain": "KeyChain",
        "teddy": "TeddyBear",
        "stuffed animal": "TeddyBear",
        "soap": "SoapBar",
        "bar of soap": "SoapBar",
        "tissue": "TissueBox",
        "box of tissues": "TissueBox",
        "kleenex": "TissueBox",
        "clock": "AlarmClock",
        "cushion": "Pillow",
        "card": "CreditCard",
        "bank card": "CreditCard",
        "newspaper": "Newspaper",
        "computer": "Laptop",
        "figurine": "Statue",
        "sculpture": "Statue",
        "wristwatch": "Watch",
        "coffee mug": "Mug",
        "loaf": "Bread",
        "dish": "Plate",
        "teakettle": "Kettle",
    },
    "receptacle": {
        "counter": "CounterTop",
        "countertop": "CounterTop",
        "worktop": "CounterTop",
        "kitchen counter": "CounterTop",
        "kitchen table": "DiningTable",
        "nightstand": "SideTable",
        "night stand": "SideTable",
        "bedside table": "SideTable",
        "end table": "SideTable",
        "shelves": "Shelf",
        "bookshelf": "Shelf",
        "bookcase": "Shelf",
        "shelving": "Shelf",
        "couch": "Sofa",
        "settee": "Sofa",
        "chest of drawers": "Dresser",
        "bureau": "Dresser",
        "basin": "Sink",
        "washbasin": "Sink",
        "cupboard": "Cabinet",
        "refrigerator": "Fridge",
        "icebox": "Fridge",
        "microwave oven": "Microwave",
    },
    "room": {
        "lounge": "living_room",
        "sitting room": "living_room",
        "family room": "living_room",
        "den": "living_room",
        "washroom": "bathroom",
        "restroom": "bathroom",
        "study": "office",
        "home office": "office",
        "dining area": "dining_room",
        "hall": "hallway",
        "corridor": "hallway",
        "entryway": "hallway",
    },
    "color": {"grey": "gray", "golden": "gold"},
    "material": {
        "wooden": "wood",
        "timber": "wood",
        "metallic": "metal",
        "steel": "metal",
        "iron": "metal",
        "aluminium": "metal",
        "aluminum": "metal",
        "porcelain": "ceramic",
        "cloth": "fabric",
        "cotton": "fabric",
        "textile": "fabric",
        "woven": "fabric",
        "cardboard": "paper",
        "rubbery": "rubber",
        "marble": "stone",
        "waxy": "wax",
        "leathery": "leather",
    },
    "shape": {
        "spherical": "round",
        "sphere": "round",
        "ball shaped": "round",
        "globular": "round",
        "cylinder": "cylindrical",
        "cylinder shaped": "cylindrical",
        "tube shaped": "cylindrical",
        "tubular": "cylindrical",
        "boxy": "rectangular",
        "box shaped": "rectangular",
        "cuboid": "rectangular",
        "oblong": "elongated",
        "capsule shaped": "elongated",
    },
}

#: Words that name one of several categories; they resolve only when the vocabulary has one.
AMBIGUOUS: dict[str, tuple[str, ...]] = {"table": ("DiningTable", "CoffeeTable", "SideTable")}

#: Common AI2-THOR types beyond the built-in catalog (so a parse without memory knows them).
AI2THOR_OBJECTS = (
    "Pot Pan Knife ButterKnife Fork Spoon Spatula Ladle Lettuce SaltShaker PepperShaker "
    "DishSponge WineBottle SoapBottle Pencil CD Box Cloth HandTowel ToiletPaper Plunger "
    "ScrubBrush BaseballBat BasketBall TennisRacket Dumbbell Boots Laptop Statue"
).split()
AI2THOR_RECEPTACLES = (
    "ArmChair Chair Stool Ottoman TVStand Toilet Bathtub GarbageCan LaundryHamper Safe "
    "CoffeeMachine Toaster StoveBurner SinkBasin ShelvingUnit Footstool DogBed"
).split()
AI2THOR_MATERIALS = ("wax", "leather", "sponge", "soap", "food")


def humanize(name: str) -> str:
    """``"CounterTop"`` -> ``"counter top"``, ``"living_room"`` -> ``"living room"``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|_", " ", str(name))
    return " ".join(spaced.lower().split())


@dataclass(frozen=True)
class Term:
    """One vocabulary entry: the slot kind it fills and the canonical values it stands for."""

    kind: str
    values: tuple[str, ...]
    """One value, or several when the surface word is ambiguous ("table")."""


@dataclass
class Vocabulary:
    """Surface phrase (normalised token tuple) -> the terms it can mean."""

    entries: dict[tuple[str, ...], list[Term]] = field(default_factory=dict)
    _longest: tuple[int, int] | None = field(default=None, repr=False, compare=False)

    def add(self, kind: str, surface: str, *values: str) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown vocabulary kind {kind!r}; expected one of {KINDS}")
        key = phrase_key(surface)
        if not key or not values:
            return
        terms = self.entries.setdefault(key, [])
        term = Term(kind, tuple(values))
        if term not in terms:
            # Memory's own spelling replaces the catalog's for the same kind and word.
            terms[:] = [t for t in terms if not (t.kind == kind and len(values) == 1)]
            terms.append(term)

    def add_values(self, kind: str, values: Iterable[str]) -> None:
        """Add canonical values under their own (humanised) names."""
        for value in values:
            if value:
                self.add(kind, humanize(value), value)

    def lookup(self, key: tuple[str, ...]) -> list[Term]:
        return self.entries.get(key, [])

    @property
    def longest(self) -> int:
        """Tokens in the longest surface phrase (recomputed only when entries were added)."""
        if self._longest is None or self._longest[0] != len(self.entries):
            self._longest = (len(self.entries), max((len(k) for k in self.entries), default=1))
        return self._longest[1]

    def values(self, kind: str) -> set[str]:
        return {
            v for terms in self.entries.values() for t in terms if t.kind == kind for v in t.values
        }

    def copy(self) -> Vocabulary:
        return Vocabulary({k: list(v) for k, v in self.entries.items()})

    def with_memory(self, query: Any) -> Vocabulary:
        """This vocabulary plus the categories, rooms and attribute values ``query``'s memory holds.

        ``query`` is a :class:`~embodied_mem.memory.retrieval.MemoryQuery` (or anything with
        ``objects(layer=None)`` and ``rooms()``); memory's spelling wins for known words.
        """
        vocab = self.copy()
        for hit in query.objects(layer=None):
            kind = "receptacle" if hit.obj.layer == "receptacle" else "object"
            vocab.add(kind, humanize(hit.category), hit.category)
            for key in ("color", "material", "shape"):
                value = hit.obj.attributes.get(key)
                if isinstance(value, str) and value:
                    vocab.add(key, humanize(value), value)
        for room in query.rooms():
            # A room's own name stands for that room ("bedroom 2" of a house with two
            # bedrooms); its type and id stand for the type ("bedroom": any of them).
            kind = room.room_type or room.name
            for surface in (room.name, room.room_type, room.room_id):
                if surface:
                    specific = surface == room.name and phrase_key(room.name) != phrase_key(kind)
                    vocab.add("room", humanize(surface), room.name if specific else kind)
        vocab.resolve_ambiguous()
        return vocab

    def resolve_ambiguous(self) -> None:
        """Point each ambiguous word at the categories of it this vocabulary knows (a category
        spelled exactly like the word, e.g. a memory's "Table", makes it unambiguous)."""
        known = self.values("receptacle") | self.values("object")
        for word, options in AMBIGUOUS.items():
            key = phrase_key(word)
            single = [t for t in self.entries.get(key, []) if len(t.values) == 1]
            if single:
                self.entries[key] = single
                continue
            self.entries.pop(key, None)
            present = tuple(o for o in options if o in known)
            if present:
                self.add("receptacle", word, *present)


def default_vocabulary() -> Vocabulary:
    """Categories, rooms and attributes of the built-in house catalog and AI2-THOR, with synonyms."""
    from envs.builtin import catalog

    vocab = Vocabulary()
    vocab.add_values("object", [*catalog.OBJECTS, *AI2THOR_OBJECTS])
    vocab.add_values("receptacle", [*catalog.RECEPTACLES, *AI2THOR_RECEPTACLES])
    vocab.add_values("room", catalog.ROOM_TYPES)
    vocab.add_values("color", catalog.COLORS)
    vocab.add_values("material", [*catalog.MATERIALS, *AI2THOR_MATERIALS])
    vocab.add_values("shape", catalog.SHAPE_WORDS.values())
    for kind, table in SYNONYMS.items():
        for surface, value in table.items():
            vocab.add(kind, surface, value)
    vocab.resolve_ambiguous()
    return vocab
