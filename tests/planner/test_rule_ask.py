"""``ask``: answers from a saved memory opened read-only, with evidence; the CLI prints JSON.

The memory is the synthetic house of test_rule_planner.py, saved to a file. Yesterday the
agent moved Mug_1_0_1 Sofa -> Fridge_0_1, Candle_2_1_0 Dresser -> Desk_2_2 (bedroom) and
Apple_0_0_1 Shelf -> CounterTop_0_0.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from embodied_mem.memory import AgentMemory
from embodied_mem.memory.synthetic import SynthConfig, SyntheticHouse, run_day
from embodied_mem.planner.ask import ask

REPO = Path(__file__).resolve().parents[2]
DAY0 = [("Apple_0_0_1", "Shelf_1_2"), ("Pen_1_1_0", "Sofa_1_0")]
DAY1 = [
    ("Mug_1_0_1", "Fridge_0_1"),
    ("Candle_2_1_0", "Desk_2_2"),
    ("Apple_0_0_1", "CounterTop_0_0"),
]


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ask") / "memory.db"
    house = SyntheticHouse(SynthConfig(seed=1, rooms=4))
    mem = AgentMemory(house.rooms, path=path)
    run_day(mem, house, 0, DAY0)
    mem.start_day(1)
    run_day(mem, house, 1, DAY1)
    mem.close()
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_question_is_answered_with_the_place_event_as_evidence(saved: Path) -> None:
    mem = AgentMemory.open(saved, read_only=True)
    out = ask(mem.query(), "Where did you leave the candle yesterday?").to_json()
    assert out["template"] == "T59" and out["answer"].startswith("Desk")
    events = [e for ev in out["evidence"] for e in ev["events"]]
    assert [e["kind"] for e in events] == ["place"] and events[0]["day"] == 1
    assert out["evidence"][0]["frame_indices"] and out["evidence"][0]["times"]


def test_instruction_gives_its_targets_with_their_evidence(saved: Path) -> None:
    mem = AgentMemory.open(saved, read_only=True)
    out = ask(mem.query(), "Go to wherever you put the candle.").to_json()
    assert out["template"] == "T26" and out["answer"] is None
    (target,) = out["targets"]
    assert target["category"] == "Desk" and target["evidence"]["frame_indices"]


def test_not_understood_is_reported_with_nearest_intents(saved: Path) -> None:
    mem = AgentMemory.open(saved, read_only=True)
    out = ask(mem.query(), "Why did you move the book?").to_json()
    assert out["answer"] is None and out["note"].startswith("not understood (no_match)")
    assert out["parse"]["alternatives"]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "embodied_mem.cli", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_ask_leaves_the_file_untouched(saved: Path) -> None:
    before = (_digest(saved), sorted(p.name for p in saved.parent.iterdir()))
    proc = _cli("ask", str(saved), "How many objects did you move yesterday?")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["template"] == "T62" and out["answer"] == "3"
    assert (_digest(saved), sorted(p.name for p in saved.parent.iterdir())) == before


def test_cli_ask_works_while_a_live_run_holds_the_memory(saved: Path) -> None:
    writer = AgentMemory.open(saved)  # a run still appending: it holds the writer lock
    try:
        proc = _cli("ask", str(saved), "Which room did you spend the most time in yesterday?")
    finally:
        writer.close()
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["template"] == "T63" and out["answer"] and out["evidence"]


def test_cli_parse_prints_the_json_the_issue_asks_for() -> None:
    proc = _cli("parse", "Could you put the apple into the cabinet?")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["template"] == "T57"
    assert out["slots"] == {"category": "Apple", "openable_receptacle": "Cabinet"}
    assert 0 < out["confidence"] <= 1 and isinstance(out["alternatives"], list)


def test_cli_ask_on_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    proc = _cli("ask", str(tmp_path / "nope.db"), "How many objects did you move yesterday?")
    assert proc.returncode == 2 and "no memory file" in proc.stdout + proc.stderr


def test_cli_ask_today_moves_what_yesterday_means(saved: Path) -> None:
    # A benchmark memory logs its task day too; --today lets "yesterday" be the experience day.
    proc = _cli("ask", str(saved), "How many objects did you move yesterday?", "--today", "1")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["answer"] == str(len(DAY0))
