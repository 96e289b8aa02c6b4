"""The visiting order behind unordered multi-goal SPL: exact where affordable, never too short."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from embodied_mem.benchmark.spl_order import LegTable, best_found_order, held_karp, order_length


def _table(rng: np.random.Generator, n_goals: int, unreachable: float = 0.0) -> LegTable:
    """Goals with one or two stops at random floor points; legs are straight-line metres
    shortened by a success radius, some made impassable."""
    goal_of = np.asarray([g for g in range(n_goals) for _ in range(int(rng.integers(1, 3)))])
    xy = rng.uniform(0, 10, size=(len(goal_of), 2))
    radius = rng.uniform(0, 0.5, size=len(goal_of))
    legs = np.maximum(0.0, np.linalg.norm(xy[:, None] - xy[None], axis=2) - radius[None])
    legs[rng.random(legs.shape) < unreachable] = math.inf
    first = np.maximum(0.0, np.linalg.norm(xy, axis=1) - radius)
    return LegTable(goal_of, first, legs, n_goals)


def _brute_force(table: LegTable) -> float:
    return min(order_length(table, list(p)) for p in itertools.permutations(range(table.n_goals)))


@pytest.mark.parametrize("seed", range(6))
def test_held_karp_is_the_shortest_order(seed):
    rng = np.random.default_rng(seed)
    table = _table(rng, int(rng.integers(2, 7)), unreachable=0.1)
    assert held_karp(table) == pytest.approx(_brute_force(table))


def test_order_search_never_undercuts_the_shortest_walk_and_mostly_finds_it():
    rng = np.random.default_rng(7)
    found = 0
    for _ in range(10):
        table = _table(rng, 9)
        exact, searched = held_karp(table), best_found_order(table)
        assert searched >= exact - 1e-9
        found += searched == pytest.approx(exact)
    assert found >= 8


def test_twenty_goals_along_a_corridor():
    # The large setting's "every object you picked up, in any order": 20 goals, too many
    # subsets for the exact search; on a straight corridor the best walk is to the far end.
    xs = np.random.default_rng(3).uniform(1, 30, size=20)
    table = LegTable(np.arange(20), xs.copy(), np.abs(xs[:, None] - xs[None]), n_goals=20)
    assert best_found_order(table) == pytest.approx(xs.max())


def test_no_way_to_a_goal_is_infinite():
    table = _table(np.random.default_rng(1), 4)
    legs = table.legs.copy()
    last = table.goal_of == 3
    legs[:, last] = math.inf
    blocked = LegTable(table.goal_of, np.where(last, math.inf, table.first), legs, 4)
    assert held_karp(blocked) == math.inf
    assert best_found_order(blocked) == math.inf
