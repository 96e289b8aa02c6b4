"""Words of instructions: normalisation, light morphology and the cue words that tell intents apart.

A *cue* is a tag for a word or phrase that changes which task is meant ("first" vs "last",
"closest" vs "farthest", "didn't", "every", "room"). Cue phrases also carry the template
wording they stand for ("grabbed" -> "picked up", "furniture" -> "receptacle"), so the text the
sentence embedder sees is closer to the intents' exemplars. The cue phrases themselves are data,
in ``cues.yaml`` next to this module.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from embodied_mem.language.package_data import load_yaml

_CONTRACTIONS = [
    (r"\bcan't\b", "can not"),
    (r"\bwon't\b", "will not"),
    (r"n't\b", " not"),
    (r"'ve\b", " have"),
    (r"'re\b", " are"),
    (r"'ll\b", " will"),
    (r"\b(where|what|who|how)'d\b", r"\1 did"),
    (r"\b(where|what|who|how|that|it|there)'s\b", r"\1 is"),
    (r"'s\b", ""),  # possessive: "yesterday's rooms", "the vase's location"
    (r"\bo'clock\b", "oclock"),
]


BOUNDARY = "|"
"""Token standing for a clause break (. , ; ! ?): cue phrases never span one."""


def normalize(text: str) -> tuple[list[str], bool]:
    """Lower-case word tokens of ``text`` (contractions expanded, clause breaks as ``BOUNDARY``)
    and whether it asks a question."""
    s = str(text).lower().replace("\u2019", "'").replace("\u2018", "'")
    s = re.sub(r"\b([ap])\.m\.?", r"\1m", s)
    for pattern, repl in _CONTRACTIONS:
        s = re.sub(pattern, repl, s)
    s = re.sub(r"(\d)(am|pm)\b", r"\1 \2", s)
    s = re.sub(r"(\d)\.(\d\d)\b", r"\1:\2", s)
    question = "?" in s
    s = re.sub(r"\b1st\b", "first", s)
    s = re.sub(r"[.,;!?]+", f" {BOUNDARY} ", s)
    s = re.sub(r"[^a-z0-9:|]+", " ", s)
    s = re.sub(r"(?<!\d):|:(?!\d)", " ", s)
    return s.split(), question


def lemma(word: str) -> str:
    """Singular of an English noun, good enough for category names ("shelves" -> "shelf")."""
    w = word
    if len(w) <= 3 or not w.endswith("s") or w.endswith(("ss", "us", "is")):
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith("ves"):
        return w[:-3] + "f"
    if w.endswith(("ches", "shes", "xes", "sses", "oes")):
        return w[:-2]
    return w[:-1]


@functools.lru_cache(maxsize=8192)
def phrase_key(surface: str) -> tuple[str, ...]:
    """Normalised, singular token tuple of a phrase: the key vocabulary lookups use.

    Cached: the planner and memory queries key the same few hundred names and phrases tens of
    thousands of times an episode (each a dozen regex passes).
    """
    return tuple(lemma(w) for w in normalize(surface)[0] if w != BOUNDARY)


@dataclass(frozen=True)
class Cue:
    """A cue phrase: its tags and the template wording the embedder should see instead."""

    tags: frozenset[str]
    canonical: str | None = None


_CUE_KEYS = frozenset({"tags", "canonical", "phrases"})


def _load_cues() -> dict[tuple[str, ...], Cue]:
    """The cue phrases of ``cues.yaml`` as token tuples (see that file for the tags)."""
    cues: dict[tuple[str, ...], Cue] = {}
    for group in load_yaml("cues.yaml"):
        unknown = set(group) - _CUE_KEYS
        if unknown:
            raise ValueError(f"cues.yaml: unknown keys {sorted(unknown)} in {group}")
        tags = frozenset(group["tags"].split())
        for phrase in group["phrases"]:
            key = tuple(phrase.split())
            if key in cues:
                raise ValueError(f"cues.yaml: {phrase!r} is in two groups; keep it in one")
            # Without a canonical wording, the phrase stands for itself ("today", "monday").
            cues[key] = Cue(tags, group.get("canonical", phrase))
    return cues


#: Cue phrases as token tuples.
CUES: dict[tuple[str, ...], Cue] = _load_cues()
MAX_CUE_LEN = max(len(k) for k in CUES)

#: Imperative verbs that move things (manipulation) when they open a clause.
MANIP_VERBS = frozenset(
    "put place return bring carry move take stick store deliver fetch undo".split()
)
#: Words after which a verb still opens the clause ("could you put ...", "please bring ...").
POLITE = frozenset("please could can would will you kindly".split())

#: Tags that change which task is meant: an intent must ask for (or allow) each one present.
CONTRASTS = frozenset(
    "FIRST LAST MAX MIN FAR NEAR NEG BEFORE AFTER THEN ALL ORDERED ANYORDER START END ORIGIN "
    "STILL HOWMANY ROOM REC WHERE OTHERDAY PLURAL".split()
)
ACTS = frozenset("PICK PLACE MOVE USE OPEN".split())
