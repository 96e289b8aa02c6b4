"""Run-config sections name a registered backend and build it from its own config."""

from __future__ import annotations

import pytest

from embodied_mem.perception.pipeline import Perceiver
from embodied_mem.planner.rule import RulePlanner
from embodied_mem.run_config import EnvSection, PerceptionSection, PlannerSection, RunConfig

SECTIONS = (EnvSection, PerceptionSection, PlannerSection)


@pytest.mark.parametrize("section", SECTIONS)
def test_every_registered_backend_has_a_config_here(section: type) -> None:
    s = section()
    for name in section.registry.names():
        assert s.config_of(name) is getattr(s, name)


@pytest.mark.parametrize(
    ("section", "field", "bad", "hint"),
    [(EnvSection, "name", "habitta", "habitat"), (PlannerSection, "name", "rul", "rule")],
)
def test_an_unknown_backend_is_refused_with_a_suggestion(
    section: type, field: str, bad: str, hint: str
) -> None:
    with pytest.raises(ValueError, match=f"{field}: unknown .*{bad!r}; did you mean {hint!r}"):
        section(**{field: bad})


def test_an_unknown_segmenter_is_refused_with_a_suggestion() -> None:
    with pytest.raises(ValueError, match="unknown segmenter 'orcale'; did you mean 'oracle'"):
        PerceptionSection().build("orcale")


def test_sections_build_the_chosen_backend_from_its_config() -> None:
    cfg = RunConfig()
    planner = cfg.planner.build()
    assert isinstance(planner, RulePlanner) and planner.config is cfg.planner.rule
    perceiver = cfg.perception.build("geometric")
    assert isinstance(perceiver, Perceiver)
    assert perceiver.segmenter.config is cfg.perception.geometric
    with pytest.raises(ValueError, match="ORACLE-based"):
        cfg.perception.build("oracle")  # ORACLE needs the env's ground truth


def test_image_planners_are_named_without_importing_them() -> None:
    """``IMAGE_PLANNERS`` (read by the config) says what each planner class says."""
    from embodied_mem.planner.registry import IMAGE_PLANNERS, PLANNERS

    for name in PLANNERS.names():
        wants = getattr(PLANNERS.resolve(name), "needs_images", False)
        assert wants == (name in IMAGE_PLANNERS), name
    assert RunConfig(planner=PlannerSection(name="frames")).memory.episodic.thumbnails
