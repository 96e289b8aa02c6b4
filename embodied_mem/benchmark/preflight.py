"""Config problems that would fail every episode, found before the first one starts.

Field values are validated when the config is built (each dataclass's ``__post_init__``);
what needs more than one field, the machine or an installed extra is checked here: baseline
names, the simulator's settings as frozen into the episodes (``env.<sim>`` with
``benchmark.env_options`` on top), that the simulator can start here, and that the configured
planner can be constructed (an LLM endpoint and model, a VLM's weights).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from embodied_mem.config import ConfigError


def preflight(cfg: Any) -> None:
    """Raise :class:`ConfigError` for what would doom every episode of a run of ``cfg``."""
    from embodied_mem.benchmark.baselines import standard_baselines
    from embodied_mem.benchmark.env_setup import check_simulator
    from embodied_mem.benchmark.suite import make_specs

    try:
        baselines = standard_baselines(list(cfg.baselines))
    except ValueError as exc:
        raise ConfigError(f"baselines: {exc}") from exc
    # A missing simulator first: without it, scene paths and datasets cannot be right either,
    # and the user's next step is the install, not the config (issue 13).
    check_simulator(cfg.env.name, cfg.env.selected())
    try:  # builds and validates the simulator config every episode will use
        make_specs(cfg.benchmark, cfg.env)
    except ValueError as exc:
        raise ConfigError(
            f"env.{cfg.env.name} / benchmark.env_options / benchmark.scenes: {exc}"
        ) from exc
    if any(b.kind != "frames-bound" for b in baselines):
        _check_planner(cfg.planner.name, getattr(cfg.planner, cfg.planner.name))


def _check_planner(name: str, section: Any) -> None:
    if name == "llm":
        _check_llm(section, "planner.llm")
    elif name == "hf":
        _check_vlm(section.model_path, "planner.hf.model_path")
    elif name == "frames":
        if section.backend == "llm":
            from embodied_mem.planner.llm_config import LLMPlannerConfig

            _check_llm(LLMPlannerConfig(**section.llm), "planner.frames.llm")
        else:
            _check_vlm(str(section.hf.get("model_path", "")), "planner.frames.hf.model_path")


def _check_llm(section: Any, key: str) -> None:
    from embodied_mem.planner.llm_config import ENV_BASE_URL, ENV_MODEL
    from envs.extras import require_extra

    base_url = section.base_url or os.environ.get(ENV_BASE_URL, "")
    model = section.model or os.environ.get(ENV_MODEL, "")
    missing = [k for k, v in (("base_url", base_url), ("model", model)) if not v]
    if missing:
        raise ConfigError(
            f"the llm planner needs {' and '.join(f'{key}.{m}' for m in missing)} "
            f"(or the environment variables {ENV_BASE_URL} / {ENV_MODEL}), e.g. "
            f"{key}.base_url=http://127.0.0.1:8080/v1 {key}.model=local"
        )
    require_extra("openai", "llm")
    if section.token_counter == "tokenizer":  # loaded once here: a bad path fails every episode
        from embodied_mem.planner.prompting import TokenizerCounter

        try:
            TokenizerCounter(section.tokenizer)
        except ValueError as exc:
            raise ConfigError(f"{key}.tokenizer: {exc}") from exc


def _check_vlm(model_path: str, key: str) -> None:
    from embodied_mem.planner.hf import ENV_HF_MODEL

    path = model_path or os.environ.get(ENV_HF_MODEL, "")
    if not path:
        raise ConfigError(
            f"the VLM planner needs weights: set {key} to a local directory or a cached "
            f"Hugging Face repo id (e.g. Qwen/Qwen2-VL-2B-Instruct), or {ENV_HF_MODEL}"
        )
    local = "/" not in path or path.startswith((".", "/", "~"))
    if local and not Path(path).expanduser().exists():
        raise ConfigError(f"{key}: VLM directory {path!r} does not exist")
