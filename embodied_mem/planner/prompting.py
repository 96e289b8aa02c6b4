"""Memory-augmented prompting as in KARMA, within a token budget.

A prompt has, in order of priority: the system text (role, tools, output schema) and the
instruction (always kept), then the retrieved short-term entries, the compact long-term
summary, and retrieved past task→plan examples. Lower-priority lines are dropped first when
the budget is tight; what was dropped is reported so traces show it.

Token counting: :class:`HeuristicTokenCounter` (default) estimates BPE tokens from the text's
pieces (letter runs in chunks of 6, single digits, punctuation runs in pairs, as BPE
vocabularies split code and JSON) and from ``chars / 4``, plus 10 %; checked against SmolLM2's tokenizer it
errs high (by ~0-40 %), so a prompt that fits the estimate fits the model. :class:`ServerTokenCounter` asks llama.cpp's ``/extras/tokenize/count``
endpoint for exact counts with the served model's tokenizer, falling back to the heuristic when
the endpoint is absent (vLLM/hosted APIs do not have it). :class:`TokenizerCounter` counts with
the model's tokenizer loaded locally (a Hugging Face tokenizer directory or the model's GGUF).
"""

from __future__ import annotations

import json
import logging
import math
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

logger = logging.getLogger(__name__)

_PIECES = re.compile(r"\w+|[^\w\s]")
_BPE_PIECES = re.compile(r"[^\W\d_]+|\d|[^\w\s]+|_")


class TokenCounter(Protocol):
    def count(self, text: str) -> int: ...


class HeuristicTokenCounter:
    """Approximate BPE token count; deliberately errs high (see module docstring)."""

    def count(self, text: str) -> int:
        # Letter runs: ~6 letters per token; punctuation runs ('":', '"},{') merge in pairs.
        pieces = sum(
            math.ceil(len(p) / 6) if p.isalpha() else math.ceil(len(p) / 2)
            for p in _BPE_PIECES.findall(text)
        )
        return math.ceil(1.1 * max(pieces, len(text) / 4))


class ServerTokenCounter:
    """Exact counts from a llama.cpp server (``POST {root}/extras/tokenize/count``).

    Args:
        base_url: the OpenAI base URL (``http://host:port/v1``); ``/v1`` is stripped.
        timeout_s: per-request timeout; on any failure the heuristic is used from then on.
    """

    def __init__(self, base_url: str, timeout_s: float = 5.0) -> None:
        self.root = re.sub(r"/v1/?$", "", base_url.rstrip("/"))
        self.timeout_s = timeout_s
        self._fallback: HeuristicTokenCounter | None = None

    def count(self, text: str) -> int:
        if self._fallback is not None:
            return self._fallback.count(text)
        import httpx2  # the openai client's HTTP library; imported here to keep this module light

        try:
            resp = httpx2.post(
                f"{self.root}/extras/tokenize/count", json={"input": text}, timeout=self.timeout_s
            )
            resp.raise_for_status()
            return int(resp.json()["count"])
        except Exception as exc:  # noqa: BLE001 - any failure means "endpoint unavailable"
            logger.warning("token count endpoint unavailable (%s); using the heuristic", exc)
            self._fallback = HeuristicTokenCounter()
            return self._fallback.count(text)


class TokenizerCounter:
    """Exact counts with the model's own tokenizer, loaded offline (no download).

    Args:
        path: a Hugging Face tokenizer directory (or a repo id already in the local cache),
            or a ``.gguf`` model file, whose vocabulary is read with llama-cpp-python
            (``vocab_only``: the weights are not loaded).

    Raises:
        ValueError: nothing loadable at ``path`` (the message says what to point it at).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        try:
            if path.endswith(".gguf"):
                import llama_cpp

                vocab = llama_cpp.Llama(model_path=path, vocab_only=True, verbose=False)
                self._encode: Callable[[str], Sequence[int]] = lambda t: vocab.tokenize(
                    t.encode("utf-8"), add_bos=False, special=True
                )
            else:
                from transformers import AutoTokenizer

                tok = AutoTokenizer.from_pretrained(path, local_files_only=True)
                self._encode = lambda t: tok.encode(t, add_special_tokens=False)
        except (ImportError, OSError, ValueError, RuntimeError) as exc:
            raise ValueError(
                f"cannot load a tokenizer from {path!r} ({type(exc).__name__}: {exc}); set "
                "planner.llm.tokenizer to the served model's tokenizer directory (with "
                "tokenizer.json) or its .gguf file, or use token_counter=heuristic"
            ) from exc

    def count(self, text: str) -> int:
        return len(self._encode(text))


# ---------------------------------------------------------------------------- examples


def hashed_ngram_embedding(texts: Sequence[str], dim: int = 1024) -> np.ndarray:
    """(N, dim) L2-normalised hashed word + character-trigram counts; deterministic (crc32).

    Good enough to find past tasks phrased like the current one, with no model weights.
    Pass a sentence-transformers encoder to :class:`ExampleStore` for semantic similarity.
    """
    out = np.zeros((len(texts), dim), dtype=np.float32)
    for i, text in enumerate(texts):
        words = _PIECES.findall(text.lower())
        grams = words + [w[j : j + 3] for w in words for j in range(max(1, len(w) - 2))]
        for g in grams:
            out[i, zlib.crc32(g.encode()) % dim] += 1.0
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.maximum(norms, 1e-12)


@dataclass(frozen=True)
class PlanExample:
    """A past task and the plan JSON that solved it."""

    task: str
    plan: str
    score: float = 0.0


class ExampleStore:
    """Past task→plan examples retrieved by text similarity (KARMA's in-context examples).

    Args:
        embed: texts → (N, D) L2-normalised vectors; defaults to :func:`hashed_ngram_embedding`.
    """

    def __init__(self, embed: Callable[[Sequence[str]], np.ndarray] | None = None) -> None:
        self.embed = embed or hashed_ngram_embedding
        self._tasks: list[str] = []
        self._plans: list[str] = []
        self._vecs: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self._tasks)

    def add(self, task: str, plan: str | dict[str, Any]) -> None:
        if not task.strip():
            raise ValueError("example task text must be non-empty")
        plan_text = plan if isinstance(plan, str) else json.dumps(plan)
        vec = self.embed([task])
        self._vecs = vec if self._vecs is None else np.vstack([self._vecs, vec])
        self._tasks.append(task)
        self._plans.append(plan_text)

    def retrieve(self, query: str, k: int = 3, min_score: float = 0.0) -> list[PlanExample]:
        """The ``k`` most similar examples (cosine), best first; ties keep insertion order."""
        if self._vecs is None or k <= 0:
            return []
        scores = self._vecs @ self.embed([query])[0]
        order = np.argsort(-scores, kind="stable")[:k]
        return [
            PlanExample(self._tasks[i], self._plans[i], float(scores[i]))
            for i in order
            if scores[i] >= min_score
        ]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w") as fh:
            for t, p in zip(self._tasks, self._plans, strict=True):
                fh.write(json.dumps({"task": t, "plan": p}) + "\n")

    @classmethod
    def load(
        cls, path: Path, embed: Callable[[Sequence[str]], np.ndarray] | None = None
    ) -> ExampleStore:
        """Read a JSONL file of ``{"task": ..., "plan": ...}`` lines."""
        store = cls(embed)
        for n, line in enumerate(Path(path).read_text().splitlines(), start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                store.add(rec["task"], rec["plan"])
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise ValueError(
                    f"{path}:{n}: expected a JSON line with 'task' and 'plan' ({exc})"
                ) from exc
        return store


# ---------------------------------------------------------------------------- budgeting


@dataclass
class PromptSections:
    """The raw material of one prompt (lines are most relevant first)."""

    system: str
    instruction: str
    retrieved: list[str] = field(default_factory=list)
    """Records retrieved for this instruction (:mod:`embodied_mem.planner.retrieval`)."""
    short_term: list[str] = field(default_factory=list)
    long_term: list[str] = field(default_factory=list)
    examples: list[PlanExample] = field(default_factory=list)
    feedback: list[str] = field(default_factory=list)


@dataclass
class BuiltPrompt:
    """Chat messages that fit the budget, their estimated tokens and what was left out."""

    messages: list[dict[str, Any]]
    estimated_tokens: int
    dropped: dict[str, int]


def _fit(lines: Sequence[str], budget: int, counter: TokenCounter) -> tuple[list[str], int]:
    kept: list[str] = []
    used = 0
    for line in lines:
        cost = counter.count(line) + 1  # + the newline
        if used + cost > budget:
            break
        kept.append(line)
        used += cost
    return kept, used


def build_prompt(
    sections: PromptSections, budget: int, counter: TokenCounter, *, reserve: int = 0
) -> BuiltPrompt:
    """Assemble system + user messages within ``budget - reserve`` tokens.

    Raises:
        ValueError: the system text and instruction alone exceed the budget (the caller
            records this as the ``budget_exceeded`` failure mode).
    """
    overhead = 16  # chat-template tokens per message and section headers, estimated
    fixed = counter.count(sections.system) + counter.count(sections.instruction) + 4 * overhead
    left = budget - reserve - fixed
    if left < 0:
        raise ValueError(
            f"system prompt and instruction need ~{fixed} tokens, more than the "
            f"budget {budget} minus {reserve} reserved; raise token_budget"
        )
    parts: dict[str, list[str]] = {}
    dropped: dict[str, int] = {}
    example_lines = [_example_record(e) for e in sections.examples]
    feedback_lines = [json.dumps(f, ensure_ascii=True) for f in sections.feedback]
    for name, lines in (
        ("feedback", feedback_lines),
        ("retrieved", sections.retrieved),
        ("short_term", sections.short_term),
        ("long_term", sections.long_term),
        ("examples", example_lines),
    ):
        kept, used = _fit(lines, left, counter)
        left -= used
        parts[name] = kept
        if len(kept) < len(lines):
            dropped[name] = len(lines) - len(kept)
    user = _render_user(sections.instruction, parts)
    messages = [{"role": "system", "content": sections.system}, {"role": "user", "content": user}]
    return BuiltPrompt(messages, budget - reserve - left, dropped)


def _example_record(e: PlanExample) -> str:
    """A past task and its plan as one JSON line (the plan parsed when it is JSON)."""
    try:
        plan: Any = json.loads(e.plan)
    except json.JSONDecodeError:
        plan = e.plan
    return json.dumps({"task": e.task, "plan": plan}, ensure_ascii=True, separators=(",", ":"))


#: Section titles of the user message; every line under them is one JSON value.
SECTION_TITLES = (
    ("long_term", "Long-term memory (JSON records)"),
    ("retrieved", "Memory retrieved for this instruction (JSON records)"),
    ("short_term", "Short-term memory (recent changes as JSON records, most relevant first)"),
    ("examples", "Similar past tasks and their plans (JSON)"),
    ("feedback", "Outcome of earlier steps of this task (JSON strings)"),
)


def _render_user(instruction: str, parts: dict[str, list[str]]) -> str:
    blocks = []
    titles = SECTION_TITLES
    for key, title in titles:
        if parts.get(key):
            blocks.append(f"## {title}\n" + "\n".join(parts[key]))
    blocks.append(f"## Instruction\n{instruction}")
    return "\n\n".join(blocks)
