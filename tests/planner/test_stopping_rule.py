"""The Mind-Palace value-of-information rule: answer, look or explore, with its inputs logged."""

from __future__ import annotations

import logging
import math

import pytest

from embodied_mem.planner.stopping import ANSWER, EXPLORE, LOOK, StoppingConfig, decide

HOUR = 3600.0


def test_no_candidate_means_explore() -> None:
    d = decide(has_candidate=False, staleness_s=0.0, movable=True, travel_distance_m=1.0)
    assert d.action == EXPLORE


def test_fresh_memory_is_trusted_even_next_door() -> None:
    d = decide(has_candidate=True, staleness_s=60.0, movable=True, travel_distance_m=1.0)
    assert d.action == ANSWER
    assert d.change_probability < 0.01 and d.value_of_looking < d.travel_cost


def test_stale_memory_of_a_movable_object_nearby_is_checked() -> None:
    d = decide(has_candidate=True, staleness_s=24 * HOUR, movable=True, travel_distance_m=3.0)
    assert d.action == LOOK
    # 24 h = three 8 h half-lives: 1 - 1/8 chance it changed
    assert d.change_probability == pytest.approx(0.875)
    assert d.value_of_looking == pytest.approx(8.75) and d.travel_cost == pytest.approx(3.0)


def test_the_same_staleness_far_away_is_not_worth_the_walk() -> None:
    d = decide(has_candidate=True, staleness_s=24 * HOUR, movable=True, travel_distance_m=20.0)
    assert d.action == ANSWER


def test_furniture_does_not_go_stale() -> None:
    d = decide(has_candidate=True, staleness_s=1000 * HOUR, movable=False, travel_distance_m=0.5)
    assert d.action == ANSWER and d.change_probability == 0.0


def test_unreachable_target_is_never_worth_looking_at() -> None:
    d = decide(
        has_candidate=True, staleness_s=1000 * HOUR, movable=True, travel_distance_m=math.inf
    )
    assert d.action == ANSWER and math.isinf(d.travel_cost)


def test_threshold_moves_with_the_weights() -> None:
    """The break-even distance is p * cost_of_wrong / cost_per_metre."""
    cfg = StoppingConfig(half_life_s=HOUR, cost_of_wrong_answer=4.0, travel_cost_per_metre=2.0)
    # p = 0.5 at one half-life: break-even at 0.5 * 4 / 2 = 1 m
    assert (
        decide(
            has_candidate=True, staleness_s=HOUR, movable=True, travel_distance_m=0.9, config=cfg
        ).action
        == LOOK
    )
    assert (
        decide(
            has_candidate=True, staleness_s=HOUR, movable=True, travel_distance_m=1.1, config=cfg
        ).action
        == ANSWER
    )


def test_decision_and_inputs_are_logged_and_serialisable(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="embodied_mem.planner.stopping"):
        d = decide(has_candidate=True, staleness_s=2 * HOUR, movable=True, travel_distance_m=2.5)
    assert any(r.message.startswith(f"stopping rule: {d.action}") for r in caplog.records)
    row = d.as_dict()
    assert set(row) == {
        "action",
        "staleness_s",
        "movable",
        "change_probability",
        "travel_distance_m",
        "value_of_looking",
        "travel_cost",
    }
    assert row["staleness_s"] == 2 * HOUR and row["travel_distance_m"] == 2.5


@pytest.mark.parametrize(
    "kwargs",
    [
        {"half_life_s": 0.0},
        {"static_change_prob": 1.5},
        {"cost_of_wrong_answer": -1.0},
        {"travel_cost_per_metre": -0.1},
    ],
)
def test_bad_config_is_rejected(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        StoppingConfig(**kwargs)


def test_negative_staleness_is_rejected() -> None:
    with pytest.raises(ValueError, match="staleness"):
        decide(has_candidate=True, staleness_s=-1.0, movable=True, travel_distance_m=1.0)
