"""Policy configs reject bad values with a message naming the field."""

from __future__ import annotations

import pytest

from policies.exploration import ExplorationConfig
from policies.manipulation import ManipulationConfig
from policies.navigation import NavigationConfig, Navigator, TargetSpec
from policies.paths import PathConfig
from policies.runner import ActionRunner
from policies.viewpoints import ViewpointConfig


@pytest.mark.parametrize(
    ("factory", "match"),
    [
        (lambda: NavigationConfig(forward_step=0), "forward_step"),
        (lambda: NavigationConfig(max_viewpoints=0), "max_viewpoints"),
        (lambda: NavigationConfig(walk_frame_stride=0), "walk_frame_stride"),
        (lambda: TargetSpec(1.0, 4.0, 0.1, 0.1), "facing"),
        (lambda: TargetSpec(1.0, 0.5, 0.1, 0.1, max_reach=0.5), "max_reach"),
        (lambda: PathConfig(resolution=-1), "resolution"),
        (lambda: PathConfig(clearance=-0.1), "clearance"),
        (lambda: ViewpointConfig(min_radius=2.0, max_radius=1.0), "min_radius"),
        (lambda: ExplorationConfig(floor_height=3.0), "floor_height"),
        (lambda: ExplorationConfig(pixel_stride=0), "pixel_stride"),
        (lambda: ManipulationConfig(reach=0), "reach"),
    ],
)
def test_bad_config_values_are_named(factory, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        factory()


def test_object_viewpoints_never_grow_past_where_arrival_can_count() -> None:
    # Object success needs the agent within 2.0 m (geodesic); the standing radius grows while
    # no viewpoint is found, but for objects it stops short of that, for receptacles it does not.
    cfg = NavigationConfig()
    grown = [Navigator._reach(cfg.object, extra) for extra in cfg.radius_growth]
    assert grown == sorted(grown) and max(grown) < 2.0
    assert Navigator._reach(cfg.receptacle, max(cfg.radius_growth)) == pytest.approx(
        cfg.receptacle.max_radius + max(cfg.radius_growth)
    )


def test_runner_rejects_negative_budget(boxworld) -> None:
    with pytest.raises(ValueError, match="budget"):
        ActionRunner(boxworld, boxworld.observe(), -1)
