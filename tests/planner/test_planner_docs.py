"""docs/planners.md stays true: every `embodied-mem eval` recipe is a valid config (keys and
values), builds the planner it names up to the point a server or weights are needed, and every
environment variable it mentions is one the code reads."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from embodied_mem.config import load_config
from embodied_mem.run_config import RunConfig

DOC = Path(__file__).resolve().parents[2] / "docs" / "planners.md"


def recipes() -> list[list[str]]:
    """The arguments of every ``embodied-mem eval`` command in the doc's bash blocks."""
    out = []
    for block in re.findall(r"```bash\n(.*?)```", DOC.read_text(), flags=re.S):
        for command in block.replace("\\\n", " ").splitlines():
            words = shlex.split(command.split(" #")[0])
            if words[:2] == ["embodied-mem", "eval"]:
                out.append(words[2:])
    return out


def test_the_doc_has_a_recipe_per_server() -> None:
    urls = {w.split("=", 1)[1] for args in recipes() for w in args if ".base_url=" in w}
    assert any(":8000/" in u for u in urls)  # vLLM
    assert any(":11434/" in u for u in urls)  # Ollama
    assert any(":8080/" in u for u in urls)  # llama.cpp
    assert any(u.startswith("https://") for u in urls)  # hosted
    text = DOC.read_text()
    assert "--enable-auto-tool-choice --tool-call-parser" in text
    assert "SmolLM2-135M" in text and "plans badly" in text


@pytest.mark.parametrize("args", recipes(), ids=lambda a: " ".join(a)[:60])
def test_every_recipe_is_a_valid_config(args: list[str]) -> None:
    suite = args[args.index("--suite") + 1] if "--suite" in args else None
    overrides = [a for a in args if "=" in a and not a.startswith("--")]
    cfg = load_config(RunConfig, suite, overrides)
    name = cfg.planner.name
    assert name in ("llm", "hf", "frames")
    if name == "llm":
        llm = cfg.planner.llm
        assert llm.base_url and llm.model
        assert llm.resolved().base_url == llm.base_url
    if name == "frames" and cfg.planner.frames.backend == "llm":
        from embodied_mem.planner.llm import LLMPlannerConfig

        assert LLMPlannerConfig(**cfg.planner.frames.llm).resolved().model
    if name in ("hf", "frames"):
        assert cfg.memory.episodic.thumbnails


def test_environment_variables_in_the_doc_are_read_by_the_code() -> None:
    from embodied_mem.planner import hf, llm

    read = {llm.ENV_BASE_URL, llm.ENV_MODEL, llm.ENV_API_KEY, hf.ENV_HF_MODEL}
    mentioned = set(re.findall(r"EMBODIED_MEM_[A-Z_]+", DOC.read_text()))
    assert mentioned and mentioned <= read, mentioned - read
