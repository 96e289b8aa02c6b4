"""Words of instructions: normalisation, light morphology and the cue words that tell intents apart.

A *cue* is a tag for a word or phrase that changes which task is meant ("first" vs "last",
"closest" vs "farthest", "didn't", "every", "room"). Cue phrases also carry the template
wording they stand for ("grabbed" -> "picked up", "furniture" -> "receptacle"), so the text the
sentence embedder sees is closer to the intents' exemplars.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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


def phrase_key(surface: str) -> tuple[str, ...]:
    """Normalised, singular token tuple of a phrase: the key vocabulary lookups use."""
    return tuple(lemma(w) for w in normalize(surface)[0] if w != BOUNDARY)


@dataclass(frozen=True)
class Cue:
    """A cue phrase: its tags and the template wording the embedder should see instead."""

    tags: frozenset[str]
    canonical: str | None = None


def _c(tags: str, canonical: str | None = None) -> Cue:
    return Cue(frozenset(tags.split()), canonical)


# Tags. Modes: NAV (go somewhere), MANIP (imperative move), ASK (question).
# Acts: PICK, PLACE, MOVE, USE, OPEN, VISIT. Targets: OBJ, REC, ROOM, WHERE.
# Contrasts: FIRST, LAST, MAX, MIN, FAR, NEAR, NEG, BEFORE, AFTER, THEN, ALL, ORDERED,
# ANYORDER, START, END, ORIGIN, STILL, HOWMANY, WHAT, BACK.
_PICK = "picked up"
_PLACE = "placed"
_USE = "interacted with"
_PHRASES: dict[str, Cue] = {
    # --- navigation verbs
    **{
        w: _c("NAV", "navigate to")
        for w in (
            "go to",
            "go back to",
            "go over to",
            "go find",
            "go through",
            "navigate to",
            "navigate",
            "head to",
            "head over to",
            "head back to",
            "walk to",
            "walk over to",
            "walk through",
            "take me to",
            "take me through",
            "bring me to",
            "lead me to",
            "guide me to",
            "show me",
            "find me",
            "find",
            "get me to",
            "return to",
            "retrace",
        )
    },
    "go there": _c("NAV", "navigate there"),
    "go": _c("NAV", "navigate"),
    "head": _c("NAV", "navigate"),
    "walk": _c("NAV", "navigate"),
    **{w: _c("NAV VISIT", "visit") for w in ("visit", "revisit")},
    # --- questions
    "where": _c("WHERE", "where"),
    "wherever": _c("WHERE", "where"),
    "what": _c("WHAT", "what"),
    "which": _c("WHAT", "which"),
    "tell me": _c("ASK", "tell me"),
    "do you remember": _c("ASK", ""),
    "do you think": _c("ASK", ""),
    "how many": _c("HOWMANY ASK", "how many"),
    "number of": _c("HOWMANY", "how many"),
    "count": _c("HOWMANY ASK", "how many"),
    "still": _c("STILL", "still"),
    # --- acts (past tense: what the agent did)
    **{
        w: _c("PICK", _PICK)
        for w in (
            "picked up",
            "picked",
            "pick up",
            "pick",
            "picked it up",
            "grabbed",
            "grab",
            "took",
            "take",
            "taken",
            "lifted",
            "lift",
            "collected",
            "removed",
            "got",
        )
    },
    **{
        w: _c("PLACE", _PLACE)
        for w in (
            "put",
            "put down",
            "placed",
            "placed onto",
            "set",
            "set down",
            "left",
            "dropped",
            "dropped off",
            "leave",
            "stored",
            "put it",
        )
    },
    **{w: _c("PLACE ENDUP", "ended up") for w in ("end up", "ended up")},
    **{
        w: _c("MOVE", "rearranged")
        for w in (
            "moved",
            "move",
            "moved around",
            "move around",
            "rearranged",
            "rearrange",
            "rearranging",
            "rearrangement",
            "shifted",
            "put away",
            "moving",
        )
    },
    **{
        w: _c("USE", _USE)
        for w in (
            "touched",
            "touch",
            "handled",
            "handle",
            "handling",
            "used",
            "use",
            "interacted with",
            "interact with",
            "interacted",
            "worked with",
            "working at",
            "messed with",
            "had your hands on",
        )
    },
    **{w: _c("OPEN", "opened") for w in ("opened", "open", "had open", "pulled open")},
    **{
        w: _c("VISIT", "were in")
        for w in (
            "visited",
            "went into",
            "went to",
            "went through",
            "entered",
            "enter",
            "were in",
            "was in",
            "occupied",
            "stayed in",
            "stay in",
            "stayed",
            "spent",
            "spend",
            "hung out",
            "saw",
        )
    },
    # --- targets
    **{
        w: _c("OBJ", "object")
        for w in ("object", "thing", "item", "something", "anything", "whatever", "stuff")
    },
    **{w: _c("OBJ PLURAL", "objects") for w in ("objects", "things", "items")},
    "everything": _c("OBJ ALL", "all the objects"),
    **{
        w: _c("REC", "receptacle")
        for w in (
            "receptacle",
            "furniture",
            "piece of furniture",
            "spot",
            "surface",
            "somewhere",
            "location",
        )
    },
    **{w: _c("REC PLURAL", "receptacles") for w in ("receptacles", "spots", "surfaces", "places")},
    "place": _c("REC", "receptacle"),
    **{w: _c("ROOM", "room") for w in ("room", "where you were", "where did you spend")},
    "rooms": _c("ROOM PLURAL", "rooms"),
    # --- contrasts: order
    **{w: _c("FIRST", "first") for w in ("first", "very first", "earliest", "first one")},
    **{
        w: _c("LAST", "last")
        for w in ("last", "very last", "final", "latest", "most recent", "most recently")
    },
    **{
        w: _c("START", "started")
        for w in (
            "started in",
            "started",
            "start",
            "began",
            "begin",
            "began in",
            "day began",
            "starting room",
            "at the start",
            "start of",
            "first thing yesterday",
            "first thing in the morning",
        )
    },
    **{
        w: _c("END", "ended")
        for w in ("ended", "end", "finished", "finished in", "day finished", "at the end", "end of")
    },
    **{
        w: _c("ORIGIN", "originally")
        for w in (
            "originally",
            "original",
            "started on",
            "started out on",
            "at first",
            "used to be",
            "came from",
            "starting spot",
            "it started",
            "where it started",
            "was first on",
            "in the beginning",
        )
    },
    # --- contrasts: extremes
    **{
        w: _c("MAX", "the most")
        for w in (
            "most",
            "most of",
            "longest",
            "slowest",
            "most often",
            "most frequently",
            "most times",
            "greatest amount",
        )
    },
    **{
        w: _c("MIN", "the least")
        for w in (
            "least",
            "fewest",
            "shortest",
            "quickest",
            "fastest",
            "most quickly",
            "least amount",
            "barely",
        )
    },
    **{
        w: _c("FAR", "farthest")
        for w in ("farthest", "furthest", "most distant", "most far", "most far off", "far away")
    },
    **{w: _c("NEAR", "closest") for w in ("closest", "nearest")},
    # --- contrasts: negation
    **{
        w: _c("NEG", "did not")
        for w in (
            "not",
            "never",
            "other than",
            "skipped",
            "stayed out of",
            "unvisited",
        )
    },
    **{
        w: _c("NEG USE", "did not interact with")
        for w in ("left alone", "unused", "left unused", "untouched")
    },
    # --- contrasts: sequence
    **{
        w: _c("AFTER", "right after")
        for w in ("after", "right after", "just after", "immediately after", "next after", "next")
    },
    **{
        w: _c("BEFORE", "right before")
        for w in ("before", "right before", "just before", "immediately before", "prior to")
    },
    **{
        w: _c("THEN", "and then")
        for w in (
            "then",
            "and then",
            "followed by",
            "afterwards",
            "and afterwards",
            "after that",
            "then to",
            "and then to",
        )
    },
    **{w: _c("ALL", "all") for w in ("all", "every", "each", "all of")},
    **{
        w: _c("ORDERED", "in the order")
        for w in (
            "in order",
            "in the order",
            "same order",
            "in the same order",
            "in sequence",
            "in the same sequence",
            "in chronological order",
            "chronological order",
            "following the order",
            "one by one in the same order",
            "in that order",
            "first to last",
        )
    },
    **{
        w: _c("ANYORDER", "in any order")
        for w in (
            "in any order",
            "any order",
            "in no particular order",
            "no particular order",
            "in whatever order",
            "whatever order",
            "the order does not matter",
            "order does not matter",
            "order not important",
            "order is not important",
            "any order is fine",
        )
    },
    "most used": _c("MAX USE", "used the most"),
    "most frequently moved": _c("MAX MOVE", "moved most often"),
    **{
        w: _c("HERE", "you")
        for w in ("where you are", "where you are now", "where you stand", "where you are standing")
    },
    **{
        w: _c("OTHERDAY", w)
        for w in (
            "today",
            "this morning",
            "this afternoon",
            "this evening",
            "tonight",
            "tomorrow",
            "last week",
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
        )
    },
    "back": _c("BACK", "back"),
    "one of the": _c("ONEOF", "one of the"),
    "one of them": _c("ONEOF", "one of them"),
    "and": _c("AND", "and"),
    "yesterday": _c("YESTERDAY", "yesterday"),
}

#: Cue phrases as token tuples, longest first per starting word.
CUES: dict[tuple[str, ...], Cue] = {tuple(k.split()): v for k, v in _PHRASES.items()}
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
