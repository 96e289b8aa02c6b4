"""Pick by position when the pixel nearest the remembered point shows the furniture under it."""

from __future__ import annotations

from pol_boxworld import BoxWorldEnv

from policies.executor import execute
from policies.subgoals import PickSubgoal

# On the table top, just beside the mug: the nearest pixel with a matching depth is the table.
BESIDE_MUG = (6.5, 1.62, 0.75)


def test_pick_looks_past_a_receptacle_the_env_refuses(boxworld: BoxWorldEnv) -> None:
    outcome, obs = execute(
        boxworld, PickSubgoal(position=BESIDE_MUG, category="Mug"), boxworld.observe(), 300
    )
    assert outcome.success, outcome.reason
    assert outcome.details["env_id"] == "mug" and obs.held_object == "mug"
    assert outcome.details["refused"] == ["table"]


def test_pick_of_only_furniture_still_fails_with_the_env_reason(boxworld: BoxWorldEnv) -> None:
    outcome, obs = execute(
        boxworld, PickSubgoal(position=(1.0, 5.2, 0.79)), boxworld.observe(), 300
    )  # sofa top
    assert not outcome.success and "cannot be picked up" in outcome.reason
    assert obs.held_object is None
