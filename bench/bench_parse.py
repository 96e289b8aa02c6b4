"""Instruction understanding on the frozen paraphrase sets: per-family table, ablation, latency.

Run: ``.venv/bin/python bench/bench_parse.py [--sets tuned heldout] [--ablation]``.

Prints JSON:

* ``sets.<name>.table``: per family, how many rewordings parse right (template and every slot),
  do not parse (the parser says it is unsure), or parse wrong; ``out_of_scope`` counts texts
  that match no template (right = refused). ``rates``: shares over the in-scope rewordings.
* ``ablation`` (with ``--ablation``): share of right *intents* when the nearest exemplar by
  MiniLM similarity alone decides (no cue rules, no refusals), on the raw text and on the
  canonical wording, next to the full parser's.
* ``latency``: CPU milliseconds per instruction (warm caches) of the full parse, next to one
  MiniLM encode of a sentence measured in the same run as the reference (``ratio``); the cold
  start (model load + exemplar embeddings) is reported separately. CPU time, because the
  machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from embodied_mem.language import InstructionParser  # noqa: E402
from embodied_mem.language.evaluate import OUTCOMES, Case, load_set, score_set  # noqa: E402
from embodied_mem.language.intents import INTENTS, exemplar_texts  # noqa: E402
from embodied_mem.language.parser import _torch_threads  # noqa: E402

SETS = REPO / "tests" / "planner" / "paraphrases"


def _set_report(parser: InstructionParser, cases: list[Case]) -> dict[str, Any]:
    score = score_set(cases, parser)
    return {
        "cases": len(cases),
        "table": score.table(),
        "rates": {o: round(score.rate(o), 4) for o in OUTCOMES},
        "wrong": score.wrong,
        "no_parse": score.no_parse,
    }


def _nearest_intent(parser: InstructionParser, texts: list[str], raw: bool) -> list[str]:
    """The intent of the most similar exemplar, by MiniLM alone (no rules, never refuses)."""
    enc = parser._get_encoder()
    owners, rows = [], []
    for tid, intent in INTENTS.items():
        for text in exemplar_texts(intent):
            owners.append(tid)
            rows.append(text.lower() if raw else parser.analyze(text).canonical)
    with _torch_threads(1):
        ex = np.asarray(enc.embed(rows))
        queries = [t.lower() if raw else parser.analyze(t).canonical for t in texts]
        q = np.asarray(enc.embed(queries))
    return [owners[int(i)] for i in np.argmax(q @ ex.T, axis=1)]


def _ablation(parser: InstructionParser, cases: list[Case]) -> dict[str, float]:
    scoped = [c for c in cases if c.template is not None]
    texts = [c.text for c in scoped]
    full = [parser.parse(t).template for t in texts]
    out = {}
    for name, got in (
        ("embedding_only_raw_text", _nearest_intent(parser, texts, raw=True)),
        ("embedding_only_canonical", _nearest_intent(parser, texts, raw=False)),
        ("full_parser", full),
    ):
        right = sum(g == c.template for g, c in zip(got, scoped, strict=True))
        wrong = sum(g is not None and g != c.template for g, c in zip(got, scoped, strict=True))
        out[name] = {
            "right_intent": round(right / len(scoped), 4),
            "wrong_intent": round(wrong / len(scoped), 4),
        }
    return out


def _latency(parser: InstructionParser, cases: list[Case]) -> dict[str, float]:
    """Warm parser, but every sentence really encoded (the embedder's string cache is cleared)."""
    texts = [c.text for c in cases]
    enc = parser._get_encoder()
    cache = getattr(enc, "_cache", {})
    parse_s = encode_s = 0.0
    for t in texts:
        cache.clear()
        start = time.process_time()
        parser.parse(t)
        parse_s += time.process_time() - start
        cache.clear()
        start = time.process_time()
        with _torch_threads(1):
            enc.embed([t])
        encode_s += time.process_time() - start
    n = len(texts)
    return {
        "parse_cpu_ms_per_instruction": round(1000 * parse_s / n, 2),
        "minilm_encode_cpu_ms_reference": round(1000 * encode_s / n, 2),
        "ratio": round(parse_s / encode_s, 2) if encode_s else None,
        "instructions": n,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sets", nargs="+", default=["tuned"], help="paraphrase files (no .yaml)")
    ap.add_argument("--ablation", action="store_true", help="also score MiniLM-only intents")
    args = ap.parse_args(argv)
    start = time.process_time()
    parser = InstructionParser()
    parser.parse("Go to wherever you put the candle.")  # model load + exemplar embeddings
    report: dict[str, Any] = {"cold_start_cpu_s": round(time.process_time() - start, 2), "sets": {}}
    all_cases: list[Case] = []
    for name in args.sets:
        cases = load_set(SETS / f"{name}.yaml")
        all_cases += cases
        report["sets"][name] = _set_report(parser, cases)
        if args.ablation:
            report["sets"][name]["ablation"] = _ablation(parser, cases)
    report["latency"] = _latency(parser, all_cases)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
