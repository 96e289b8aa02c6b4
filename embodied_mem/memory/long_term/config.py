"""Settings of the long-term memory: which categories are receptacles/containers, and thresholds."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

Point3 = Sequence[float] | np.ndarray
"""A world point (x, y, z) in metres, as a sequence or a (3,) array."""

RECEPTACLE_CATEGORIES: tuple[str, ...] = (
    "CounterTop",
    "DiningTable",
    "CoffeeTable",
    "SideTable",
    "Shelf",
    "ShelvingUnit",
    "Desk",
    "Bed",
    "Sofa",
    "ArmChair",
    "Chair",
    "Dresser",
    "Sink",
    "SinkBasin",
    "Cabinet",
    "Drawer",
    "Fridge",
    "Microwave",
    "Stove",
    "StoveBurner",
    "Toilet",
    "Bathtub",
    "BathtubBasin",
    "TVStand",
    "Ottoman",
    "GarbageCan",
    "LaundryHamper",
    "Safe",
    "Box",
    "Table",
    "Nightstand",
    "Bookshelf",
)
CONTAINER_CATEGORIES: tuple[str, ...] = (
    "Cabinet",
    "Drawer",
    "Fridge",
    "Microwave",
    "Safe",
    "Box",
    "Dresser",
)


@dataclass
class LongTermConfig:
    """Long-term scene graph settings."""

    receptacle_categories: list[str] = field(default_factory=lambda: list(RECEPTACLE_CATEGORIES))
    """Categories layered as receptacles/furniture; everything else is an object."""
    container_categories: list[str] = field(default_factory=lambda: list(CONTAINER_CATEGORIES))
    """Receptacles things are put *inside* (opened/closed)."""
    max_points: int = 128
    """Points kept per node (seeded subsample of the mapper's cloud): memory stays small on disk."""
    move_threshold: float = 0.3
    """A node's timeline gets a "moved" entry when its centroid shifts more than this (m)."""
    missing_decay: float = 0.9
    """Confidence multiplier each time the mapper reports a node missing from an expected view."""
    vanish_confidence: float = 0.05
    """Below this confidence the node is marked vanished (absent from queries until seen again)."""
    interaction_radius: float = 1.0
    """An interaction point resolves to the nearest memory node within this distance (m)."""
    on_z_tolerance: float = 0.08
    """Relation test: |object bottom - receptacle top| allowed for "on" (m)."""

    def __post_init__(self) -> None:
        if self.max_points < 1:
            raise ValueError(f"LongTermConfig.max_points must be >= 1, got {self.max_points}")
        if self.move_threshold < 0 or self.interaction_radius <= 0 or self.on_z_tolerance < 0:
            raise ValueError(
                "LongTermConfig: move_threshold/on_z_tolerance must be >= 0 and "
                f"interaction_radius > 0, got {self.move_threshold}, "
                f"{self.on_z_tolerance}, {self.interaction_radius}"
            )
        if not 0 < self.missing_decay <= 1 or not 0 <= self.vanish_confidence < 1:
            raise ValueError(
                "LongTermConfig: missing_decay must be in (0, 1] and vanish_confidence in [0, 1)"
            )


def split_camel(text: str) -> str:
    """``"DiningTable"`` -> ``"dining table"`` (lower case, words split at case changes)."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text).lower()
