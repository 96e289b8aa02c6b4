"""Language understanding without a large model: instruction -> task template and slots.

:class:`InstructionParser` (see :mod:`embodied_mem.language.parser`) matches exact TASKS.md
phrasings first, then understands person-style rewordings with slot extraction against a
vocabulary (the memory's own words when given) and MiniLM sentence embeddings of exemplars.
"""

from __future__ import annotations

from embodied_mem.language.parser import (
    STATUSES,
    Alternative,
    InstructionParser,
    ParserConfig,
    ParseResult,
)
from embodied_mem.language.vocabulary import Vocabulary, default_vocabulary

__all__ = [
    "STATUSES",
    "Alternative",
    "InstructionParser",
    "ParseResult",
    "ParserConfig",
    "Vocabulary",
    "default_vocabulary",
]
