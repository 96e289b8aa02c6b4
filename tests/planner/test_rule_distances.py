"""The rule planner's walking distances: one distance search per agent position, not one per
candidate, and the same metres as asking each candidate's own search."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from embodied_mem.planner.rule import RulePlanner
from envs.navigability import OccupancyGrid


def _grid() -> OccupancyGrid:
    free = np.ones((80, 120), dtype=bool)  # 4 m x 6 m at 5 cm
    free[0:60, 58:62] = False  # a wall with a gap at the top: walking goes round it
    return OccupancyGrid(free, (0.0, 0.0), 0.05, 0.1)


def test_distances_to_many_things_share_one_search_from_the_agent():
    grid = _grid()
    planner = RulePlanner(geodesic=grid.geodesic_distance)
    agent = np.array([1.0, 1.0])
    things = [(4.5, 1.0), (5.0, 3.0), (2.0, 3.5), (1.5, 0.5), (4.0, 2.5)]
    hits = [SimpleNamespace(position=(x, y, 0.5), obj=None) for x, y in things]
    searches_before = len(grid._cache)
    got = [planner.distance_to(agent, h) for h in hits]
    assert len(grid._cache) - searches_before == 1  # the field from the agent, read 5 times
    for (x, y), d in zip(things, got, strict=True):
        # The same walking metres as the search from the thing (the grid is undirected).
        from_thing = float(grid.distances_from(np.array([x, y])).at(agent))
        assert abs(d - from_thing) < 1e-9
    # Round the wall: far more than the straight line for the things behind it.
    assert got[0] > np.hypot(3.5, 0.0) + 1.0
