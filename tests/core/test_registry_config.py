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
