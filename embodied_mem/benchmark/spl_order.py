"""The cheapest order to visit unordered goals, for SPL's shortest walk (evaluation side).

Every goal has one or more stops (its valid instances, see :mod:`.spl`); a walk visits one
stop of every goal. The legs between stops are computed once into a :class:`LegTable`, so
the search below touches no map. :func:`held_karp` is exact and exponential in the goals
(2^n subsets); :func:`best_found_order` is for more goals than that affords: a
nearest-next order improved by segment reversals and moves of short segments (2-opt and
Or-opt) until none helps, an upper bound of the shortest walk (deterministic: moves are tried
in a fixed order).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LegTable:
    """Walking metres between stops, each leg already shortened by its success radius.

    Attributes:
        goal_of: (S,) int, the goal each stop belongs to (goals numbered 0..n-1).
        first: (S,) metres from the start until the stop's goal counts as reached.
        legs: (S, S) metres from stop s until stop t's goal counts as reached (inf: no path).
        n_goals: the number of goals n.
    """

    goal_of: np.ndarray
    first: np.ndarray
    legs: np.ndarray
    n_goals: int

    def stops_of(self, goal: int) -> np.ndarray:
        return np.flatnonzero(self.goal_of == goal)


def held_karp(table: LegTable) -> float:
    """The shortest walk over all goals in any order (exact; 2^n x S states)."""
    n, goal_of, legs = table.n_goals, table.goal_of, table.legs
    bits = np.left_shift(1, goal_of)
    # best[mask, s]: cheapest walk visiting the goals in mask, ending at stop s.
    best = np.full((1 << n, len(goal_of)), math.inf)
    best[bits, np.arange(len(goal_of))] = table.first
    for mask in range(1, 1 << n):
        row = best[mask]
        ends = np.flatnonzero(np.isfinite(row))
        if not len(ends):
            continue
        reach = (row[ends, None] + legs[ends]).min(axis=0)  # (S,) cheapest next leg to each stop
        nxt = np.flatnonzero((mask & bits) == 0)
        if not len(nxt):
            continue
        masks = mask | bits[nxt]
        best[masks, nxt] = np.minimum(best[masks, nxt], reach[nxt])
    return float(best[(1 << n) - 1].min())


def order_length(table: LegTable, order: list[int]) -> float:
    """The shortest walk visiting the goals in ``order`` (cheapest stop per goal)."""
    prev = table.stops_of(order[0])
    cost = table.first[prev]
    for goal in order[1:]:
        stops = table.stops_of(goal)
        cost = (cost[:, None] + table.legs[np.ix_(prev, stops)]).min(axis=0)
        prev = stops
    return float(cost.min())


def _nearest_next(table: LegTable) -> list[int]:
    """Goals in nearest-next order from the start (ties: the lower goal number)."""
    left = list(range(table.n_goals))
    order: list[int] = []
    while left:
        nxt = min(left, key=lambda g: (order_length(table, [*order, g]), g))
        order.append(nxt)
        left.remove(nxt)
    return order


Move = tuple[int, int, int, bool]
"""(i, length, j, flipped): take ``order[i : i + length]`` out, put it back at ``j`` of what is
left, reversed if ``flipped``. Putting a segment back where it was, flipped, is a 2-opt."""


def _moves(n: int, longest: int = 3) -> list[Move]:
    """Every reversal of a segment in place, and every move of a segment of up to ``longest``
    goals elsewhere, either way round (2-opt and Or-opt)."""
    out = [(i, j - i + 1, i, True) for i in range(n - 1) for j in range(i + 1, n)]
    for length in range(1, min(longest, n - 1) + 1):
        for i in range(n - length + 1):
            for j in range(n - length + 1):
                if j != i:
                    out += [(i, length, j, False)] + ([(i, length, j, True)] if length > 1 else [])
    return out


def _apply(order: list[int], move: Move) -> list[int]:
    i, length, j, flipped = move
    seg = order[i : i + length]
    rest = [*order[:i], *order[i + length :]]
    return [*rest[:j], *(reversed(seg) if flipped else seg), *rest[j:]]


def best_found_order(table: LegTable, max_rounds: int = 50) -> float:
    """A short walk over all goals in any order: nearest-next, then the first improving
    reversal or segment move, repeated until none improves (or ``max_rounds``). At least the
    shortest walk; equal to it on most orders of a dozen goals tried against
    :func:`held_karp`."""
    order = _nearest_next(table)
    length = order_length(table, order)
    moves = _moves(table.n_goals)
    for _ in range(max_rounds):
        for move in moves:
            cand = _apply(order, move)
            cand_length = order_length(table, cand)
            if cand_length < length - 1e-9:
                order, length = cand, cand_length
                break
        else:
            break
    return length
