from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from embodied_mem.config import ConfigError, load_config, to_yaml
from envs.extras import MissingExtraError, require_extra
from envs.registry import Registry


def test_unknown_name_suggests_the_closest() -> None:
    reg: Registry[object] = Registry("segmenter")
    reg.register("oracle", dict)
    reg.register("noisy", dict)
    with pytest.raises(KeyError, match="did you mean 'oracle'"):
        reg.build("orcale")


def test_missing_optional_dependency_names_the_extra() -> None:
    reg: Registry[object] = Registry("planner")
    reg.register("fancy", "a_module_that_is_not_installed:Thing", extra="hf")
    with pytest.raises(MissingExtraError, match=r"pip install 'embodied-mem\[hf\]'"):
        reg.build("fancy")
    with pytest.raises(MissingExtraError, match=r"embodied-mem\[viz\]"):
        require_extra("a_module_that_is_not_installed", "viz")


def test_entry_points_import_lazily() -> None:
    reg: Registry[object] = Registry("thing")
    reg.register("ordered", "collections:OrderedDict")
    assert reg.build("ordered") == {}


@dataclass
class _Inner:
    """Nested section."""

    radius: float = 0.5

    def __post_init__(self) -> None:
        if self.radius <= 0:
            raise ValueError(f"radius must be > 0, got {self.radius}")


@dataclass
class _Outer:
    name: str = "x"
    inner: _Inner = field(default_factory=_Inner)


def test_overrides_merge_into_dataclass() -> None:
    cfg = load_config(_Outer, overrides=["inner.radius=2.5", "name=y"])
    assert isinstance(cfg, _Outer) and isinstance(cfg.inner, _Inner)
    assert cfg.inner.radius == 2.5 and cfg.name == "y"
    assert "radius: 2.5" in to_yaml(cfg)


def test_bad_overrides_name_the_key() -> None:
    with pytest.raises(ConfigError, match="nope"):
        load_config(_Outer, overrides=["inner.nope=1"])
    with pytest.raises(ConfigError, match="radius"):
        load_config(_Outer, overrides=["inner.radius=-1"])
    with pytest.raises(ConfigError, match="key.sub=value"):
        load_config(_Outer, overrides=["inner.radius"])


def test_unknown_preset_lists_known_ones() -> None:
    with pytest.raises(ConfigError, match="no preset"):
        load_config(_Outer, preset="definitely-not-a-preset")


def test_loading_a_run_config_imports_no_component() -> None:
    """``embodied-mem eval``/``config`` load the run config on every call: it must not import
    the memory, agents, planners or simulators it configures (they import on build)."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from embodied_mem.config import load_config\n"
        "from embodied_mem.run_config import RunConfig, run_yaml\n"
        "run_yaml(load_config(RunConfig, 'demo'))\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    loaded = set(
        subprocess.run(
            [sys.executable, "-c", probe], check=True, capture_output=True, text=True
        ).stdout.split()
    )
    heavy = {
        "scipy",
        "networkx",
        "jsonschema",
        "matplotlib",
        "mujoco",
        "torch",
        "embodied_mem.agent.loop",
        "embodied_mem.memory.memory",
        "embodied_mem.planner.rule",
        "embodied_mem.language.parser",
        "embodied_mem.benchmark.episode_runner",
    }
    assert not heavy & loaded


def test_saved_config_text_is_what_omegaconf_writes() -> None:
    """A resume compares config.yaml as text: the fast writer must match OmegaConf's bytes."""
    from omegaconf import OmegaConf

    from embodied_mem.config import config_tree, yaml_text
    from embodied_mem.run_config import RunConfig, run_yaml, used_config

    for preset in ("demo", "suites/small"):
        cfg = load_config(RunConfig, preset, ["benchmark.env_options.day_start=07:30"])
        assert run_yaml(cfg) == OmegaConf.to_yaml(OmegaConf.create(used_config(cfg)))
        tree = config_tree(cfg)
        assert yaml_text(tree) == OmegaConf.to_yaml(OmegaConf.create(tree))
