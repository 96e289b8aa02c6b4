"""Episode specs, experience records and suite files: JSON round trips and clear errors."""

from __future__ import annotations

import json

import pytest
from bench_house import GridNav, make_gt, make_two_day

from embodied_mem.benchmark.episode import EpisodeFormatError, EpisodeSpec, ExperienceRecord
from embodied_mem.benchmark.suite import (
    FrozenEpisode,
    SuiteConfig,
    load_suite,
    make_specs,
    save_suite,
)
from embodied_mem.benchmark.task import TaskInstance
from embodied_mem.benchmark.templates import generate_tasks


def test_make_specs_deterministic_and_in_range():
    cfg = SuiteConfig(name="s", episodes=30, seed=4, days=2, overnight_changes=1)
    a, b = make_specs(cfg), make_specs(cfg)
    assert [s.to_dict() for s in a] == [s.to_dict() for s in b]
    ks = [k for s in a for k in s.interactions_per_day]
    assert min(ks) >= 2 and max(ks) <= 11 and len(set(ks)) > 3
    assert all(s.days == 2 and s.overnight_changes == 1 for s in a)
    assert len({s.house_seed for s in a}) == 30
    assert (
        make_specs(SuiteConfig(episodes=3, seed=5))[0].to_dict()
        != make_specs(SuiteConfig(episodes=3, seed=4))[0].to_dict()
    )


def test_a_day_gets_the_steps_its_interactions_need():
    """20 interactions a day do not fit 4800 steps (the large setting ran past 22:00): the suite
    plans the day's steps from the interactions; days that fit keep the configured steps."""
    big = SuiteConfig(episodes=2, days=3, min_interactions=20, max_interactions=20)
    big.env_options = {"steps_per_day": 4800}
    assert [s.env_options["steps_per_day"] for s in make_specs(big)] == [8000, 8000]
    small = SuiteConfig(episodes=2, min_interactions=2, max_interactions=6)
    small.env_options = {"steps_per_day": 4800}
    assert [s.env_options["steps_per_day"] for s in make_specs(small)] == [4800, 4800]
    with pytest.raises(ValueError, match="steps_per_interaction"):
        SuiteConfig(steps_per_interaction=0)


def test_family_and_episode_filters_keep_the_suite_seeds():
    """Cheap iteration: one family, one episode of a suite, with that episode's own seeds."""
    whole = make_specs(SuiteConfig(name="s", episodes=5, seed=2))
    one = make_specs(
        SuiteConfig(name="s", episodes=1, seed=2, first_episode=3, families=["manipulation"])
    )
    assert len(one) == 1 and one[0].episode_id == whole[3].episode_id == "s-0003"
    assert (one[0].seed, one[0].house_seed) == (whole[3].seed, whole[3].house_seed)
    assert one[0].templates == ["T55", "T56", "T57", "T58"]
    both = SuiteConfig(templates=["T01", "T57"], families=["manipulation", "questions"])
    assert make_specs(both)[0].templates == ["T57"]
    with pytest.raises(ValueError, match="unknown families"):
        SuiteConfig(families=["cooking"])
    with pytest.raises(ValueError, match="no template"):
        make_specs(SuiteConfig(templates=["T01"], families=["questions"]))


def test_suite_config_validation():
    with pytest.raises(ValueError, match="min_interactions"):
        SuiteConfig(min_interactions=5, max_interactions=3)
    with pytest.raises(ValueError, match="T01..T63"):
        EpisodeSpec("e", 0, 0, [3], templates=["T64"])
    with pytest.raises(ValueError, match="at least 1 interaction"):
        EpisodeSpec("e", 0, 0, [3, 0])


def test_frozen_suite_round_trip(tmp_path):
    rec, gt = make_two_day()
    spec = EpisodeSpec(
        "hand-2",
        seed=3,
        house_seed=7,
        interactions_per_day=[1, 4],
        overnight_changes=1,
        env_options={"rooms": 3},
    )
    tasks = generate_tasks(rec, gt, seed=spec.seed, nav=GridNav(gt)).tasks
    path = save_suite(
        tmp_path / "suite.json",
        [
            FrozenEpisode(spec, rec, [t.to_dict() for t in tasks]),
            make_specs(SuiteConfig(episodes=1))[0],
        ],
    )
    loaded = load_suite(path)
    assert loaded[0].spec == spec
    assert loaded[0].record == rec
    assert [TaskInstance.from_dict(t) for t in loaded[0].tasks] == tasks
    assert loaded[1].record is None and loaded[1].tasks == []
    # The loaded record fills the same tasks as the original.
    again = generate_tasks(loaded[0].record, make_gt(), seed=spec.seed, nav=GridNav(gt)).tasks
    assert [t.to_dict() for t in again] == [t.to_dict() for t in tasks]


def test_record_round_trip_preserves_derived_values():
    rec, _ = make_two_day()
    back = ExperienceRecord.from_dict(json.loads(json.dumps(rec.to_dict())))
    assert back == rec
    assert back.time_per_room(1) == rec.time_per_room(1)
    assert back.on_day(1)[2].duration == 180.0


def test_load_errors_are_clear(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such"):
        load_suite(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(EpisodeFormatError, match="not valid JSON"):
        load_suite(bad)
    path = save_suite(tmp_path / "s.json", make_specs(SuiteConfig(episodes=2)))
    doc = json.loads(path.read_text())
    doc["schema_version"] = 99
    path.write_text(json.dumps(doc))
    with pytest.raises(EpisodeFormatError, match="schema_version 99"):
        load_suite(path)
    doc["schema_version"] = 1
    doc["episodes"][0]["spec"]["houses"] = 3
    path.write_text(json.dumps(doc))
    with pytest.raises(EpisodeFormatError, match="unknown field.*houses"):
        load_suite(path)
    del doc["episodes"][0]["spec"]["houses"]
    del doc["episodes"][0]["spec"]["seed"]
    path.write_text(json.dumps(doc))
    with pytest.raises(EpisodeFormatError, match="missing field.*seed"):
        load_suite(path)
    doc["kind"] = "something.else"
    path.write_text(json.dumps(doc))
    with pytest.raises(EpisodeFormatError, match="expected a"):
        load_suite(path)
