"""The fixed CPU cost of the command line: what every `embodied-mem` call pays before any work.

Three calls, each run ``--repeat`` times in a fresh process; the figure is the median CPU time
(user + sys of the process and its children, ``getrusage(RUSAGE_CHILDREN)``):

- ``version``: ``embodied-mem --version`` (imports of the CLI itself);
- ``config``: ``embodied-mem config --suite demo`` (load, check and document a config);
- ``eval_fixed``: the driver's fixed cost of an eval, defined as ``embodied-mem eval`` on a
  run directory whose episodes are all finished. Nothing runs, so everything measured is
  what an eval call pays regardless of its episodes: imports, loading and checking the
  config, claiming the directory, reading the results back, the summary and the report.
  Each repeat resumes a fresh copy of the same finished directory (so repeats are alike and
  the source is not touched). The directory is ``--run-dir`` if given (made by the same
  ``eval`` command line as :data:`EVAL_ARGS` plus its ``--out``, by code with the same config
  defaults: eval refuses a directory of another config), else one built here first by
  running that command (one small demo episode; its CPU is not part of any figure). Before the
  repeats, one untimed resume brings the copy's report up to date with the code measured (a
  directory written by older code may lack what lets a report skip unchanged pictures);
- ``eval_fixed_redraw``: the same, with the report's success chart invalidated first, so the
  report draws it again: what an eval whose results changed pays on top of ``eval_fixed``.

Next to each figure is the CPU of ``python -c pass`` measured in the same run (interpreter and
site start-up), as a ratio, so a loaded machine still gives comparable numbers. ``imports``
lists the packages whose imports cost most during ``eval_fixed`` (self time summed per
top-level package from ``python -X importtime``, wall milliseconds of one run).

Commands run the checkout this script is in (its root is the working directory, so it comes
first on ``sys.path``), not whichever checkout the installed entry point points at.

Usage: ``python bench/bench_cli_cost.py [--repeat 3] [--run-dir DIR]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = "import sys; from embodied_mem.cli import app; sys.argv[0] = 'embodied-mem'; app()"
"""What the installed ``embodied-mem`` script runs, importing from :data:`ROOT`."""
EVAL_ARGS = [
    "eval",
    "--suite",
    "demo",
    "--workers",
    "1",
    "benchmark.episodes=1",
    "baselines=[memory-oracle,no-memory,frames-96]",
    "benchmark.templates=[T02,T16,T26]",
]
"""The eval whose finished run directory ``eval_fixed`` resumes: small, so building it is
quick, yet with a memory agent, the no-memory baseline and a frames bound in its report."""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("MUJOCO_GL", "egl")
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TRANSFORMERS_OFFLINE", "1")
    return env


def cpu_seconds(argv: list[str]) -> float:
    """CPU time (user + sys) of running ``argv`` to completion, children included."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(argv, cwd=ROOT, env=_env(), capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:  # e.g. --run-dir made with another config: say so, not just "2"
        raise SystemExit(
            f"{' '.join(argv[3:])} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def cli(*args: str) -> list[str]:
    return [sys.executable, "-c", CLI, *args]


def build_run_dir(where: Path) -> Path:
    """A finished run directory of :data:`EVAL_ARGS`."""
    out = where / "finished"
    subprocess.run(cli(*EVAL_ARGS, "--out", str(out)), cwd=ROOT, env=_env(), check=True)
    return out


def settle(run_dir: Path, scratch: Path) -> Path:
    """A copy of ``run_dir`` resumed once (untimed) by the code measured."""
    settled = scratch / "settled"
    shutil.copytree(run_dir, settled)
    cpu_seconds(cli(*EVAL_ARGS, "--out", str(settled)))
    return settled


def eval_fixed_cpu(run_dir: Path, scratch: Path, *, redraw: bool = False) -> float:
    """CPU of an eval that resumes a fresh copy of the finished ``run_dir`` (``redraw``: with
    its success chart deleted, so the report draws it)."""
    copy = scratch / "resume"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(run_dir, copy)
    if redraw:
        (copy / "success_by_family.png").unlink()
    return cpu_seconds(cli(*EVAL_ARGS, "--out", str(copy)))


def import_costs(run_dir: Path, scratch: Path, top: int = 8) -> dict[str, float]:
    """Milliseconds of import (self time, summed per top-level package) of one ``eval_fixed``."""
    copy = scratch / "importtime"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(run_dir, copy)
    argv = [sys.executable, "-X", "importtime", "-c", CLI, *EVAL_ARGS, "--out", str(copy)]
    done = subprocess.run(argv, cwd=ROOT, env=_env(), check=True, capture_output=True, text=True)
    per_package: dict[str, int] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        self_us, _, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        if not self_us.isdigit():
            continue  # the header line
        package = name.split(".")[0]
        per_package[package] = per_package.get(package, 0) + int(self_us)
    ranked = sorted(per_package.items(), key=lambda kv: -kv[1])
    total = sum(per_package.values())
    return {"total": round(total / 1000), **{k: round(v / 1000) for k, v in ranked[:top]}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each call (median)")
    parser.add_argument("--run-dir", type=Path, help="a finished run of EVAL_ARGS to resume")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        run_dir = settle(args.run_dir or build_run_dir(scratch), scratch)
        calls = {
            "python_pass": lambda: cpu_seconds([sys.executable, "-c", "pass"]),
            "version": lambda: cpu_seconds(cli("--version")),
            "config": lambda: cpu_seconds(cli("config", "--suite", "demo")),
            "eval_fixed": lambda: eval_fixed_cpu(run_dir, scratch),
            "eval_fixed_redraw": lambda: eval_fixed_cpu(run_dir, scratch, redraw=True),
        }
        samples: dict[str, list[float]] = {name: [] for name in calls}
        for _ in range(args.repeat):  # interleaved, so a load spike hits every call alike
            for name, call in calls.items():
                samples[name].append(call())
        imports = import_costs(run_dir, scratch)
    reference = statistics.median(samples["python_pass"])
    result: dict[str, object] = {"python_pass_cpu_s": round(reference, 3)}
    for name in ("version", "config", "eval_fixed", "eval_fixed_redraw"):
        cpu = statistics.median(samples[name])
        result[f"{name}_cpu_s"] = round(cpu, 3)
        result[f"{name}_vs_python_pass"] = round(cpu / reference, 1)
    result["eval_fixed_goal_cpu_s"] = 2.0
    result["eval_fixed_import_ms"] = imports
    result["repeat"] = args.repeat
    print(json.dumps(result))


if __name__ == "__main__":
    main()
