"""Places: a sparse graph of where the agent can stand, from its own free-space map.

Like Hydra's places layer, coarsely: one node per ``spacing``-metre lattice square that holds a
navigable cell of seen floor (the one nearest the square's centre), and an edge between
neighbouring squares' nodes when the straight segment between them is navigable on the map.
It summarises the map for drawing and for reasoning about connectivity; planning itself runs on
the map's grid.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

if TYPE_CHECKING:
    from embodied_mem.memory.spatial import FreeSpaceMap


def build_places(fmap: FreeSpaceMap, spacing: float = 1.0) -> nx.Graph:
    """Nodes ``(i, j)`` (lattice square) with attribute ``xy``; edges between free neighbours.

    Deterministic: the same map gives the same graph. An empty map gives an empty graph.
    """
    graph = nx.Graph()
    if not fmap.floor_hits.size:
        return graph
    grid = fmap.planning_grid()
    usable = grid.navigable & fmap.seen
    rows, cols = np.nonzero(usable)
    if not len(rows):
        return graph
    xy = fmap.cell_centres(rows, cols)
    square = np.floor(xy / spacing).astype(np.int64)
    centre_dist = np.linalg.norm(xy - (square + 0.5) * spacing, axis=1)
    # The cell nearest each square's centre: sort by square, then by distance, keep the first.
    order = np.lexsort((centre_dist, square[:, 1], square[:, 0]))
    sq = square[order]
    first = np.ones(len(sq), dtype=bool)
    first[1:] = np.any(sq[1:] != sq[:-1], axis=1)
    for k in order[first]:
        graph.add_node((int(square[k, 0]), int(square[k, 1])), xy=xy[k])
    for node in list(graph.nodes):
        for di, dj in ((1, 0), (0, 1), (1, 1), (1, -1)):
            other = (node[0] + di, node[1] + dj)
            if other in graph:
                a, b = graph.nodes[node]["xy"], graph.nodes[other]["xy"]
                if grid.is_free_segment(a, b):
                    graph.add_edge(node, other, length=float(math.dist(a, b)))
    return graph
