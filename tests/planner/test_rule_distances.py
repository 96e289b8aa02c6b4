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


def test_closest_and_farthest_rank_by_the_walk_to_the_centre_not_to_a_side():
    """A shelf stands against the far side of a wall: its near side's floor point lies across
    the wall from it (seed 6161 full-0003: a credit card 'closest' through a wall, six metres'
    walk away). Choosing where to go may use that side (distance_fn); "closest to you" is the
    walk to the thing's centre (TASKS.md), which goes round the wall."""
    from embodied_mem.planner.rule_common import RuleContext
    from embodied_mem.planner.rule_targets import nearest

    grid = _grid()  # the wall: x in [2.9, 3.1], y < 3 m
    planner = RulePlanner(geodesic=grid.geodesic_distance)
    box = SimpleNamespace(bbox_min=(3.15, 0.8, 0.0), bbox_max=(3.45, 1.2, 1.5))
    shelf = SimpleNamespace(position=(3.3, 1.0, 0.75), obj=box, memory_id="shelf")
    table = SimpleNamespace(position=(0.6, 3.2, 0.4), obj=None, memory_id="table")
    task = SimpleNamespace(memory=object(), agent=SimpleNamespace(xy=np.array([2.0, 1.0])))
    ctx = RuleContext(planner, task, {})  # type: ignore[arg-type]
    assert ctx.distance_fn(shelf) < ctx.distance_fn(table)  # its west side, across the wall
    assert ctx.centre_distance_fn(shelf) > ctx.centre_distance_fn(table) + 2.0
    assert nearest(ctx.q, [shelf, table], ctx.centre_distance_fn).memory_id == "table"
    assert nearest(ctx.q, [shelf, table], ctx.centre_distance_fn, farthest=True) is shelf


def test_a_thing_behind_a_door_the_map_narrows_is_measured_as_navigation_walks(walled_map):
    """At the full radius the map shuts a door it over-covers by a cell; navigation then walks
    at half a cell less, and so must the distance (seed 2828 full-0009: the farthest thing, a
    keychain 14 m away, measured inf and ranked last; full-0003: the closest, a laptop)."""
    from embodied_mem.planner.rule_common import RuleContext
    from embodied_mem.planner.rule_targets import nearest

    fmap, west, east = walled_map(8)
    assert fmap.geodesic_distance(west, east) == np.inf  # shut at the full radius
    with fmap.squeezing():
        walked = fmap.geodesic_distance(west, east)
    assert np.isfinite(walked) and walked > np.linalg.norm(east - west)
    planner = RulePlanner(geodesic=fmap.geodesic_distance)
    assert abs(planner.distance(west, east) - walked) < 1e-9
    assert not fmap.squeeze  # measured within the block only
    behind = SimpleNamespace(position=(*east, 0.5), obj=None, memory_id="behind")
    near = SimpleNamespace(position=(*(west + [0.0, 1.0]), 0.5), obj=None, memory_id="near")
    task = SimpleNamespace(memory=object(), agent=SimpleNamespace(xy=west))
    ctx = RuleContext(planner, task, {})  # type: ignore[arg-type]
    assert nearest(ctx.q, [near, behind], ctx.centre_distance_fn, farthest=True) is behind
    assert np.isfinite(ctx.distance_fn(behind))
    # A door shut at either radius: the walk to the wall, then straight through it (the map
    # knows no other way; the straight line is the least the walk can be).
    shut, west, east = walled_map(6)
    through = RulePlanner(geodesic=shut.geodesic_distance).distance(west, east)
    assert np.linalg.norm(east - west) <= through < walked


def test_a_thing_whose_nearest_floor_is_an_unreachable_pocket_is_measured_from_reached_floor():
    """The map's floor nearest a thing can be a pocket it cannot reach (cells seen free between
    a sofa and the wall: seed 2828 full-0003, a laptop 2.5 m away measured inf and never
    'closest'). The distance is then the walk to the reached floor nearest it plus the
    straight stretch, at least the straight line from the agent."""
    from embodied_mem.planner.rule_common import RuleContext
    from embodied_mem.planner.rule_targets import nearest

    free = np.ones((80, 120), dtype=bool)  # 4 m x 6 m at 5 cm
    free[20:40, 80:100] = False  # a sofa, 1 m x 1 m ...
    free[25:35, 85:95] = True  # ... with a pocket of floor inside, seen free
    grid = OccupancyGrid(free, (0.0, 0.0), 0.05, 0.1)
    agent, thing = np.array([1.0, 1.5]), np.array([4.475, 1.475])  # in the pocket, a cell centre
    assert grid.is_navigable(thing) and grid.geodesic_distance(agent, thing) == np.inf
    planner = RulePlanner(geodesic=grid.geodesic_distance)
    d = planner.distance(agent, thing)
    # The reached floor nearest the thing: a radius out from a face of the sofa, 0.6 m from
    # the thing (to a cell centre); the walk there, then straight.
    reached = grid.distances_from(agent).nearest_reached(thing)
    assert abs(np.linalg.norm(reached - thing) - 0.6) < 1e-9
    assert abs(d - (grid.geodesic_distance(agent, reached) + 0.6)) < 1e-9
    assert np.linalg.norm(thing - agent) <= d < 4.5
    far = SimpleNamespace(position=(5.8, 3.8, 0.5), obj=None, memory_id="far")
    pocket = SimpleNamespace(position=(*thing, 0.5), obj=None, memory_id="pocket")
    task = SimpleNamespace(memory=object(), agent=SimpleNamespace(xy=agent))
    ctx = RuleContext(planner, task, {})  # type: ignore[arg-type]
    assert nearest(ctx.q, [far, pocket], ctx.centre_distance_fn) is pocket
    assert np.isfinite(ctx.distance_fn(pocket))
