"""Walking through a squeeze between two pieces of furniture that meet corner to corner.

The full suite's house full-0004 has one (a dining table and a counter, 0.63 m apart at the
corners, the only way between two halves of the house): plans that string-pulled to the
corners were refused move after move, and each refusal's bump note closed the squeeze.
"""

from __future__ import annotations

import numpy as np
import pytest
from pol_boxworld import Box, BoxWorld, BoxWorldEnv, two_room_world

from embodied_mem.memory.spatial import FreeSpaceConfig
from embodied_mem.memory.spatial_nav import PlanningGrid
from policies.executor import execute
from policies.subgoals import NavigateToPose


def _squeeze_world() -> BoxWorld:
    """8 x 6 m; a table from the south wall and a counter from the north wall meet corner to
    corner at x ~ 4 (0.63 m apart diagonally): the only way from west to east."""
    world = two_room_world()
    world.boxes = [b for b in world.boxes if b.id in ("wall_s", "wall_n", "wall_w", "wall_e")]
    world.boxes += [
        Box("table", "DiningTable", (3.0, 0.0, 0.0), (4.01, 2.61, 0.75), receptacle=True),
        Box("counter", "CounterTop", (4.13, 3.23, 0.0), (5.0, 6.0, 0.9), receptacle=True),
    ]
    return world


@pytest.mark.parametrize("seed", [1, 2])
def test_plans_through_the_middle_of_a_squeeze_are_never_refused(seed: int) -> None:
    world = _squeeze_world()
    rng = np.random.default_rng(seed)
    blocked = 0
    for _ in range(6):
        start = (rng.uniform(0.5, 2.8), rng.uniform(0.5, 5.5), rng.uniform(-3, 3))
        goal = NavigateToPose(float(rng.uniform(5.3, 7.5)), float(rng.uniform(0.5, 2.8)))
        env = BoxWorldEnv(world, start=tuple(float(v) for v in start))
        sim = env.navigability
        # The agent's own map of this world, exact, with the default comfort margin and cost.
        cfg = FreeSpaceConfig()
        own = PlanningGrid(
            ~sim.free, np.ones_like(sim.free), sim.origin, sim.resolution, sim.agent_radius,
            unknown_cost=2.0, comfort=(cfg.comfort_margin, cfg.comfort_cost),
        )  # fmt: skip
        obs, _ = env.reset()
        outcome, obs = execute(env, goal, obs, 400, navigability=own)
        assert outcome.success, outcome.reason
        blocked += outcome.details["blocked_moves"]
    # Hugging the corners (comfort=(0, 0)) instead, some of these walks are refused.
    assert blocked == 0


class _NarrowedMap:
    """The agent's own map with a doorway its noise narrowed shut at the full radius; the
    squeezed map (``squeezing()``) has it open, like
    :meth:`embodied_mem.memory.spatial_nav.MapNavigation.squeezing`."""

    def __init__(self, shut: PlanningGrid, open_: PlanningGrid) -> None:
        self._grids = {False: shut, True: open_}
        self.squeeze = False
        self.entered = 0
        self.forgotten = 0  # bump notes dropped (before the squeezed walk)

    def forget_bumps(self) -> None:
        self.forgotten += 1

    def squeezing(self):  # noqa: ANN201
        import contextlib

        @contextlib.contextmanager
        def block():  # noqa: ANN202
            self.squeeze, self.entered = True, self.entered + 1
            try:
                yield
            finally:
                self.squeeze = False

        return block()

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self._grids[self.squeeze], name)


def test_a_goal_no_plan_reaches_is_walked_to_on_the_squeezed_map() -> None:
    world = two_room_world()  # a wall at x = 4 with a 1 m door at y in [2.5, 3.5]
    env = BoxWorldEnv(world, start=(1.0, 3.0, 0.0))
    sim = env.navigability

    def own(door_shut: bool) -> PlanningGrid:
        blocked = ~sim.free
        if door_shut:
            rows, cols, _ = sim.cells_of(np.array([[4.0, 3.0]]))
            blocked = blocked.copy()
            blocked[:, cols[0] - 2 : cols[0] + 3] = True  # the doorway, shut on the map
        return PlanningGrid(
            blocked, np.ones_like(sim.free), sim.origin, sim.resolution, sim.agent_radius,
            unknown_cost=2.0,
        )  # fmt: skip

    goal = NavigateToPose(6.5, 3.0)
    obs, _ = env.reset()
    outcome, _ = execute(env, goal, obs, 400, navigability=own(True))
    assert not outcome.success and "no path" in outcome.reason  # no squeezed map to try
    narrowed = _NarrowedMap(own(True), own(False))
    env = BoxWorldEnv(world, start=(1.0, 3.0, 0.0))
    obs, _ = env.reset()
    outcome, obs = execute(env, goal, obs, 400, navigability=narrowed)
    assert outcome.success, outcome.reason
    assert narrowed.entered == 1 and not narrowed.squeeze
    assert narrowed.forgotten == 1  # the first walk's bump notes do not shut the squeezed map
    assert obs.agent.position[0] > 6.0


@pytest.mark.parametrize("sidesteps", [0, 8])
@pytest.mark.parametrize("goal", [(6.5, 3.0), (6.5, 1.0)])
def test_a_squeezed_walk_refused_a_cell_off_the_passage_finds_a_way_through(
    sidesteps: int, goal: tuple[float, float]
) -> None:
    """A doorway narrowed to 5 cm wider than the agent (its centre line is one cell of the
    simulator's grid); the agent's squeezed map has the passage a cell south of where it is
    (seed 9494 full-0000: a living room's only way past its coffee table). The plan runs along
    the middle of the map's passage, a cell off: every move there is refused; past the door,
    a plan turning south cuts the post's corner, which the map has a cell low. Shifting a cell
    sideways, or a short move off the heading, finds the way; without them the walk gives up."""
    from policies.executor import ExecutorConfig
    from policies.navigation import NavigationConfig

    world = two_room_world()  # a wall at x = 4 with a 1 m door at y in [2.5, 3.5]
    world.boxes.append(Box("post", "Wall", (3.9, 2.4, 0.0), (4.1, 3.05, 2.0)))
    env = BoxWorldEnv(world, start=(1.0, 3.2, 0.0))
    sim = env.navigability
    _, door, _ = sim.cells_of(np.array([[4.0, 3.0]]))
    cols = slice(door[0] - 3, door[0] + 4)
    free_rows = np.flatnonzero(sim.free[:, door[0]])
    assert np.count_nonzero(sim.navigable[:, door[0]]) == 1  # one cell of centre line
    shifted = ~sim.free
    shifted[free_rows.max(), cols] = True  # the map's passage: a cell south of the real one
    shifted[free_rows.min() - 1, cols] = False
    shut = shifted.copy()
    shut[free_rows.min() - 2 : free_rows.max() + 2, cols] = True

    def grid(blocked: np.ndarray, radius: float) -> PlanningGrid:
        known = np.ones_like(sim.free)
        return PlanningGrid(blocked, known, sim.origin, sim.resolution, radius, unknown_cost=2.0)

    squeezed = grid(shifted, sim.agent_radius - sim.resolution / 2)
    narrowed = _NarrowedMap(grid(shut, sim.agent_radius), squeezed)
    obs, _ = env.reset()
    config = ExecutorConfig(navigation=NavigationConfig(sidesteps=sidesteps))
    outcome, obs = execute(
        env, NavigateToPose(*goal), obs, 400, config=config, navigability=narrowed
    )
    assert outcome.success == (sidesteps > 0), outcome.reason
    if sidesteps:
        assert np.linalg.norm(obs.agent.xy - goal) < 0.3
    else:
        assert "blocked" in outcome.reason
