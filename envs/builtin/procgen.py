"""Procedural house generation from a seed (layout → furniture → objects)."""

from __future__ import annotations

import logging

import numpy as np

from envs.builtin.config import BuiltinEnvConfig
from envs.builtin.furnish import furnish, populate
from envs.builtin.house import House, rasterize_free
from envs.builtin.layout import make_doorways, make_rooms, make_walls, partition
from envs.navigability import OccupancyGrid

logger = logging.getLogger(__name__)


def generate_house(seed: int, config: BuiltinEnvConfig | None = None) -> House:
    """A deterministic house for ``seed``: same seed and config give the same house."""
    cfg = config or BuiltinEnvConfig()
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    rng = np.random.default_rng(int(seed))
    n_rooms = cfg.draw_rooms(rng)
    rects = partition(n_rooms, rng)
    rooms, graph = make_rooms(rects, rng)
    doors = make_doorways(rooms, graph, rng)
    house = House(int(seed), rooms, doors, make_walls(rooms, doors))
    furnish(house, rng, (cfg.grid_resolution, cfg.agent_radius, cfg.reach))
    free, origin = rasterize_free(house, cfg.grid_resolution)
    grid = OccupancyGrid(free, origin, cfg.grid_resolution, cfg.agent_radius)
    floor = grid.cell_centers(*np.nonzero(grid.main_component))
    # Leave a margin under the reach so standing spots survive snapping and small detours.
    reach = cfg.reach - 0.15

    def reachable(spot: tuple[float, float, float]) -> bool:
        return bool(np.min(np.hypot(floor[:, 0] - spot[0], floor[:, 1] - spot[1])) <= reach)

    populate(house, rng, (cfg.min_objects_per_room, cfg.max_objects_per_room), reachable)
    logger.debug(
        "house %d: %d rooms, %d receptacles, %d objects",
        seed,
        len(rooms),
        len(house.receptacles),
        len(house.objects),
    )
    return house
