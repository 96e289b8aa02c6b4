"""`embodied-mem config`, `--version`, config error messages and what a run saves."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from omegaconf import OmegaConf
from typer.testing import CliRunner

from embodied_mem import __version__
from embodied_mem.cli import app
from embodied_mem.config import ConfigError, flatten, load_config, schema_keys
from embodied_mem.planner.llm import LLMPlannerConfig
from embodied_mem.run_config import RunConfig, run_yaml, used_config


def _config_cli(*args: str):
    return CliRunner().invoke(app, ["config", *args])


def test_config_prints_the_run_config_with_docs_and_defaults() -> None:
    result = _config_cli("--suite", "demo", "planner.rule.explore_steps=99")
    assert result.exit_code == 0, result.output
    text = result.output
    # It is YAML: the same config a run of these arguments saves (only the sections it reads).
    saved = run_yaml(load_config(RunConfig, "demo", ["planner.rule.explore_steps=99"]))
    assert OmegaConf.to_container(OmegaConf.create(text)) == OmegaConf.to_container(
        OmegaConf.create(saved)
    )
    assert "planner.rule.explore_steps=99" in text.splitlines()[0]
    # Every value line has its docstring and default in the comment above it.
    lines = text.splitlines()

    def comment_above(i: int) -> str:
        block = []
        while i > 0 and lines[i - 1].lstrip().startswith("#"):
            i -= 1
            block.append(lines[i])
        return " ".join(block)

    undocumented = [
        line
        for i, line in enumerate(lines)
        if re.match(r"^\s*\w+: \S", line) and "[default:" not in comment_above(i)
    ]
    assert not undocumented, undocumented[:5]
    # The section default wins over the class default (env.builtin runs 4800 steps a day).
    assert "# Image width in pixels. [default: 320]\n    width: 160" in text
    assert "[default: 4800]\n    steps_per_day: 4800" in text
    # Only the simulator, segmenters and planner the run uses.
    sections = set(re.findall(r"^\s*(\w+):$", text, re.MULTILINE))
    assert not sections & {"ai2thor", "habitat", "llm", "hf", "frames", "geometric"}
    assert {"builtin", "rule", "oracle", "noisy"} <= sections  # demo runs memory-noisy


def test_config_fails_on_a_bad_key_like_eval_and_names_the_real_one() -> None:
    result = _config_cli("--suite", "demo", "planner.base_url=http://x")
    assert result.exit_code == 2
    assert "did you mean 'planner.llm.base_url'" in " ".join(result.output.split())
    result = _config_cli("planner.name=llm")  # a config that would fail every episode
    assert result.exit_code == 2 and "planner.llm.base_url" in result.output


def test_config_errors_name_real_keys() -> None:
    with pytest.raises(ConfigError, match=r"unknown config key 'seed'; the suite's seed"):
        load_config(RunConfig, overrides=["seed=3"])
    with pytest.raises(ConfigError, match=r"\(memory\.mapper\): MapperConfig\.voxel_size"):
        load_config(RunConfig, overrides=["memory.mapper.voxel_size=-1"])
    with pytest.raises(ConfigError, match=r"\(env\.builtin\).*width"):
        load_config(RunConfig, overrides=["env.builtin.width=0"])


def test_saved_config_holds_only_what_the_run_reads() -> None:
    cfg = load_config(RunConfig, "demo")
    saved = flatten(OmegaConf.to_container(OmegaConf.create(run_yaml(cfg))))
    assert saved["env.builtin.width"] == 160 and saved["env.builtin.height"] == 120
    assert not any(k.startswith(("env.ai2thor", "env.habitat", "planner.llm")) for k in saved)
    frames_only = load_config(RunConfig, "demo", ["baselines=[frames-96]"])
    tree = used_config(frames_only)
    assert "planner" not in tree and "perception" not in tree and "memory" in tree


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"embodied-mem {__version__}"


_KEY = re.compile(
    r"(?<![\w./])((?:planner|perception|memory|benchmark|env|agent|scoring)\.[a-z_]+(?:\.[a-z_]+)*)"
    r"(?![\w(])"
)
_FILE_SUFFIXES = {"db", "json", "jsonl", "yaml", "png", "html", "rrd"}


def test_error_messages_name_real_config_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every config key a `raise` in the library mentions exists (planner.llm.base_url, not
    planner.base_url); keys inside dict-valued fields (benchmark.env_options.x) count."""
    keys = schema_keys(RunConfig)
    dict_fields = [k for k, kind in keys.items() if str(kind).startswith("dict")]
    wrong = []
    for path in sorted((Path(__file__).resolve().parents[2] / "embodied_mem").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Raise):
                continue
            for text in (n.value for n in ast.walk(node) if isinstance(n, ast.Constant)):
                for key in _KEY.findall(text) if isinstance(text, str) else []:
                    known = key in keys or any(key.startswith(d + ".") for d in dict_fields)
                    if not known and key.rsplit(".", 1)[1] not in _FILE_SUFFIXES:
                        wrong.append(f"{path.name}:{node.lineno}: {key}")
    assert not wrong, wrong
    monkeypatch.delenv("EMBODIED_MEM_LLM_BASE_URL", raising=False)
    with pytest.raises(ValueError, match=r"planner\.llm\.base_url"):
        LLMPlannerConfig(base_url="", model="").resolved()
