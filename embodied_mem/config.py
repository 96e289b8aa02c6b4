"""Config loading: dataclass schema ← YAML preset ← ``key.sub=value`` overrides (OmegaConf).

Every config is a dataclass with field docstrings and validation in ``__post_init__``; this
module only merges and converts, so validation runs on the final values.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import functools
import inspect
import json
import textwrap
import typing
from pathlib import Path
from typing import Any, TypeVar

from omegaconf import DictConfig, OmegaConf
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
        ConfigError: an unknown key (with the keys that exist there and the closest real
            ones), a wrong type, or a failed validation (with the section it happened in).
    """
    try:
        layers = []
        if preset is not None:
            layers.append(OmegaConf.load(preset_path(preset)))
        if overrides:
            bad = [o for o in overrides if "=" not in o]
            if bad:
                raise ConfigError(f"overrides must look like key.sub=value, got {bad}")
            layers.append(OmegaConf.from_dotlist(list(overrides)))
        # One merge: each copies the whole schema tree before merging into it.
        cfg = OmegaConf.merge(schema_node(schema), *layers) if layers else schema_node(schema)
        return OmegaConf.to_object(cfg)  # type: ignore[return-value]
    except ConfigError:
        raise
    except OmegaConfBaseException as exc:
        raise ConfigError(_omegaconf_message(schema, exc)) from exc
    except (ValueError, TypeError) as exc:
        raise ConfigError(_validation_message(schema, exc)) from exc


@functools.cache
def schema_node(schema: type) -> DictConfig:
    """``OmegaConf.structured(schema)``, built once per process.

    Building it checks every field of the schema, most of what loading a config costs; an
    eval loads the config twice (the run, then the report's command line) and a worker once
    per episode. Nothing changes the node: merges copy their first argument.
    """
    return OmegaConf.structured(schema)


def _omegaconf_message(schema: type, exc: OmegaConfBaseException) -> str:
    full_key = getattr(exc, "full_key", "") or ""
    msg = str(getattr(exc, "msg", "") or exc).splitlines()[0]
    keys = schema_keys(schema)
    if not full_key or full_key in keys or "not in" not in msg:
        return f"invalid config: {full_key + ': ' if full_key else ''}{msg}"
    parent = full_key.rpartition(".")[0]
    siblings = sorted(k.rpartition(".")[2] for k in keys if k.rpartition(".")[0] == parent)
    text = f"unknown config key {full_key!r}"
    moved = getattr(schema, "MOVED_KEYS", {})
    hint = next((v for k, v in moved.items() if full_key == k or full_key.startswith(k + ".")), "")
    leaf = full_key.rpartition(".")[2]
    close = [k for k in keys if k.rpartition(".")[2] == leaf] or difflib.get_close_matches(
        full_key, list(keys), n=3, cutoff=0.85
    )
    if hint:
        text += f"; {hint}"
    elif close:
        text += f"; did you mean {' or '.join(repr(k) for k in close[:3])}?"
    where = f"under {parent!r}" if parent else "at the top level"
    return text + f" (keys {where}: {', '.join(siblings)}; see `embodied-mem config`)"


def _validation_message(schema: type, exc: BaseException) -> str:
    """``exc`` from a config's ``__post_init__``, prefixed with the section it validated."""
    paths = {t: k for k, t in schema_keys(schema).items() if dataclasses.is_dataclass(t)}
    section = ""
    tb = exc.__traceback__
    while tb is not None:  # the innermost config whose __post_init__ raised
        owner = tb.tb_frame.f_locals.get("self")
        if owner is not None and type(owner) in paths:
            section = paths[type(owner)]
        tb = tb.tb_next
    return f"invalid config{f' ({section})' if section else ''}: {exc}"


@functools.cache
def schema_keys(schema: type) -> dict[str, Any]:
    """Every key of a dataclass schema (``memory.mapper.voxel_size``) and its type; sections
    (nested dataclasses) appear too, with their dataclass as the type."""
    out: dict[str, Any] = {}

    def walk(cls: type, prefix: str) -> None:
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            key, kind = prefix + f.name, hints.get(f.name, Any)
            out[key] = kind
            if dataclasses.is_dataclass(kind):
                walk(kind, key + ".")  # type: ignore[arg-type]

    walk(schema, "")
    return out


@functools.cache
def field_docs(cls: type) -> dict[str, str]:
    """The docstrings written under each field of a dataclass (attribute docstrings), read from
    its source; fields without one are absent."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError, SyntaxError):
        return {}
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    docs = {}
    for node, after in zip(body, body[1:], strict=False):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            docs[node.target.id] = inspect.cleandoc(after.value.value)
    return docs


def flatten(tree: Any, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}`` (an empty mapping stays a leaf)."""
    if not isinstance(tree, dict) or not tree:
        return {prefix: tree} if prefix else {}
    out: dict[str, Any] = {}
    for key, value in tree.items():
        out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return out


def config_from_yaml(schema: type[T], text: str) -> T:
    """A ``schema`` instance from YAML text written by :func:`to_yaml` (e.g. sent to a worker)."""
    try:
        return OmegaConf.to_object(OmegaConf.merge(schema_node(schema), OmegaConf.create(text)))  # type: ignore[return-value]
    except OmegaConfBaseException as exc:
        raise ConfigError(_omegaconf_message(schema, exc)) from exc
    except (ValueError, TypeError) as exc:
        raise ConfigError(_validation_message(schema, exc)) from exc


def config_tree(config: Any) -> Any:
    """A config dataclass as plain data (dicts in field order, lists, scalars): what YAML
    round-trips it to.

    Built directly from the (already validated) dataclass: going through
    ``OmegaConf.structured`` re-validates every field and deep-copies node trees, a large part
    of a CLI call's fixed cost, for the same result.
    """
    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        return {f.name: config_tree(getattr(config, f.name)) for f in dataclasses.fields(config)}
    if isinstance(config, dict):
        return {key: config_tree(value) for key, value in config.items()}
    if isinstance(config, list | tuple):
        return [config_tree(value) for value in config]
    return config


def to_yaml(config: Any) -> str:
    """The resolved config as YAML, saved into every run directory."""
    return yaml_text(config_tree(config))


def yaml_text(tree: dict[str, Any]) -> str:
    """``tree`` (plain data) as ``OmegaConf.to_yaml`` writes it, byte for byte (a resumed run
    compares its config with the saved one as text), without building a DictConfig first."""
    import yaml

    try:
        from omegaconf._utils import get_omega_conf_dumper
    except ImportError:  # a private helper; without it, the slow way to the same text
        return OmegaConf.to_yaml(OmegaConf.create(tree))
    return yaml.dump(
        tree,
        Dumper=get_omega_conf_dumper(),
        default_flow_style=False,
        allow_unicode=True,
        sort_keys=False,
    )


def save_config(config: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_yaml(config))


def describe_yaml(
    tree: dict[str, Any], schema: type, dict_schemas: dict[str, type] | None = None
) -> str:
    """``tree`` (a config as plain data) as YAML with each field's docstring and default as a
    comment above it, read from the dataclasses of ``schema``. A default is the value the key
    has when nothing sets it (a section's own default, e.g. ``env.builtin.steps_per_day``,
    wins over its class's).

    Args:
        dict_schemas: for dict-valued fields, the dataclass whose fields its keys are (e.g.
            ``benchmark.env_options`` -> the env's config), so its entries are documented too.
    """
    lines: list[str] = []
    defaults = OmegaConf.to_container(schema_node(schema))
    _describe(tree, schema, defaults, "", dict_schemas or {}, lines)  # type: ignore[arg-type]
    return "\n".join(lines) + "\n"


def _describe(
    tree: dict[str, Any],
    cls: type,
    defaults: dict[str, Any],
    path: str,
    dict_schemas: dict[str, type],
    lines: list[str],
) -> None:
    pad = "  " * path.count(".") + ("  " if path else "")
    hints, docs = typing.get_type_hints(cls), field_docs(cls)
    for key, value in tree.items():
        key_path = f"{path}.{key}" if path else key
        kind, default = hints.get(key), defaults.get(key)
        if dataclasses.is_dataclass(kind) and isinstance(value, dict):
            lines += _comment(pad, docs.get(key, ""))
            lines.append(f"{pad}{key}:")
            _describe(value, kind, default or {}, key_path, dict_schemas, lines)  # type: ignore[arg-type]
            continue
        lines += _comment(pad, f"{docs.get(key, '')} [default: {_yaml_scalar(default)}]")
        if key_path in dict_schemas and isinstance(value, dict) and value:
            entry_cls = dict_schemas[key_path]
            lines.append(f"{pad}{key}:")
            entry_defaults = OmegaConf.to_container(schema_node(entry_cls))
            _describe(value, entry_cls, entry_defaults, key_path, {}, lines)  # type: ignore[arg-type]
        else:
            lines.append(f"{pad}{key}: {_yaml_scalar(value)}")


def _comment(pad: str, text: str) -> list[str]:
    width = max(40, 100 - len(pad) - 2)
    return [f"{pad}# {line}" for line in textwrap.wrap(" ".join(text.split()), width)]


def _yaml_scalar(value: Any) -> str:
    """One-line YAML for a value (plain when unambiguous, else JSON, which YAML reads too)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        plain = (
            value and value.strip() == value and not any(c in value for c in ":#{}[],&*?|>'\"%@`")
        )
        looks_typed = value.lower() in ("true", "false", "null", "yes", "no", "on", "off", "~")
        try:
            float(value)
            looks_typed = True
        except ValueError:
            pass
        return value if plain and not looks_typed else json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_yaml_scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{" + ", ".join(f"{_yaml_scalar(k)}: {_yaml_scalar(v)}" for k, v in value.items()) + "}"
        )
    return json.dumps(value)
