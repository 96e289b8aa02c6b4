"""What a built-in house is made of: room types, receptacles and pickupable objects.

Category names are AI2-THOR object types so tasks transfer between simulators. Sizes are
full extents in metres (x = width along the wall, y = depth, z = height).
"""

from __future__ import annotations

from dataclasses import dataclass

ROOM_TYPES: tuple[str, ...] = (
    "kitchen",
    "living_room",
    "bedroom",
    "bathroom",
    "office",
    "dining_room",
    "hallway",
)

# Floor colours make rooms distinguishable in RGB without any texture asset.
ROOM_FLOOR_RGB: dict[str, tuple[float, float, float]] = {
    "kitchen": (0.78, 0.76, 0.70),
    "living_room": (0.55, 0.40, 0.28),
    "bedroom": (0.62, 0.52, 0.45),
    "bathroom": (0.80, 0.84, 0.86),
    "office": (0.45, 0.45, 0.50),
    "dining_room": (0.60, 0.46, 0.32),
    "hallway": (0.68, 0.62, 0.55),
}

COLORS: dict[str, tuple[float, float, float]] = {
    "red": (0.80, 0.10, 0.10),
    "green": (0.15, 0.65, 0.20),
    "blue": (0.15, 0.30, 0.85),
    "yellow": (0.95, 0.85, 0.15),
    "white": (0.95, 0.95, 0.95),
    "black": (0.08, 0.08, 0.08),
    "brown": (0.45, 0.28, 0.12),
    "orange": (0.95, 0.50, 0.10),
    "purple": (0.50, 0.20, 0.65),
    "pink": (0.95, 0.55, 0.70),
    "gray": (0.50, 0.50, 0.50),
    "silver": (0.75, 0.75, 0.78),
}

# MuJoCo material look (specular, shininess) per material name.
MATERIALS: dict[str, tuple[float, float]] = {
    "plastic": (0.4, 0.5),
    "metal": (0.8, 0.9),
    "wood": (0.1, 0.2),
    "glass": (0.9, 0.95),
    "ceramic": (0.5, 0.7),
    "fabric": (0.0, 0.05),
    "paper": (0.05, 0.1),
    "organic": (0.2, 0.3),
    "rubber": (0.1, 0.1),
    "stone": (0.3, 0.4),
}


@dataclass(frozen=True)
class ReceptacleKind:
    """A furniture/receptacle category.

    Attributes:
        category: AI2-THOR object type.
        size: (width, depth, height) metres.
        openable: has a door (cabinet, fridge, microwave) or drawer front.
        color: RGB of the body.
        against_wall: placed with its back to a wall (else free-standing in the room).
        surface: objects can be placed on its top.
    """

    category: str
    size: tuple[float, float, float]
    openable: bool = False
    color: tuple[float, float, float] = (0.55, 0.40, 0.25)
    against_wall: bool = True
    surface: bool = True


RECEPTACLES: dict[str, ReceptacleKind] = {
    k.category: k
    for k in (
        ReceptacleKind("CounterTop", (1.6, 0.6, 0.9), color=(0.85, 0.85, 0.80)),
        ReceptacleKind("DiningTable", (1.4, 0.9, 0.75), against_wall=False),
        ReceptacleKind(
            "CoffeeTable", (1.0, 0.55, 0.45), against_wall=False, color=(0.35, 0.22, 0.12)
        ),
        ReceptacleKind("SideTable", (0.5, 0.45, 0.6), color=(0.50, 0.35, 0.20)),
        ReceptacleKind("Shelf", (0.9, 0.35, 1.1), color=(0.60, 0.45, 0.30)),
        ReceptacleKind("Desk", (1.2, 0.6, 0.75), color=(0.40, 0.30, 0.20)),
        ReceptacleKind("Bed", (1.4, 2.0, 0.55), color=(0.85, 0.85, 0.92)),
        ReceptacleKind("Sofa", (1.8, 0.85, 0.85), color=(0.30, 0.35, 0.55)),
        ReceptacleKind("Dresser", (1.0, 0.5, 0.9), color=(0.55, 0.38, 0.22)),
        ReceptacleKind("Sink", (0.7, 0.5, 0.85), color=(0.90, 0.92, 0.95)),
        ReceptacleKind("Cabinet", (0.8, 0.5, 0.9), openable=True, color=(0.70, 0.60, 0.45)),
        ReceptacleKind("Drawer", (0.6, 0.5, 0.7), openable=True, color=(0.60, 0.50, 0.38)),
        ReceptacleKind("Fridge", (0.75, 0.7, 1.7), openable=True, color=(0.88, 0.90, 0.92)),
        ReceptacleKind("Microwave", (0.55, 0.45, 0.35), openable=True, color=(0.20, 0.20, 0.22)),
    )
}

# Sofa seat height and backrest depth: objects go on the seat, in front of the backrest.
SOFA_SEAT = 0.45
SOFA_BACK = 0.2

# Microwaves stand on a kitchen counter; this is the category they sit on.
MICROWAVE_SUPPORT = "CounterTop"

# Per room type: receptacles always present, then optional ones (sampled).
ROOM_FURNITURE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "kitchen": (("CounterTop", "Fridge", "Microwave", "Cabinet"), ("Sink", "DiningTable", "Shelf")),
    "living_room": (("Sofa", "CoffeeTable"), ("SideTable", "Shelf", "Cabinet", "Drawer")),
    "bedroom": (("Bed", "Dresser"), ("SideTable", "Drawer", "Shelf", "Desk")),
    "bathroom": (("Sink", "Cabinet"), ("Shelf", "Drawer")),
    "office": (("Desk", "Shelf"), ("Drawer", "SideTable", "Cabinet")),
    "dining_room": (("DiningTable",), ("Shelf", "Cabinet", "SideTable")),
    "hallway": (("SideTable",), ("Shelf", "Drawer")),
}


@dataclass(frozen=True)
class ObjectKind:
    """A pickupable category.

    Attributes:
        category: AI2-THOR object type.
        shape: ``sphere``, ``cylinder``, ``box`` or ``capsule`` (MuJoCo primitive).
        size: (x, y, z) full extents in metres.
        colors: colours it may have (names in :data:`COLORS`).
        materials: materials it may be made of (names in :data:`MATERIALS`).
        rooms: room types where it is usually found.
    """

    category: str
    shape: str
    size: tuple[float, float, float]
    colors: tuple[str, ...]
    materials: tuple[str, ...]
    rooms: tuple[str, ...]


# Shape words used in tasks ("a round object") for each primitive.
SHAPE_WORDS = {
    "sphere": "round",
    "cylinder": "cylindrical",
    "box": "rectangular",
    "capsule": "elongated",
}

_K, _L, _B, _BA = "kitchen", "living_room", "bedroom", "bathroom"
_O, _D, _H = "office", "dining_room", "hallway"

OBJECTS: dict[str, ObjectKind] = {
    k.category: k
    for k in (
        ObjectKind(
            "Apple",
            "sphere",
            (0.09, 0.09, 0.09),
            ("red", "green", "yellow"),
            ("organic",),
            (_K, _D),
        ),
        ObjectKind("Tomato", "sphere", (0.08, 0.08, 0.08), ("red", "orange"), ("organic",), (_K,)),
        ObjectKind(
            "Potato", "capsule", (0.07, 0.07, 0.11), ("brown", "yellow"), ("organic",), (_K,)
        ),
        ObjectKind("Egg", "sphere", (0.05, 0.05, 0.05), ("white", "brown"), ("organic",), (_K,)),
        ObjectKind("Bread", "box", (0.25, 0.12, 0.11), ("brown", "yellow"), ("organic",), (_K, _D)),
        ObjectKind(
            "Mug",
            "cylinder",
            (0.09, 0.09, 0.10),
            ("white", "red", "blue", "black"),
            ("ceramic", "metal", "glass"),
            (_K, _O, _L, _D),
        ),
        ObjectKind(
            "Cup",
            "cylinder",
            (0.08, 0.08, 0.10),
            ("white", "blue", "green"),
            ("glass", "plastic"),
            (_K, _D),
        ),
        ObjectKind(
            "Bowl",
            "cylinder",
            (0.16, 0.16, 0.07),
            ("white", "blue", "red"),
            ("ceramic", "glass"),
            (_K, _D),
        ),
        ObjectKind(
            "Plate",
            "cylinder",
            (0.24, 0.24, 0.025),
            ("white", "blue", "black"),
            ("ceramic",),
            (_K, _D),
        ),
        ObjectKind(
            "Bottle",
            "cylinder",
            (0.07, 0.07, 0.25),
            ("green", "blue", "white"),
            ("glass", "plastic"),
            (_K, _D, _BA),
        ),
        ObjectKind(
            "Kettle", "cylinder", (0.18, 0.18, 0.2), ("silver", "black", "red"), ("metal",), (_K,)
        ),
        ObjectKind(
            "Book",
            "box",
            (0.16, 0.23, 0.04),
            ("red", "blue", "green", "yellow", "black"),
            ("paper",),
            (_L, _B, _O),
        ),
        ObjectKind(
            "RemoteControl", "box", (0.05, 0.17, 0.025), ("black", "gray"), ("plastic",), (_L,)
        ),
        ObjectKind(
            "CellPhone",
            "box",
            (0.075, 0.15, 0.012),
            ("black", "white", "blue"),
            ("plastic", "metal"),
            (_L, _B, _O),
        ),
        ObjectKind(
            "Laptop",
            "box",
            (0.34, 0.24, 0.03),
            ("silver", "black"),
            ("metal", "plastic"),
            (_O, _L, _B),
        ),
        ObjectKind(
            "Pen", "capsule", (0.015, 0.015, 0.14), ("blue", "black", "red"), ("plastic",), (_O, _B)
        ),
        ObjectKind(
            "KeyChain", "box", (0.06, 0.04, 0.02), ("silver", "yellow"), ("metal",), (_H, _L)
        ),
        ObjectKind(
            "Watch",
            "cylinder",
            (0.05, 0.05, 0.015),
            ("silver", "black", "yellow"),
            ("metal",),
            (_B, _BA),
        ),
        ObjectKind(
            "CreditCard",
            "box",
            (0.085, 0.055, 0.01),
            ("blue", "black", "silver"),
            ("plastic",),
            (_O, _H),
        ),
        ObjectKind(
            "Pillow",
            "box",
            (0.45, 0.35, 0.12),
            ("white", "blue", "pink", "purple"),
            ("fabric",),
            (_L, _B),
        ),
        ObjectKind(
            "Vase",
            "cylinder",
            (0.12, 0.12, 0.28),
            ("white", "blue", "green"),
            ("ceramic", "glass"),
            (_L, _D, _H),
        ),
        ObjectKind(
            "Candle",
            "cylinder",
            (0.06, 0.06, 0.12),
            ("white", "red", "yellow"),
            ("organic",),
            (_L, _D, _BA),
        ),
        ObjectKind(
            "AlarmClock",
            "box",
            (0.12, 0.07, 0.1),
            ("black", "white", "red"),
            ("plastic",),
            (_B, _O),
        ),
        ObjectKind(
            "SoapBar", "box", (0.09, 0.06, 0.03), ("white", "pink", "green"), ("organic",), (_BA,)
        ),
        ObjectKind(
            "SprayBottle",
            "cylinder",
            (0.07, 0.07, 0.22),
            ("blue", "white", "green"),
            ("plastic",),
            (_BA, _K),
        ),
        ObjectKind(
            "TissueBox",
            "box",
            (0.22, 0.12, 0.1),
            ("white", "blue", "pink"),
            ("paper",),
            (_BA, _B, _L),
        ),
        ObjectKind(
            "Statue",
            "capsule",
            (0.08, 0.08, 0.22),
            ("white", "gray", "black"),
            ("stone", "ceramic"),
            (_L, _O, _H),
        ),
        ObjectKind(
            "TeddyBear", "sphere", (0.2, 0.2, 0.2), ("brown", "pink", "white"), ("fabric",), (_B,)
        ),
        ObjectKind(
            "Newspaper", "box", (0.3, 0.22, 0.015), ("white", "gray"), ("paper",), (_L, _O, _H)
        ),
        ObjectKind(
            "Towel", "box", (0.3, 0.2, 0.05), ("white", "blue", "pink"), ("fabric",), (_BA,)
        ),
    )
}

PICKUPABLE_CATEGORIES: tuple[str, ...] = tuple(sorted(OBJECTS))
RECEPTACLE_CATEGORIES: tuple[str, ...] = tuple(sorted(RECEPTACLES))
OPENABLE_CATEGORIES: tuple[str, ...] = tuple(
    sorted(k for k, v in RECEPTACLES.items() if v.openable)
)


def objects_for_room(room_type: str) -> tuple[str, ...]:
    """Pickupable categories that belong in ``room_type`` (sorted, so sampling is deterministic)."""
    return tuple(sorted(k for k, v in OBJECTS.items() if room_type in v.rooms))
