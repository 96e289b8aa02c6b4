"""DESIGN.md's import rules: scene_graph and envs import nothing of the project; policies only envs."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT = {"embodied_mem", "envs", "scene_graph", "policies"}
ALLOWED = {
    "scene_graph": {"scene_graph"},
    "envs": {"envs"},
    "policies": {"policies", "envs"},
    "embodied_mem": PROJECT,
}


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names & PROJECT


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_design_allows(package: str) -> None:
    offenders = {}
    for path in (ROOT / package).rglob("*.py"):
        bad = _imported_packages(path) - ALLOWED[package]
        if bad:
            offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert not offenders, f"import rule broken (see DESIGN.md): {offenders}"
