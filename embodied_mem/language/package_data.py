"""The language package's data files (cue phrases, intents), read from the installed package."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

_PACKAGE = "embodied_mem.language"


def load_yaml(name: str) -> Any:
    """The parsed YAML file ``name`` shipped inside :mod:`embodied_mem.language`.

    Read through importlib.resources so it works from a source checkout and from an installed
    wheel alike (pyproject's package-data ships ``*.yaml``).

    Raises:
        ValueError: the file is not valid YAML (names the file and the parser's complaint).
    """
    text = resources.files(_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"{_PACKAGE}/{name} is not valid YAML: {exc}") from exc
