"""FindingDory episodes: their format loaded, their instructions resolved, run end to end."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from findingdory_fixture import APPLE, BED, CUP, TABLE, write_dataset
from sim_paths import HABITAT_SCENES

from embodied_mem.benchmark.episode import EpisodeFormatError, ExperienceRecord, InteractionRecord
from embodied_mem.benchmark.findingdory import episode_spec, load_episodes
from embodied_mem.benchmark.findingdory_goals import tasks_from_instructions
from envs.ground_truth import GroundTruth, ObjectRecord, RoomRecord

DATASET = HABITAT_SCENES / "fake.scene_dataset_config.json"


@pytest.fixture()
def episodes_file(tmp_path: Path) -> Path:
    return write_dataset(tmp_path, DATASET)


def test_their_format_loads_into_a_habitat_spec(episodes_file: Path, tmp_path: Path) -> None:
    (ep,) = load_episodes(episodes_file)
    assert ep.object_names() == [APPLE, CUP]
    assert ep.rigid_objs[0][1].shape == (4, 4)
    assert ep.rigid_objs[0][1][:3, 3] == pytest.approx([2.5, 0.86, 4.5])
    view = ep.candidate_goal_receps[0].view_points[0]
    assert view.position == pytest.approx([5.2, 0.0, 4.5]) and view.iou == pytest.approx(0.5)
    assert [i.task_id for i in ep.instructions] == [f"task_{k}" for k in range(1, 7)]
    spec = episode_spec(ep, tmp_path, width=64)
    opts = spec.env_options
    assert (opts["scene"], opts["width"]) == ("hssd_house", 64)
    apple = opts["objects"][0]
    assert apple["name"] == APPLE and apple["category"] == "apple"
    assert apple["position"] == pytest.approx([2.5, -4.5, 0.86])  # habitat → world (z up)
    assert apple["template"].endswith("data/objects/Apple_25.object_config.json")
    assert spec.rearrangements == [[[APPLE, f"habitat/rigid/{BED}"]]]
    assert spec.interactions_per_day == [1] and len(spec.instructions) == 6


def test_bad_files_are_named(tmp_path: Path, episodes_file: Path) -> None:
    bad = tmp_path / "bad.json.gz"
    bad.write_bytes(gzip.compress(b'{"no_episodes": []}'))
    with pytest.raises(EpisodeFormatError, match="'episodes' list"):
        load_episodes(bad)
    doc = json.loads(gzip.decompress(episodes_file.read_bytes()))
    lonely = tmp_path / "alone" / "episodes.json"
    lonely.parent.mkdir()
    lonely.write_text(json.dumps(doc))  # no viewpoints.npy / transformations.npy next to it
    with pytest.raises(EpisodeFormatError, match="transformations.npy"):
        load_episodes(lonely)


def _world() -> tuple[ExperienceRecord, GroundTruth]:
    """The world after the ORACLE moved the apple from the table to the bed."""

    def rec(oid, cat, lo, hi, **kw):
        return ObjectRecord(oid, cat, "habitat/region_0", tuple(lo), tuple(lo), tuple(hi), **kw)

    objects = {
        APPLE: rec(
            APPLE,
            "apple",
            (6.4, -4.6, 0.6),
            (6.6, -4.4, 0.7),
            pickupable=True,
            parent_receptacle=f"habitat/rigid/{BED}",
        ),
        CUP: rec(CUP, "cup", (1.7, -1.4, 0.8), (1.9, -1.2, 0.9), pickupable=True),
        f"habitat/rigid/{TABLE}": rec(
            f"habitat/rigid/{TABLE}", "table", (2, -5, 0), (3, -4, 0.8), is_receptacle=True
        ),
        f"habitat/rigid/{BED}": rec(
            f"habitat/rigid/{BED}", "bed", (5.5, -5.3, 0), (7.5, -3.7, 0.6), is_receptacle=True
        ),
    }
    rooms = {
        "habitat/region_0": RoomRecord(
            "habitat/region_0", "kitchen", "kitchen 0", [(0, 0), (8, 0), (8, -6), (0, -6)]
        )
    }
    pick = InteractionRecord(
        index=0,
        day=0,
        object_id=APPLE,
        category="apple",
        attributes={},
        start_receptacle=f"habitat/rigid/{TABLE}",
        start_receptacle_category="table",
        goal_receptacle=f"habitat/rigid/{BED}",
        goal_receptacle_category="bed",
        pick_room="habitat/region_0",
        place_room="habitat/region_0",
        start_seconds=600.0,
        end_seconds=900.0,
        start_time="06:10",
        end_time="06:15",
        start_frame=10,
        end_frame=40,
    )
    return ExperienceRecord(episode_id="findingdory-7", days=1, interactions=[pick]), GroundTruth(
        objects, rooms
    )


def test_instructions_become_tasks_with_their_goals(episodes_file: Path, tmp_path: Path) -> None:
    spec = episode_spec(load_episodes(episodes_file)[0], tmp_path)
    record, gt = _world()
    tasks, skipped = tasks_from_instructions(spec, record, gt)
    by_id = {t.slots["findingdory_task"]: t for t in tasks}
    assert set(by_id) == {"task_1", "task_2", "task_3", "task_4"}
    assert by_id["task_1"].goals[0].valid == (APPLE,)  # interaction_order = first
    assert by_id["task_2"].goals[0].valid == (f"habitat/rigid/{BED}",)  # goal_receptacle
    assert by_id["task_3"].goals[0].kind == "object" and by_id["task_3"].goals[0].valid == (CUP,)
    t4 = by_id["task_4"]
    assert t4.kind == "multi" and t4.ordered
    assert [g.valid for g in t4.goals] == [(f"habitat/rigid/{TABLE}",), (f"habitat/rigid/{BED}",)]
    assert t4.text.startswith("Navigate to the receptacle you picked the apple from")
    assert "rewritten at run time" in skipped["task_5"]
    assert "not a navigation goal" in skipped["task_6"]


@pytest.mark.slow
def test_findingdory_episode_runs_end_to_end(
    episodes_file: Path, tmp_path: Path, fake_habitat
) -> None:
    from embodied_mem.benchmark.eval_runner import run_suite
    from embodied_mem.config import load_config
    from embodied_mem.run_config import RunConfig

    fake_habitat("0.3.4")
    cfg = load_config(
        RunConfig,
        "suites/findingdory-habitat",
        [
            f"benchmark.findingdory={episodes_file}",
            f"benchmark.findingdory_data_root={tmp_path}",
            "env.habitat.width=128",
            "env.habitat.height=96",
            "baselines=[memory-oracle,no-memory]",
            "planner.rule.explore_steps=40",
        ],
    )
    summary = run_suite(cfg, tmp_path / "run", workers=1)
    rows = [json.loads(x) for x in (tmp_path / "run" / "results.jsonl").read_text().splitlines()]
    done = [r for r in rows if "episode_done" in r]
    assert [(d["episode_done"], d["error"]) for d in done] == [("findingdory-7", None)]
    assert sorted(done[0]["skipped"]) == ["task_5", "task_6"]  # with the reasons, in results
    tasks = [r for r in rows if r.get("baseline") == "memory-oracle"]
    assert sorted(r["instruction"] for r in tasks) == sorted(
        [
            "Navigate to the first object you interacted with.",
            "Navigate to the receptacle you placed an object on.",
            "Navigate to the cup.",
            "Navigate to the receptacle you picked the apple from, then to where you put it.",
        ]
    )
    # scored with the project's rules; the rule planner reads TASKS.md phrasings only, so
    # FindingDory's own wording fails to parse there (the LLM planner reads any text)
    assert summary["baselines"]["memory-oracle"]["overall"]["tasks"] == 4
    assert all(r["failure_mode"] or r["success"] for r in tasks)


@pytest.mark.slow
def test_the_oracle_performs_their_rearrangement(
    episodes_file: Path, tmp_path: Path, fake_habitat
) -> None:
    from embodied_mem.benchmark.experience import make_episode_env, run_experience

    fake_habitat("0.3.4")
    spec = episode_spec(load_episodes(episodes_file)[0], tmp_path, width=96, height=72)
    with make_episode_env(spec) as env:
        record = run_experience(env, spec)
        (move,) = record.interactions
        assert (move.object_id, move.start_receptacle, move.goal_receptacle) == (
            APPLE,
            f"habitat/rigid/{TABLE}",
            f"habitat/rigid/{BED}",
        )
        assert env.ground_truth().objects[APPLE].parent_receptacle == f"habitat/rigid/{BED}"
