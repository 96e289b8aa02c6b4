"""Language understanding without a large model: instruction -> task template and slots.

:class:`InstructionParser` (see :mod:`embodied_mem.language.parser`) matches exact TASKS.md
phrasings first, then understands person-style rewordings with slot extraction against a
vocabulary (the memory's own words when given) and MiniLM sentence embeddings of exemplars.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from embodied_mem.lazy import lazy_exports

if TYPE_CHECKING:
    from embodied_mem.language.parser import (
        STATUSES,
        Alternative,
        InstructionParser,
        ParseResult,
    )
    from embodied_mem.language.parser_config import ParserConfig
    from embodied_mem.language.vocabulary import Vocabulary, default_vocabulary

# Imported on first use, so importing one submodule does not load its siblings.
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".parser": ("STATUSES", "Alternative", "InstructionParser", "ParseResult"),
        ".parser_config": ("ParserConfig",),
        ".vocabulary": ("Vocabulary", "default_vocabulary"),
    },
)

__all__ = [
    "STATUSES",
    "Alternative",
    "InstructionParser",
    "ParseResult",
    "ParserConfig",
    "Vocabulary",
    "default_vocabulary",
]
