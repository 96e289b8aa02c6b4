"""Config loading: dataclass schema ← YAML preset ← ``key.sub=value`` overrides (OmegaConf).

Every config is a dataclass with field docstrings and validation in ``__post_init__``; this
module only merges and converts, so validation runs on the final values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

T = TypeVar("T")

PRESET_DIR = Path(__file__).resolve().parent.parent / "configs"


class ConfigError(ValueError):
    """A preset or override does not fit the config schema; the message says which key."""


def preset_path(preset: str | Path) -> Path:
    """Resolve a preset name (``demo``, ``suites/small``) or a path to a YAML file."""
    path = Path(preset)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return path
    candidate = PRESET_DIR / f"{preset}.yaml"
    if candidate.exists():
        return candidate
    known = sorted(
        str(p.relative_to(PRESET_DIR).with_suffix("")) for p in PRESET_DIR.rglob("*.yaml")
    )
    raise ConfigError(
        f"no preset {str(preset)!r}; known presets: {', '.join(known)} (or pass a .yaml path)"
    )


def load_config(
    schema: type[T], preset: str | Path | None = None, overrides: list[str] | None = None
) -> T:
    """Build a ``schema`` instance from defaults, an optional preset and dotlist overrides.

    Raises:
        ConfigError: an unknown key, a wrong type or a failed validation, with the key named.
    """
    try:
        cfg = OmegaConf.structured(schema)
        if preset is not None:
            cfg = OmegaConf.merge(cfg, OmegaConf.load(preset_path(preset)))
        if overrides:
            bad = [o for o in overrides if "=" not in o]
            if bad:
                raise ConfigError(f"overrides must look like key.sub=value, got {bad}")
            cfg = OmegaConf.merge(cfg, OmegaConf.from_dotlist(list(overrides)))
        return OmegaConf.to_object(cfg)  # type: ignore[return-value]
    except OmegaConfBaseException as exc:
        raise ConfigError(f"invalid config: {exc}") from exc
    except (ValueError, TypeError) as exc:
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError(f"invalid config: {exc}") from exc


def config_from_yaml(schema: type[T], text: str) -> T:
    """A ``schema`` instance from YAML text written by :func:`to_yaml` (e.g. sent to a worker)."""
    try:
        return OmegaConf.to_object(
            OmegaConf.merge(OmegaConf.structured(schema), OmegaConf.create(text))
        )  # type: ignore[return-value]
    except OmegaConfBaseException as exc:
        raise ConfigError(f"invalid config: {exc}") from exc


def to_yaml(config: Any) -> str:
    """The resolved config as YAML, saved into every run directory."""
    return OmegaConf.to_yaml(OmegaConf.structured(config))


def save_config(config: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_yaml(config))
