"""Slot mentions in an instruction: clock times, periods, day counts, durations, ordinals and
vocabulary words (categories, rooms, colours, materials, shapes).

:func:`find_mentions` returns the mentions with their token spans; the tokens they cover are
not read again as cue words ("last" in "the last 3 days" is a day count, not an order).
Clock times follow the task clock (a day runs 06:00-22:00), so "at 3" means 15:00.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from embodied_mem.language.lexicon import lemma
from embodied_mem.language.vocabulary import Term, Vocabulary

NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}
NUMBER_WORDS.update({"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "a": 1, "an": 1})
# Up to the most interactions a suite puts in one day (the large setting: 20 a day, so
# "the 14th object you picked up" must parse).
ORDINAL_WORDS = (
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
    "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth"
).split()
PERIOD_WORDS = {"morning": "morning", "afternoon": "afternoon", "evening": "evening"}
PERIOD_WORDS["night"] = "evening"
DAY_START_HOUR = 6
"""An hour below this without am/pm is read as afternoon (the task day runs 06:00-22:00)."""

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_ORD = re.compile(r"^(\d{1,2})(st|nd|rd|th)$")
_GENERIC_NOUNS = frozenset(
    "object thing item one stuff colour color coloured colored shape shaped".split()
)
_ATTRIBUTE_LEADS = frozenset("something anything everything is was are were".split())
_UNITS = frozenset("day days second seconds sec secs minute minutes hour hours s".split())


@dataclass(frozen=True)
class Mention:
    """A slot value found in the text.

    Attributes:
        kind: object, receptacle, room, color, material, shape, time, period, days,
            seconds, ordinal, or number (a number nothing explains).
        values: canonical value(s); more than one when the word is ambiguous ("table").
        start, end: token span [start, end).
        filler: what the sentence embedder sees in place of the span.
    """

    kind: str
    values: tuple[str, ...]
    start: int
    end: int
    filler: str

    @property
    def value(self) -> str:
        return self.values[0]


FILLERS = {
    "object": "mug",
    "receptacle": "counter",
    "room": "kitchen",
    "color": "red",
    "material": "wooden",
    "shape": "round",
    "time": "10:15",
    "period": "morning",
    "ordinal": "third",
    "number": "7",
}


def number_at(tokens: list[str], i: int) -> tuple[int, int] | None:
    """(value, tokens used) of a number written in digits or words at ``i`` ("forty five")."""
    if i >= len(tokens):
        return None
    tok = tokens[i]
    if tok.isdigit():
        return int(tok), 1
    if tok not in NUMBER_WORDS:
        return None
    value = NUMBER_WORDS[tok]
    if value in (20, 30, 40, 50) and i + 1 < len(tokens):
        unit = NUMBER_WORDS.get(tokens[i + 1])
        if unit is not None and 1 <= unit <= 9 and tokens[i + 1] not in ("a", "an"):
            return value + unit, 2
    return value, 1


def _to_24h(hour: int, minute: int, marker: str | None) -> str | None:
    if not (0 <= hour <= 23 and 0 <= minute < 60):
        return None
    if marker == "pm" and hour < 12:
        hour += 12
    elif marker == "am" and hour == 12:
        hour = 0
    elif marker is None and hour < DAY_START_HOUR:
        hour += 12
    return f"{hour:02d}:{minute:02d}"


def _marker(tokens: list[str], j: int) -> tuple[str | None, int]:
    if j < len(tokens) and tokens[j] in ("am", "pm"):
        return tokens[j], 1
    if j < len(tokens) and tokens[j] == "oclock":
        return None, 1
    return None, 0


def _hour_word(tokens: list[str], i: int) -> int | None:
    num = number_at(tokens, i)
    if num is None or num[1] != 1 or tokens[i] in ("a", "an") or not 1 <= num[0] <= 12:
        return None
    return num[0]


def _clock_at(tokens: list[str], i: int, time_context: bool) -> tuple[str, int] | None:
    """A clock time starting at ``i``: (HH:MM, tokens used) or None."""
    tok = tokens[i]
    if tok in ("noon", "midday"):
        return "12:00", 1
    m = _CLOCK.match(tok)
    if m:
        marker, used = _marker(tokens, i + 1)
        value = _to_24h(int(m.group(1)), int(m.group(2)), marker)
        return (value, 1 + used) if value else None
    if tok in ("quarter", "half") and i + 2 < len(tokens) and tokens[i + 1] in ("past", "to"):
        hour = _hour_word(tokens, i + 2)
        if hour is None or (tok == "half" and tokens[i + 1] == "to"):
            return None
        minute = 30 if tok == "half" else 15
        if tokens[i + 1] == "to":
            hour, minute = hour - 1, 45
        marker, used = _marker(tokens, i + 3)
        value = _to_24h(hour, minute, marker)
        return (value, 3 + used) if value else None
    hour = _hour_word(tokens, i)
    if hour is None:
        return None
    marker, used = _marker(tokens, i + 1)
    if used:
        value = _to_24h(hour, 0, marker)
        return (value, 1 + used) if value else None
    nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
    minutes = number_at(tokens, i + 1) if not tok.isdigit() else None
    if time_context and minutes is not None and 5 <= minutes[0] <= 59 and nxt not in _UNITS:
        after = tokens[i + 1 + minutes[1]] if i + 1 + minutes[1] < len(tokens) else ""
        if after not in _UNITS:
            marker, used = _marker(tokens, i + 1 + minutes[1])
            value = _to_24h(hour, minutes[0], marker)
            return (value, 1 + minutes[1] + used) if value else None
    if time_context and nxt not in _UNITS and not (nxt.isdigit() or nxt in NUMBER_WORDS):
        value = _to_24h(hour, 0, None)
        return (value, 1) if value else None
    return None


def _days_at(tokens: list[str], i: int) -> tuple[int, int, str] | None:
    """A day count: "N days ago", "the day before yesterday", "past/last N days", "past week"."""
    rest = tokens[i:]
    if rest[:4] == ["the", "day", "before", "yesterday"]:
        return 2, 4, "2 days ago"
    if rest[:3] == ["day", "before", "yesterday"]:
        return 2, 3, "2 days ago"
    if rest[:1] and rest[0] in ("past", "last") and len(rest) >= 2:
        if rest[1] == "week":
            return 7, 2, "past 7 days"
        num = number_at(tokens, i + 1)
        if num is not None and tokens[i + 1] not in ("a", "an"):
            j = i + 1 + num[1]
            if j < len(tokens) and tokens[j] in ("days", "day"):
                return num[0], j + 1 - i, f"past {num[0]} days"
    num = number_at(tokens, i)
    if num is not None and tokens[i] not in ("a", "an"):
        j = i + num[1]
        if tokens[j : j + 2] in (["days", "ago"], ["day", "ago"]):
            return num[0], j + 2 - i, f"{num[0]} days ago"
    return None


def _seconds_at(tokens: list[str], i: int) -> tuple[int, int] | None:
    """A duration in seconds: "40 seconds", "half a minute", "a minute", "2 minutes"."""
    rest = tokens[i:]
    if rest[:3] == ["half", "a", "minute"]:
        return 30, 3
    if rest[:5] == ["a", "minute", "and", "a", "half"]:
        return 90, 5
    num = number_at(tokens, i)
    if num is None:
        return None
    j = i + num[1]
    unit = tokens[j] if j < len(tokens) else ""
    if unit in ("second", "seconds", "sec", "secs", "s") and not (
        unit == "second" and tokens[i] in ("a", "an")
    ):
        return num[0], j + 1 - i
    if unit in ("minute", "minutes"):
        return num[0] * 60, j + 1 - i
    return None


def _ordinal_at(tokens: list[str], i: int) -> str | None:
    tok = tokens[i]
    m = _ORD.match(tok)
    if m and 2 <= int(m.group(1)) <= len(ORDINAL_WORDS):
        return ORDINAL_WORDS[int(m.group(1)) - 1]
    if tok in ORDINAL_WORDS[1:]:
        return tok
    return None


def _attribute_place(tokens: list[str], start: int, end: int, vocab: Vocabulary) -> bool:
    """Whether an attribute word stands where attributes go: before "object/thing/item" or a
    category ("a red mug"), after "something"/"made of", or after "is/was" ("that was red")."""
    nxt = lemma(tokens[end]) if end < len(tokens) else ""
    if nxt in _GENERIC_NOUNS:
        return True
    for n in range(1, min(vocab.longest, len(tokens) - end) + 1):
        key = tuple(lemma(t) for t in tokens[end : end + n])
        if any(t.kind in ("object", "receptacle") for t in vocab.lookup(key)):
            return True
    prev = tokens[start - 1] if start else ""
    return prev in _ATTRIBUTE_LEADS or tokens[max(0, start - 2) : start] == ["made", "of"]


def _pick_term(
    terms: list[Term], tokens: list[str], start: int, end: int, vocab: Vocabulary
) -> Term | None:
    """Which reading of a word fits here: an attribute ("a glass object") only where attributes
    go, otherwise a category or room ("the soap"); None if neither fits ("the glass" when
    glass is only a material: an unknown thing, not "a glass object")."""
    attrs = [t for t in terms if t.kind in ("color", "material", "shape")]
    things = [t for t in terms if t.kind not in ("color", "material", "shape")]
    if attrs and _attribute_place(tokens, start, end, vocab):
        return attrs[0]
    return things[0] if things else None


class _Scanner:
    """Walks the tokens once, trying each mention kind at each position, longest first."""

    def __init__(self, tokens: list[str], vocab: Vocabulary) -> None:
        self.tokens = tokens
        self.vocab = vocab
        self.lemmas = [lemma(t) for t in tokens]
        self.found: list[Mention] = []

    def time_context(self, i: int) -> bool:
        prev = self.tokens[i - 1] if i > 0 else ""
        if prev in ("at", "between", "from", "around", "about"):
            return True
        return prev in ("and", "to", "until", "till") and any(
            m.kind == "time" and i - m.end <= 2 for m in self.found
        )

    def at(self, i: int) -> Mention | None:
        toks = self.tokens
        for finder in (self._days, self._seconds, self._time, self._period, self._ordinal):
            found = finder(i)
            if found is not None:
                return found
        term = self._term(i)
        if term is not None:
            return term
        if toks[i].isdigit():
            return Mention("number", (toks[i],), i, i + 1, FILLERS["number"])
        return None

    def _days(self, i: int) -> Mention | None:
        hit = _days_at(self.tokens, i)
        return None if hit is None else Mention("days", (str(hit[0]),), i, i + hit[1], hit[2])

    def _seconds(self, i: int) -> Mention | None:
        hit = _seconds_at(self.tokens, i)
        if hit is None:
            return None
        return Mention("seconds", (str(hit[0]),), i, i + hit[1], f"{hit[0]} seconds")

    def _time(self, i: int) -> Mention | None:
        hit = _clock_at(self.tokens, i, self.time_context(i))
        if hit is None:
            return None
        return Mention("time", (hit[0],), i, i + hit[1], FILLERS["time"])

    def _period(self, i: int) -> Mention | None:
        toks = self.tokens
        if toks[i : i + 2] == ["last", "night"]:
            return Mention("period", ("evening",), i, i + 2, "evening")
        if toks[i] in PERIOD_WORDS and not (i and toks[i - 1] == "this"):  # today's, not a slot
            return Mention("period", (PERIOD_WORDS[toks[i]],), i, i + 1, PERIOD_WORDS[toks[i]])
        return None

    def _ordinal(self, i: int) -> Mention | None:
        word = _ordinal_at(self.tokens, i)
        return None if word is None else Mention("ordinal", (word,), i, i + 1, word)

    def _term(self, i: int) -> Mention | None:
        for n in range(min(self.vocab.longest, len(self.tokens) - i), 0, -1):
            terms = self.vocab.lookup(tuple(self.lemmas[i : i + n]))
            term = _pick_term(terms, self.tokens, i, i + n, self.vocab) if terms else None
            if term is not None:
                return Mention(term.kind, term.values, i, i + n, FILLERS[term.kind])
        return None


def find_mentions(tokens: list[str], vocab: Vocabulary) -> list[Mention]:
    """Every slot mention in ``tokens``, left to right, non-overlapping."""
    scanner = _Scanner(tokens, vocab)
    i = 0
    while i < len(tokens):
        mention = scanner.at(i)
        if mention is None:
            i += 1
            continue
        scanner.found.append(mention)
        i = mention.end
    return scanner.found


MentionFinder = Callable[[list[str], Vocabulary], list[Mention]]
