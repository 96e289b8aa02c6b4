"""One pass over an instruction: slot mentions, cue tags, the mode of the request, and the
canonical wording the sentence embedder compares with the intents' exemplars.
"""

from __future__ import annotations

from dataclasses import dataclass

from embodied_mem.language.lexicon import (
    BOUNDARY,
    CUES,
    MANIP_VERBS,
    MAX_CUE_LEN,
    POLITE,
    Cue,
    normalize,
)
from embodied_mem.language.mentions import Mention, find_mentions
from embodied_mem.language.vocabulary import Vocabulary

MODES = ("nav", "manip", "ask")
_ASK_OPENERS = frozenset("where what which how is are was were do did does would in".split())


@dataclass(frozen=True)
class Analysis:
    """What one instruction says, before deciding which intent it is.

    Attributes:
        tokens: normalised tokens (clause breaks as ``BOUNDARY``).
        mentions: slot values found, left to right.
        tags: cue tags present (see :mod:`embodied_mem.language.lexicon`).
        mode: "nav", "manip", "ask", or None when the sentence neither sends the agent
            somewhere, asks it to move something, nor asks a question.
        canonical: the text the sentence embedder sees (synonyms in template wording,
            slot values replaced by fixed fillers).
    """

    tokens: tuple[str, ...]
    mentions: tuple[Mention, ...]
    tags: frozenset[str]
    mode: str | None
    canonical: str
    unknown: tuple[str, ...] = ()
    """Words in a noun's place ("the gnome") that are neither a known slot word nor a cue:
    the sentence names something the vocabulary does not know, so no intent can be trusted."""


def _clause_open(tokens: list[str], i: int) -> bool:
    """Whether ``tokens[i]`` starts a clause (only politeness words before it)."""
    j = i - 1
    while j >= 0 and tokens[j] in POLITE:
        j -= 1
    return j < 0 or tokens[j] == BOUNDARY


def _cue_at(tokens: list[str], i: int, stop: int) -> tuple[Cue, int] | None:
    for n in range(min(MAX_CUE_LEN, stop - i), 0, -1):
        cue = CUES.get(tuple(tokens[i : i + n]))
        if cue is not None:
            return cue, n
    return None


def _scan_cues(
    tokens: list[str], mentions: dict[int, Mention]
) -> tuple[set[str], list[str], bool, list[str]]:
    """Cue tags of the tokens no mention covers, the canonical words of the whole sentence
    (mentions as fillers), whether a manipulation verb opens a clause, and the unknown words
    standing where a noun would ("the gnome")."""
    tags: set[str] = set()
    words: list[str] = []
    unexplained: list[str] = []
    manip = False
    i = 0
    while i < len(tokens):
        if i in mentions:
            words.append(mentions[i].filler)
            i = mentions[i].end
            continue
        if tokens[i] == BOUNDARY:
            i += 1
            continue
        stop = i
        while stop < len(tokens) and stop not in mentions and tokens[stop] != BOUNDARY:
            stop += 1
        if _took_as_duration(tokens, i, mentions):
            words.append("took")
            i += 1
            continue
        found = _cue_at(tokens, i, stop)
        if (found is None or "NAV" not in found[0].tags) and tokens[i] in MANIP_VERBS:
            if _clause_open(tokens, i):
                manip = True
                words.append(tokens[i])
                i += 1
                continue
            if tokens[i] == "place":  # "you place" is the act; "the place" is a spot
                verb = i and tokens[i - 1] in ("you", "not", "did", "to")
                found = (CUES[("placed",)], 1) if verb else found
        if found is None:
            if i and tokens[i - 1] in _DETERMINERS and tokens[i] not in _HARMLESS_NOUNS:
                unexplained.append(tokens[i])
            words.append(tokens[i])
            i += 1
            continue
        cue, n = found
        if "START" in cue.tags and tokens[i] == "first" and i and tokens[i - 1] in _DETERMINERS:
            cue, n = CUES[("first",)], 1  # "the first thing yesterday" is an object
        cue_tags = set(cue.tags)
        if "FIRST" in cue_tags and _next_is_nav(tokens, i + n, stop):
            cue_tags = {"THEN"}  # "First go to the laptop, after that ..."
        tags |= cue_tags
        if cue.canonical:
            words.append(cue.canonical)
        i += n
    return tags, words, manip, unexplained


_DETERMINERS = frozenset("the a an your my any some every each".split())
#: Nouns that follow a determiner in instructions without naming anything to look up.
_HARMLESS_NOUNS = frozenset(
    "order day days time end beginning one ones other others way sequence path number amount "
    "minutes minute rest same whole moment very of to in on at for from with by and or it them "
    "you your my me this that these those its".split()
)
_DURATION_NEXT = frozenset(
    "you about around roughly approximately longest shortest least most longer shorter".split()
)


def _took_as_duration(tokens: list[str], i: int, mentions: dict[int, Mention]) -> bool:
    """ "took you the longest", "took about 40 seconds": "took" means lasted, not picked."""
    if tokens[i] not in ("took", "take", "takes", "taking"):
        return False
    j = i + 1
    if j < len(tokens) and tokens[j] == "the":
        j += 1
    return j < len(tokens) and (
        tokens[j] in _DURATION_NEXT or (j in mentions and mentions[j].kind == "seconds")
    )


def _next_is_nav(tokens: list[str], i: int, stop: int) -> bool:
    found = _cue_at(tokens, i, stop) if i < stop else None
    return found is not None and "NAV" in found[0].tags


def _mode(tokens: list[str], tags: set[str], manip: bool, question: bool) -> str | None:
    if manip:
        return "manip"
    if "NAV" in tags:
        return "nav"
    if question or "ASK" in tags or (tokens and tokens[0] in _ASK_OPENERS):
        return "ask"
    return None


def analyze(text: str, vocab: Vocabulary) -> Analysis:
    """Mentions, cue tags, mode and canonical wording of ``text``."""
    tokens, question = normalize(text)
    mentions = find_mentions(tokens, vocab)
    tags, words, manip, unexplained = _scan_cues(tokens, {m.start: m for m in mentions})
    if "ONEOF" in tags:
        tags.discard("PLURAL")
    return Analysis(
        tokens=tuple(tokens),
        mentions=tuple(mentions),
        tags=frozenset(tags),
        mode=_mode(tokens, tags, manip, question),
        canonical=" ".join(words),
        unknown=tuple(unexplained),
    )
