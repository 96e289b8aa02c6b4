"""Mind-Palace stopping: answer from memory, go and look, or explore — by value of information.

A remembered fact about a movable object goes stale: the longer since it was last seen, the
likelier it changed (overnight changes, other agents). We model the chance it changed as
``p = 1 - exp(-staleness / half_life * ln 2)`` for movable categories and ~0 for furniture.
Going to look removes that risk at the cost of walking there. The rule: go look when
``p * cost_of_wrong_answer > travel_cost_per_metre * distance``; explore when memory has no
candidate at all; otherwise answer. Every decision and its inputs are logged and returned.
"""

from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass

logger = logging.getLogger(__name__)

#: Decisions the rule can take.
ANSWER, LOOK, EXPLORE = "answer", "look", "explore"


@dataclass
class StoppingConfig:
    """Weights of the value-of-information rule."""

    half_life_s: float = 8 * 3600.0
    """Staleness (s) at which a movable object's remembered state is a coin flip of having changed."""
    static_change_prob: float = 0.0
    """Chance that furniture / non-movable things changed (they don't move in these houses)."""
    cost_of_wrong_answer: float = 10.0
    """Utility lost by a wrong answer, in metres-of-walking equivalents."""
    travel_cost_per_metre: float = 1.0
    """Cost of walking one metre to look."""

    def __post_init__(self) -> None:
        if self.half_life_s <= 0:
            raise ValueError(f"half_life_s must be > 0, got {self.half_life_s}")
        if not 0 <= self.static_change_prob <= 1:
            raise ValueError(f"static_change_prob must be in [0, 1], got {self.static_change_prob}")
        if self.cost_of_wrong_answer < 0 or self.travel_cost_per_metre < 0:
            raise ValueError(
                f"cost_of_wrong_answer and travel_cost_per_metre must be >= 0, got "
                f"{self.cost_of_wrong_answer} and {self.travel_cost_per_metre}"
            )


@dataclass(frozen=True)
class StoppingDecision:
    """The decision with every input that led to it (for traces and logs)."""

    action: str
    staleness_s: float
    movable: bool
    change_probability: float
    travel_distance_m: float
    value_of_looking: float
    travel_cost: float

    def as_dict(self) -> dict[str, float | str | bool]:
        return asdict(self)


def decide(
    *,
    has_candidate: bool,
    staleness_s: float,
    movable: bool,
    travel_distance_m: float,
    config: StoppingConfig | None = None,
) -> StoppingDecision:
    """Apply the rule. ``travel_distance_m`` may be inf (unreachable → never worth looking)."""
    cfg = config or StoppingConfig()
    if staleness_s < 0:
        raise ValueError(f"staleness must be >= 0 seconds, got {staleness_s}")
    if movable:
        p = 1.0 - math.exp(-max(staleness_s, 0.0) / cfg.half_life_s * math.log(2.0))
    else:
        p = cfg.static_change_prob
    value = p * cfg.cost_of_wrong_answer
    cost = cfg.travel_cost_per_metre * travel_distance_m
    if not has_candidate:
        action = EXPLORE
    elif math.isfinite(cost) and value > cost:
        action = LOOK
    else:
        action = ANSWER
    decision = StoppingDecision(action, staleness_s, movable, p, travel_distance_m, value, cost)
    logger.info(
        "stopping rule: %s (p_changed=%.2f, value=%.2f, travel_cost=%.2f)", action, p, value, cost
    )
    return decision
