"""The language tables live in package data files: shipped with the wheel, checked on load."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest

from embodied_mem.language.intents import INTENTS, _intent
from embodied_mem.language.lexicon import CUES

tomllib = pytest.importorskip("tomllib", reason="tomllib needs Python 3.11")

ROOT = Path(__file__).resolve().parents[2]
LANGUAGE = ROOT / "embodied_mem" / "language"


def test_pyproject_ships_every_language_data_file() -> None:
    """An installed wheel must carry the YAML tables the parser loads at import."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    package_data = config["tool"]["setuptools"]["package-data"]
    globs = [*package_data.get("*", []), *package_data.get("embodied_mem.language", [])]
    data_files = sorted(p.name for p in LANGUAGE.iterdir() if p.suffix in {".yaml", ".json"})
    assert {"cues.yaml", "intents.yaml"} <= set(data_files)
    unshipped = [n for n in data_files if not any(fnmatch.fnmatch(n, g) for g in globs)]
    assert not unshipped, f"add these to [tool.setuptools.package-data]: {unshipped}"


def test_tables_loaded_from_data_files() -> None:
    assert CUES[("grabbed",)].canonical == "picked up"
    assert CUES[("monday",)].canonical == "monday"  # no canonical: the phrase itself
    assert INTENTS["T04"].needs == (frozenset({"NEG"}), frozenset({"PICK", "PLACE", "MOVE", "USE"}))
    assert INTENTS["T56"].ignores == frozenset({"period"})


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"mode": "fly", "exemplars": ["x"]}, "mode must be one of"),
        ({"mode": "nav", "exemplar": ["typo"]}, "unknown keys"),
    ],
)
def test_bad_intent_entry_is_refused_with_the_reason(entry: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _intent("T01", entry)
