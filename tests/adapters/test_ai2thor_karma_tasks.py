"""KARMA-style manipulation tasks (TASKS.md T55-T58) are expressible on a real FloorPlan."""

from __future__ import annotations

from envs.ai2thor.conversions import ground_truth_from_metadata


def test_floorplan10_yields_candidates_for_t55_to_t58(thor_metadata):
    gt = ground_truth_from_metadata(thor_metadata)
    pickup = gt.pickupables()
    receptacles = {r.id: r for r in gt.receptacles()}
    openable_receptacles = [r for r in receptacles.values() if r.openable]
    # T55 bring an object to {receptacle}: a pickupable and a receptacle it is not already on.
    t55 = [(o.id, r) for o in pickup for r in receptacles if r != o.parent_receptacle]
    # T56 / T58 put back where it started: pickupables whose start receptacle is known.
    on_receptacle = [o for o in pickup if o.parent_receptacle in receptacles]
    # T57 put {category} in {openable_receptacle}: closed containers that can be opened.
    t57 = [(o.id, r.id) for o in pickup for r in openable_receptacles if not r.is_open]
    assert len(t55) > 100
    assert len(on_receptacle) >= 20
    assert {r.category for r in openable_receptacles} >= {
        "Fridge",
        "Microwave",
        "Cabinet",
        "Drawer",
    }
    assert t57
    # Every parent receptacle is a real receptacle record with a box to navigate to.
    assert all(receptacles[o.parent_receptacle].is_receptacle for o in on_receptacle)
    # Objects inside the (closed) fridge are what T57 "open it first" needs.
    in_fridge = [o.category for o in pickup if o.parent_receptacle == "Fridge|+00.97|+00.00|+01.25"]
    assert sorted(in_fridge) == ["Egg", "Lettuce"]
