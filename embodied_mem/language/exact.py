"""Exact TASKS.md phrasings: the first, cheapest stage of instruction parsing.

Patterns are derived from :data:`embodied_mem.benchmark.task.PHRASINGS` (one source: the spec),
so a template text with its slots filled matches its own template. A slot value is accepted
only if it is what the slot holds: a known word of the right kind (checked against the
vocabulary), a clock time, a number, or, for categories and rooms, a short plain noun phrase
the vocabulary does not know yet. "Navigate to a yellow thing you interacted with yesterday"
therefore is *not* T01 with the category "yellow thing you interacted with yesterday"; the
sentence goes on to the language-understanding stage (:mod:`embodied_mem.language.parser`).
"""

from __future__ import annotations

import re
from functools import cache

from embodied_mem.benchmark.task import PHRASINGS
from embodied_mem.language.lexicon import CUES, normalize, phrase_key
from embodied_mem.language.mentions import ORDINAL_WORDS, Mention, find_mentions
from embodied_mem.language.vocabulary import Vocabulary, humanize

#: Ordinal word -> position (1-based), for T13.
ORDINALS: dict[str, int] = {w: i + 1 for i, w in enumerate(ORDINAL_WORDS)}

#: Which mention kinds each slot of PHRASINGS takes ("plain" = an unknown short noun phrase).
SLOT_KINDS: dict[str, tuple[str, ...]] = {
    "category": ("object", "receptacle", "plain"),
    "category_a": ("object", "receptacle", "plain"),
    "category_b": ("object", "receptacle", "plain"),
    "receptacle": ("receptacle", "plain"),
    "receptacle_category": ("receptacle", "plain"),
    "openable_receptacle": ("receptacle", "plain"),
    "room": ("room", "plain"),
    "time": ("time",),
    "start": ("time",),
    "end": ("time",),
    "period": ("period",),
    "ordinal": ("ordinal",),
    "color": ("color",),
    "shape": ("shape",),
    "material": ("material",),
    "N": ("days", "seconds"),
}
_FUNCTION_WORDS = frozenset(
    "you your yesterday today ago day days that which who with on in of from to at the a an and "
    "or it its they them i me my where when what object objects thing things item items".split()
)
_CUE_WORDS = frozenset(w for key in CUES for w in key)
_MAX_PLAIN_WORDS = 3


def _pattern(phrasing: str) -> re.Pattern[str]:
    """Anchored, case-insensitive regex of one phrasing; ``{slot}`` -> named lazy group."""
    parts = re.split(r"(\{\w+\})", phrasing.rstrip(".?"))
    out = []
    for part in parts:
        if part.startswith("{"):
            out.append(rf"(?P<{part[1:-1]}>[\w' :-]+?)")
        else:
            out.append(re.escape(part).replace(r"\ ", r"\s+"))
    body = "".join(out)
    body = re.sub(r"(?<![\w])a\\s\+\(\?P", r"an?\\s+(?P", body)
    return re.compile(rf"^\s*{body}\s*[.?]?\s*(?:\(.*\)\s*\.?)?\s*$", re.IGNORECASE)


@cache
def _patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((tid, _pattern(text)) for tid, text in sorted(PHRASINGS.items()))


def _plain(value: str) -> bool:
    """A short noun phrase with no function or cue words: plausibly an unknown category name."""
    words = normalize(value)[0]
    return (
        0 < len(words) <= _MAX_PLAIN_WORDS
        and all(w.isalpha() for w in words)
        and not any(w in _FUNCTION_WORDS or w in _CUE_WORDS for w in words)
    )


def slot_value(slot: str, raw: str, vocab: Vocabulary) -> tuple[str, Mention | None] | None:
    """The canonical value of ``raw`` for ``slot`` (and the mention it came from), or None if
    ``raw`` is not something that slot holds."""
    kinds = SLOT_KINDS[slot]
    tokens = normalize(raw)[0]
    attrs = [t for t in vocab.lookup(phrase_key(raw)) if t.kind in kinds and len(t.values) == 1]
    if attrs and attrs[0].kind in ("color", "shape", "material"):
        return attrs[0].values[0], None
    mentions = find_mentions(tokens, vocab)
    if len(mentions) == 1 and (mentions[0].start, mentions[0].end) == (0, len(tokens)):
        m = mentions[0]
        if m.kind in kinds and len(m.values) == 1:
            return m.value, m
    if slot == "N" and raw.strip().isdigit():
        return raw.strip(), None
    if slot == "time" and re.fullmatch(r"\d{1,2}:\d{2}", raw.strip()):
        return raw.strip(), None
    if "plain" in kinds and not mentions and _plain(raw):
        return humanize(raw.strip()), None
    return None


def match_exact(text: str, vocab: Vocabulary) -> list[tuple[str, dict[str, str]]]:
    """Every template whose phrasing ``text`` is, word for word, with valid slot values."""
    hits = []
    for template, pattern in _patterns():
        match = pattern.match(text)
        if match is None:
            continue
        slots: dict[str, str] = {}
        for slot, raw in match.groupdict().items():
            found = slot_value(slot, raw, vocab)
            if found is None:
                break
            slots[slot] = found[0]
        else:
            hits.append((template, slots))
    return hits
