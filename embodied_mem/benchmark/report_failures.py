"""The report's failed tasks: one card per failed task (``class="failure-card"``).

A card shows the instruction, the plan (each planning step, its subgoals' outcomes), what the
plan chose, the truth (ground truth, evaluation only), the failure label and its detail, and —
when the run captured them (:mod:`.failure_media`) — the memory keyframes of what the plan chose,
the frame where the agent stopped and a top-down sketch of the attempt, embedded as data URIs so
the page stays one file. Labels are shown as the rows carry them; this module never re-scores.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any

from embodied_mem.benchmark.report_data import RunData, baseline_label
from embodied_mem.benchmark.run_dir import ATTEMPT_JSON, MEDIA_DIR

MAX_CARDS_WITH_PICTURES = 120
"""Per baseline; later cards link to their media folder instead (keeps the page light)."""
MAX_CARDS = 400
"""Per baseline; beyond it the report counts the rest."""

CSS = """.cards{display:flex;flex-direction:column;gap:12px}
.failure-card{border:1px solid #d0d4d9;border-radius:8px;padding:.6em .8em;background:#fff;
box-shadow:0 1px 2px rgba(0,0,0,.06);display:flex;flex-wrap:wrap;gap:.4em 1.2em}
.failure-card .text{flex:1 1 380px;min-width:0}.failure-card header{display:flex;gap:.5em;
align-items:baseline;flex-wrap:wrap}.failure-card .instr{font-size:1.02em;margin:.35em 0}.label{background:#fce8e6;
color:#a50e0e;border-radius:4px;padding:0 .4em;font-family:monospace;font-size:.9em}
.failure-card dl{display:grid;grid-template-columns:5.5em 1fr;gap:.15em .5em;margin:.3em 0;
font-size:.86em}.failure-card dt{color:#5f6368}.failure-card dd{margin:0}
.pics{display:flex;gap:8px;flex-wrap:wrap;align-items:flex-start;flex:0 1 auto}
.pics figure{margin:0;max-width:210px}.pics img{display:block;border:1px solid #ccc;border-radius:3px;
image-rendering:auto}.pics figcaption{font-size:.75em;color:#555;max-width:210px}
.ok{color:#188038}.bad{color:#c5221f}.muted{color:#80868b}"""

_SKETCH_KEY = (
    "purple: path · green: start · red: stop (arrow = heading) · orange ×: what the plan "
    "chose · blue ◇: truth · grey: rooms · white/dark: the agent's own map"
)


def _esc(value: Any) -> str:
    return html.escape(str(value))


def media_folder(run: RunData, row: dict[str, Any]) -> Path:
    """Where the run captured this row's pictures (may not exist)."""
    task = str(row.get("task_id", "")).replace("/", "_")
    return run.out_dir / MEDIA_DIR / str(row.get("episode_id")) / str(row.get("baseline")) / task


def _data_uri(path: Path) -> str | None:
    if not path.is_file():
        return None
    mime = "image/png" if path.suffix == ".png" else "image/jpeg"
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _figure(uri: str | None, caption: str, width: int) -> str:
    if uri is None:
        return ""
    return (
        f"<figure><img src='{uri}' width={width} alt='{_esc(caption)}'>"
        f"<figcaption>{_esc(caption)}</figcaption></figure>"
    )


def _plan_html(row: dict[str, Any], attempt: dict[str, Any] | None) -> str:
    """Each planning step: the planner's message, then every subgoal's outcome."""
    steps = (row.get("trace") or {}).get("steps") or (attempt or {}).get("plan") or []
    if not steps:
        message = row.get("planner_message") or ""
        return _esc(message) if message else "<span class=muted>no plan (no agent ran)</span>"
    parts = []
    for i, step in enumerate(steps):
        message = step.get("message", "")
        outcomes = " ".join(
            f"<span class={'ok' if o.get('success') else 'bad'}>{_esc(o.get('subgoal'))} "
            f"{'✓' if o.get('success') else '✗ ' + _esc(o.get('reason') or '')}</span>"
            for o in step.get("outcomes", [])
        )
        mode = f" <span class=label>{_esc(step['mode'])}</span>" if step.get("mode") else ""
        parts.append(f"<div>{i + 1}. {_esc(message)}{mode} {outcomes}</div>")
    return "".join(parts)


def _truth_html(row: dict[str, Any], attempt: dict[str, Any] | None) -> str:
    if attempt is None:
        return "<span class=muted>not captured (the run predates failure pictures)</span>"
    truth = ", ".join(t["label"] for t in attempt.get("truth", []))
    answers = attempt.get("answers") or []
    if answers:
        truth = (truth + "; " if truth else "") + "answer: " + " / ".join(answers)
        got = attempt.get("answer")
        truth += f" (agent answered: {got!r})" if got else " (agent gave no answer)"
    return _esc(truth or "–") + " <span class=muted>(ground truth, evaluation only)</span>"


def _pictures(row: dict[str, Any], folder: Path, attempt: dict[str, Any] | None) -> str:
    if attempt is None:
        return ""
    figs = []
    for k in attempt.get("keyframes", []):
        caption = (
            f"memory keyframe d{k['day']} {k['time_of_day']} (frame {k['frame']}): "
            f"{k['memory_id']} (orange box) covers {100 * k['coverage']:.1f}% of the image"
        )
        if k.get("boxed") is False:
            caption = caption.replace(" (orange box)", "") + (
                "; memory's box of it then falls outside this view (no orange box)"
            )
        if k.get("moved_since"):
            caption += "; memory moved it elsewhere later (the plan used the later place)"
        figs.append(_figure(_data_uri(folder / k["file"]), caption, 160))  # captured 160 wide
    if not attempt.get("keyframes"):
        figs.append(
            "<figure><figcaption>no memory keyframe: the plan chose nothing the memory had "
            "seen before the task</figcaption></figure>"
        )
    stop = attempt.get("stop", {})
    figs.append(
        _figure(
            _data_uri(folder / "stop.jpg"),
            f"where it stopped: d{stop.get('day')} {stop.get('time_of_day')} (frame "
            f"{stop.get('frame')}) after {stop.get('steps')} steps; orange box: what the plan "
            "chose, blue ◇: the truth, where in view (also behind walls)",
            160,
        )
    )
    figs.append(_figure(_data_uri(folder / "attempt.png"), "the attempt: " + _SKETCH_KEY, 200))
    return "<div class=pics>" + "".join(figs) + "</div>"


def failure_card(run: RunData, row: dict[str, Any], pictures: bool = True) -> str:
    """One failed task as an ``<article class="failure-card">``."""
    folder = media_folder(run, row)
    attempt_path = folder / ATTEMPT_JSON
    attempt = json.loads(attempt_path.read_text()) if attempt_path.is_file() else None
    chosen = ", ".join(c["label"] for c in (attempt or {}).get("chosen", [])) or (
        "nothing" if attempt else "<span class=muted>not captured</span>"
    )
    detail = row.get("detail") or ""
    rel = folder.relative_to(run.out_dir).as_posix()
    if attempt is not None and not pictures:
        body = f"<p class=note>pictures: <a href='{_esc(rel)}/'>{_esc(rel)}/</a></p>"
    else:
        body = _pictures(row, folder, attempt if pictures else None)
    return (
        f"<article class=failure-card id='{_esc(_anchor(row))}'><div class=text><header>"
        f"<span class=label>{_esc(row.get('failure_mode') or 'unlabelled')}</span>"
        f"<b>{_esc(row.get('task_id'))}</b><span class=muted>{_esc(row.get('family'))} · "
        f"{_esc(baseline_label(str(row.get('baseline'))))}</span></header>"
        f"<p class=instr>“{_esc(row.get('instruction', ''))}”</p><dl>"
        f"<dt>plan</dt><dd>{_plan_html(row, attempt)}</dd>"
        f"<dt>chose</dt><dd>{chosen if not attempt else _esc(chosen)}</dd>"
        f"<dt>truth</dt><dd>{_truth_html(row, attempt)}</dd>"
        f"<dt>label</dt><dd><b>{_esc(row.get('failure_mode') or '–')}</b>"
        f"{': ' + _esc(detail) if detail else ''}</dd></dl></div>{body}</article>"
    )


def _anchor(row: dict[str, Any]) -> str:
    return f"fail-{row.get('baseline')}-{row.get('task_id')}".replace("/", "-")


def failures_html(run: RunData) -> str:
    """Per baseline a collapsible block of failure cards (the first agent baseline open)."""
    blocks = []
    opened = False
    for b in run.baselines:
        failed = sorted(
            (r for r in run.rows if r.get("baseline") == b and not r.get("success")),
            key=lambda r: (str(r.get("episode_id")), str(r.get("task_id"))),
        )
        if not failed:
            continue
        cards = [
            failure_card(run, r, pictures=i < MAX_CARDS_WITH_PICTURES)
            for i, r in enumerate(failed[:MAX_CARDS])
        ]
        more = (
            f" — first {MAX_CARDS} shown, {len(failed) - MAX_CARDS} more in results.jsonl"
            if len(failed) > MAX_CARDS
            else ""
        )
        agent = not b.startswith("frames-")
        attr = " open" if agent and not opened else ""
        opened = opened or agent
        blocks.append(
            f"<details{attr}><summary><b>{_esc(baseline_label(b))}</b>: {len(failed)} failed "
            f"task(s){more}</summary><div class=cards>{''.join(cards)}</div></details>"
        )
    return "".join(blocks) or "<p class=note>No failed tasks.</p>"
