"""Score a parser on a paraphrase set: per family, how many are right, not parsed, or wrong.

A set is a YAML mapping template id -> list of ``[text, expected slots]`` plus ``none``: texts
that match no template. *Right* means the template and every slot value match (compared
case- and separator-insensitively, "living room" == "living_room"); *no parse* means the parser
said it is unsure; *wrong* means it returned another template or other slots. For ``none``
texts any parse is wrong.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from embodied_mem.benchmark.task import FAMILIES, FAMILY_OF
from embodied_mem.language.parser import InstructionParser

OUTCOMES = ("right", "no_parse", "wrong")
NONE_FAMILY = "out_of_scope"


def _key(value: Any) -> str:
    return "".join(ch for ch in str(value).lower() if ch.isalnum())


@dataclass(frozen=True)
class Case:
    text: str
    template: str | None
    slots: dict[str, str]

    @property
    def family(self) -> str:
        return FAMILY_OF[self.template] if self.template else NONE_FAMILY


def load_set(path: str | Path) -> list[Case]:
    """The cases of one paraphrase YAML file, in file order."""
    data = yaml.safe_load(Path(path).read_text())
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of template id -> cases")
    cases = []
    for template, rows in data.items():
        if template == "none":
            cases += [Case(str(text), None, {}) for text in rows]
            continue
        if template not in FAMILY_OF:
            raise ValueError(f"{path}: unknown template id {template!r}")
        cases += [
            Case(str(text), template, {k: str(v) for k, v in slots.items()}) for text, slots in rows
        ]
    return cases


@dataclass
class SetScore:
    """Outcome counts per family, the cases that went wrong or did not parse, CPU time."""

    per_family: dict[str, Counter] = field(default_factory=dict)
    wrong: list[dict[str, Any]] = field(default_factory=list)
    no_parse: list[dict[str, Any]] = field(default_factory=list)
    cpu_s_per_instruction: float = 0.0

    def totals(self, *, in_scope: bool = True) -> Counter:
        out: Counter = Counter()
        for fam, counts in self.per_family.items():
            if (fam != NONE_FAMILY) == in_scope:
                out.update(counts)
        return out

    def rate(self, outcome: str) -> float:
        totals = self.totals()
        n = sum(totals.values())
        return totals[outcome] / n if n else 0.0

    def table(self) -> dict[str, dict[str, int]]:
        order = [*FAMILIES, NONE_FAMILY]
        return {
            fam: {o: int(self.per_family[fam][o]) for o in OUTCOMES}
            for fam in order
            if fam in self.per_family
        }


def outcome(case: Case, parser: InstructionParser) -> tuple[str, Any]:
    result = parser.parse(case.text)
    if not result.ok:
        return "no_parse", result
    if case.template is None:
        return "wrong", result
    same = result.template == case.template and {k: _key(v) for k, v in result.slots.items()} == {
        k: _key(v) for k, v in case.slots.items()
    }
    return ("right" if same else "wrong"), result


def score_set(cases: list[Case], parser: InstructionParser) -> SetScore:
    """Parse every case (warm the parser first: the first parse loads the encoder)."""
    score = SetScore()
    start = time.process_time()
    for case in cases:
        kind, result = outcome(case, parser)
        if case.template is None and kind == "no_parse":
            kind = "right"  # rejecting an out-of-scope text is the right answer
        score.per_family.setdefault(case.family, Counter())[kind] += 1
        row = {"text": case.text, "want": case.template, "got": result.template}
        if kind == "wrong":
            score.wrong.append({**row, "slots": result.slots, "want_slots": case.slots})
        elif kind == "no_parse":
            score.no_parse.append({**row, "status": result.status, "reason": result.reason})
    score.cpu_s_per_instruction = (time.process_time() - start) / max(1, len(cases))
    return score
