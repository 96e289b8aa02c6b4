"""Parallel episodes are handed out longest first, by a cost known before running them."""

from __future__ import annotations

from embodied_mem.benchmark.episode import EpisodeSpec
from embodied_mem.benchmark.schedule import episode_cost, longest_first
from envs.builtin.config import BuiltinEnvConfig
from envs.builtin.procgen import generate_house


def _spec(name: str, house_seed: int, interactions: list[int], env: str = "builtin") -> EpisodeSpec:
    return EpisodeSpec(
        episode_id=name, seed=0, house_seed=house_seed, interactions_per_day=interactions, env=env
    )


def test_the_room_count_is_the_generated_house_s() -> None:
    config = BuiltinEnvConfig(min_rooms=3, max_rooms=6)
    for seed in range(5):
        assert config.rooms_of(seed) == len(generate_house(seed, config).rooms)


def test_bigger_houses_and_more_interactions_go_first_ties_in_suite_order() -> None:
    config = BuiltinEnvConfig()
    seeds = sorted(range(40), key=config.rooms_of)
    small, big = seeds[0], seeds[-1]
    assert config.rooms_of(small) < config.rooms_of(big)
    specs = [
        _spec("a", small, [2]),
        _spec("b", big, [2]),
        _spec("c", small, [2]),
        _spec("d", small, [5, 5]),
    ]
    order = [s.episode_id for s in longest_first(specs)]
    assert order.index("b") < order.index("a")
    assert order.index("d") < order.index("a") < order.index("c")
    assert episode_cost(specs[0]) == episode_cost(specs[2])


def test_other_simulators_are_ordered_by_days_and_interactions() -> None:
    specs = [_spec("one", 0, [2], env="ai2thor"), _spec("two", 0, [3, 3], env="ai2thor")]
    assert [s.episode_id for s in longest_first(specs)] == ["two", "one"]
