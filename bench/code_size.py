"""Module and function size figures of the library, computed with ``ast``.

Method (the one the outside review used; it reproduces its 143/294 and 7/22 on commit 9bbf86c):
every ``*.py`` file under the four library packages (``embodied_mem``, ``envs``, ``policies``,
``scene_graph``), ``__init__.py`` included; a module's size is its physical line count; a
function's size is ``end_lineno - lineno + 1`` of every ``def`` / ``async def`` node (methods
and nested functions included, decorators excluded). Percentiles are numpy's default (linear).

The reference is the same figures for another git revision of this repository, computed in the
same run (``--against``, default ``HEAD~1``), so the JSON shows the change as a ratio.

Run: ``.venv/bin/python bench/code_size.py [--against main] [--rev HEAD]``
(without ``--rev`` the working tree is measured).
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import subprocess
import sys
import tarfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np

PACKAGES = ("embodied_mem", "envs", "policies", "scene_graph")
REPO = Path(__file__).resolve().parents[1]


def working_tree_sources(root: Path) -> Iterable[tuple[str, str]]:
    """(path, text) of every library module in the working tree below ``root``."""
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            yield str(path.relative_to(root)), path.read_text(encoding="utf-8")


def revision_sources(rev: str) -> Iterable[tuple[str, str]]:
    """(path, text) of every library module at git revision ``rev``."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", rev, *PACKAGES],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for member in sorted(tar.getmembers(), key=lambda m: m.name):
            if member.isfile() and member.name.endswith(".py"):
                data = tar.extractfile(member)
                assert data is not None
                yield member.name, data.read().decode("utf-8")


def size_figures(sources: Iterable[tuple[str, str]]) -> dict[str, float]:
    """Median and p90 of module lines and function lines over ``sources``."""
    module_lines: list[int] = []
    function_lines: list[int] = []
    for _, text in sources:
        module_lines.append(len(text.splitlines()))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                function_lines.append(node.end_lineno - node.lineno + 1)
    return {
        "modules": len(module_lines),
        "functions": len(function_lines),
        "module_median": float(np.median(module_lines)),
        "module_p90": float(np.percentile(module_lines, 90)),
        "module_max": float(max(module_lines)),
        "function_median": float(np.median(function_lines)),
        "function_p90": float(np.percentile(function_lines, 90)),
        "function_max": float(max(function_lines)),
        "modules_over_400": sum(n > 400 for n in module_lines),
        "functions_over_50": sum(n > 50 for n in function_lines),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rev", default=None, help="git revision to measure (default: working tree)"
    )
    parser.add_argument("--against", default="HEAD~1", help="git revision measured as reference")
    args = parser.parse_args(argv)
    measured = size_figures(revision_sources(args.rev) if args.rev else working_tree_sources(REPO))
    reference = size_figures(revision_sources(args.against))
    ratio = {
        key: round(measured[key] / reference[key], 3) if reference[key] else None
        for key in measured
    }
    print(
        json.dumps(
            {
                "measured": {"rev": args.rev or "working tree", **measured},
                "reference": {"rev": args.against, **reference},
                "ratio": ratio,
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
