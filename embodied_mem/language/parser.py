"""Instruction -> template id and slots, without a large model.

Two stages:

1. **Exact**: the sentence is a TASKS.md phrasing word for word with valid slot values
   (:mod:`embodied_mem.language.exact`). Confidence 1.
2. **Understanding**: slots are found against the vocabulary (memory's own words when a memory
   is given), cue words say which intents are possible at all (:mod:`.intents`), and the
   sentence embedding (all-MiniLM-L6-v2, offline) of the sentence in template wording picks the
   closest possible intent by cosine similarity to its exemplars.

A parse that is not clearly one intent is reported, never guessed: ``status`` is
``low_confidence`` (closest intent too far), ``ambiguous`` (two intents or two slot readings
too close) or ``no_match`` (no intent fits the words), with the nearest intents listed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import numpy as np

from embodied_mem.benchmark.task import FAMILY_OF
from embodied_mem.language.analysis import Analysis, analyze
from embodied_mem.language.exact import match_exact
from embodied_mem.language.intents import INTENTS, Intent, exemplar_texts
from embodied_mem.language.lexicon import ACTS, CONTRASTS
from embodied_mem.language.mentions import Mention
from embodied_mem.language.parser_config import ParserConfig
from embodied_mem.language.vocabulary import Vocabulary, default_vocabulary

logger = logging.getLogger(__name__)

STATUSES = ("ok", "ambiguous", "low_confidence", "no_match", "unavailable")
#: Intents about the world now: a sentence saying what the agent did (yesterday) is not one.
_NO_ACTS = frozenset({"T01", "T22", "T47", "T61"})


@dataclass(frozen=True)
class Alternative:
    template: str
    score: float
    why_not: str = ""


@dataclass
class ParseResult:
    """What an instruction asks for; ``template`` is None unless ``status`` is "ok"."""

    status: str
    template: str | None = None
    slots: dict[str, str] = field(default_factory=dict)
    confidence: float = 0.0
    reason: str = ""
    alternatives: list[Alternative] = field(default_factory=list)
    method: str = ""
    mode: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def family(self) -> str | None:
        return FAMILY_OF.get(self.template) if self.template else None

    def to_json(self) -> dict[str, Any]:
        """The CLI's JSON: template, slots, confidence, alternatives, plus status and reason."""
        return {
            "template": self.template,
            "family": self.family,
            "slots": dict(self.slots),
            "confidence": round(self.confidence, 3),
            "status": self.status,
            "reason": self.reason,
            "method": self.method,
            "alternatives": [
                {k: v for k, v in asdict(a).items() if v != "" or k != "why_not"}
                for a in self.alternatives
            ],
        }


class SentenceEncoder(Protocol):
    def embed(self, texts: list[str]) -> np.ndarray: ...


_ENCODERS: dict[str, SentenceEncoder] = {}
_EXEMPLARS: dict[tuple[int, str], tuple[list[str], np.ndarray]] = {}
_LOCK = threading.Lock()


def _default_encoder(model_path: str) -> SentenceEncoder:
    """The MiniLM text embedder, loaded once per process and model path."""
    with _LOCK:
        if model_path not in _ENCODERS:
            from embodied_mem.perception.embedders import TextEmbedder, TextEmbedderConfig

            _ENCODERS[model_path] = TextEmbedder(TextEmbedderConfig(model_path=model_path))
        return _ENCODERS[model_path]


@contextmanager
def _torch_threads(n: int) -> Iterator[None]:
    """Run the block with ``n`` torch threads (restored after); no-op without torch or n=0."""
    try:
        import torch
    except ImportError:
        torch = None
    old = torch.get_num_threads() if torch is not None else n
    if torch is not None and n and n != old:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        if torch is not None and n and n != old:
            torch.set_num_threads(old)


def check_intent(intent: Intent, analysis: Analysis) -> dict[str, Mention] | str:
    """The slot mentions ``intent`` takes from ``analysis``, or why the intent cannot be meant."""
    if analysis.mode != intent.mode:
        return f"asks to {analysis.mode or 'do something else'}, {intent.template} is {intent.mode}"
    tags = analysis.tags
    for group in intent.needs:
        if not group & tags:
            return f"needs a word for {'/'.join(sorted(group))}"
    allowed = intent.allows.union(*intent.needs)
    extra = (tags & CONTRASTS) - allowed
    if extra:
        return f"says {'/'.join(sorted(extra))}, which {intent.template} does not"
    if intent.template in _NO_ACTS and tags & (ACTS | {"YESTERDAY"}):
        return f"says what you did; {intent.template} is about the world now"
    return _fit_slots(intent, analysis.mentions)


def _fit_slots(intent: Intent, mentions: tuple[Mention, ...]) -> dict[str, Mention] | str:
    used: dict[str, Mention] = {}
    for m in mentions:
        if m.kind in intent.ignores:
            continue
        role = next(
            (name for name, kinds in intent.slots.items() if name not in used and m.kind in kinds),
            None,
        )
        if role is None:
            return f"has a {m.kind} ({m.value}) that {intent.template} has no slot for"
        used[role] = m
    missing = [name for name in intent.slots if name not in used]
    if missing:
        return f"lacks {', '.join(missing)}"
    return used


class InstructionParser:
    """Parse instructions into template ids and slots.

    Args:
        vocabulary: slot words; default: the catalogs' (:func:`default_vocabulary`). Use
            ``default_vocabulary().with_memory(query)`` to parse against a memory's words.
        config: thresholds.
        encoder: sentence encoder (``embed(list[str]) -> (n, d)`` L2-normalised); default the
            offline MiniLM. When it cannot be loaded, only exact phrasings parse (status
            ``unavailable`` otherwise, with the reason).
    """

    def __init__(
        self,
        vocabulary: Vocabulary | None = None,
        config: ParserConfig | None = None,
        encoder: SentenceEncoder | None = None,
    ) -> None:
        self.vocabulary = vocabulary or default_vocabulary()
        self.config = config or ParserConfig()
        self._encoder = encoder
        self._encoder_error: str | None = None

    def with_vocabulary(self, vocabulary: Vocabulary) -> InstructionParser:
        """The same parser (same encoder and caches) over another vocabulary."""
        other = InstructionParser(vocabulary, self.config, self._encoder)
        other._encoder_error = self._encoder_error
        return other

    # ------------------------------------------------------------------ public
    def parse(self, text: str) -> ParseResult:
        exact = match_exact(text, self.vocabulary)
        if len(exact) == 1:
            template, slots = exact[0]
            return ParseResult(
                "ok",
                template,
                slots,
                1.0,
                "exact template phrasing",
                [],
                "exact",
                INTENTS[template].mode,
            )
        analysis = analyze(text, self.vocabulary)
        encoder = self._get_encoder()
        if encoder is None:
            return ParseResult(
                "unavailable",
                reason=f"not an exact template phrasing; {self._encoder_error}",
                method="embedding",
                mode=analysis.mode,
            )
        return self._understand(analysis, encoder)

    def analyze(self, text: str) -> Analysis:
        return analyze(text, self.vocabulary)

    # ------------------------------------------------------------------ internals
    def _get_encoder(self) -> SentenceEncoder | None:
        if self._encoder is None and self._encoder_error is None:
            try:
                self._encoder = _default_encoder(self.config.model_path)
            except (ImportError, FileNotFoundError, OSError) as exc:
                self._encoder_error = f"the sentence encoder could not be loaded ({exc})"
                logger.warning("instruction parser: %s; only exact phrasings parse", exc)
        return self._encoder

    def _exemplars(self, encoder: SentenceEncoder) -> tuple[list[str], np.ndarray]:
        """(template of each exemplar row, unit embeddings), computed once per encoder."""
        key = (id(encoder), self.config.model_path)
        with _LOCK:
            if key not in _EXEMPLARS:
                owners, texts = [], []
                vocab = default_vocabulary()
                for tid, intent in INTENTS.items():
                    for text in exemplar_texts(intent):
                        owners.append(tid)
                        texts.append(analyze(text, vocab).canonical)
                with _torch_threads(self.config.encoder_threads):
                    matrix = np.asarray(encoder.embed(texts), dtype=np.float32)
                _EXEMPLARS[key] = (owners, matrix)
            return _EXEMPLARS[key]

    def similarities(self, canonical: str, encoder: SentenceEncoder) -> dict[str, float]:
        """Best cosine similarity of ``canonical`` to each intent's exemplars."""
        owners, matrix = self._exemplars(encoder)
        with _torch_threads(self.config.encoder_threads):
            query = np.asarray(encoder.embed([canonical]), dtype=np.float32)[0]
        sims = matrix @ query
        best: dict[str, float] = {}
        for tid, s in zip(owners, sims, strict=True):
            best[tid] = max(best.get(tid, -1.0), float(s))
        return best

    def _understand(self, analysis: Analysis, encoder: SentenceEncoder) -> ParseResult:
        sims = self.similarities(analysis.canonical, encoder)
        fits: dict[str, dict[str, Mention]] = {}
        why: dict[str, str] = {}
        for tid, intent in INTENTS.items():
            checked = check_intent(intent, analysis)
            if isinstance(checked, str):
                why[tid] = checked
            else:
                fits[tid] = checked
        ranked = sorted(fits, key=lambda t: (-sims[t], t))
        others = sorted(why, key=lambda t: (-sims[t], t))
        alts = [Alternative(t, round(sims[t], 3)) for t in ranked[1:]]
        alts += [Alternative(t, round(sims[t], 3), why[t]) for t in others]
        alts = alts[: self.config.alternatives]
        base = {"method": "embedding", "mode": analysis.mode}
        if analysis.unknown:
            words = ", ".join(repr(w) for w in analysis.unknown)
            return ParseResult(
                "no_match",
                reason=f"does not know {words} (not a category, room or attribute in memory)",
                alternatives=alts,
                **base,
            )
        if not ranked:
            reason = "no task fits these words" + (
                ""
                if analysis.mode
                else " (it neither asks to go somewhere, to move something, nor a question)"
            )
            return ParseResult("no_match", reason=reason, alternatives=alts, **base)
        best = ranked[0]
        score = min(1.0, sims[best])
        slots = {name: m for name, m in fits[best].items()}
        if score < self.config.min_similarity:
            return ParseResult(
                "low_confidence",
                confidence=score,
                reason=f"closest task {best} is only {score:.2f} similar",
                alternatives=[Alternative(best, round(score, 3)), *alts],
                **base,
            )
        if len(ranked) > 1 and score - sims[ranked[1]] < self.config.min_margin:
            return ParseResult(
                "ambiguous",
                confidence=score,
                reason=f"{best} and {ranked[1]} fit equally well",
                alternatives=[Alternative(best, round(score, 3)), *alts],
                **base,
            )
        vague = {n: m for n, m in slots.items() if len(m.values) > 1}
        if vague:
            name, m = next(iter(vague.items()))
            return ParseResult(
                "ambiguous",
                confidence=score,
                reason=f"{name} could be any of {', '.join(m.values)}",
                alternatives=[Alternative(best, round(score, 3)), *alts],
                **base,
            )
        return ParseResult(
            "ok",
            best,
            {n: m.value for n, m in slots.items()},
            score,
            "",
            alts,
            **base,
        )
