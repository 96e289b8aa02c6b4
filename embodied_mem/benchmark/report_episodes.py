"""The report's per-episode section (``id="episodes"``): one card per episode.

A card gives the house, the days, the interactions of the experience, every baseline's success
in that episode (``successes/tasks``), an episode's error when it failed, and links to its
pictures: the top-down of the experience (every step, one panel per day, the memory as it was at
each day's end; drawn here from what the run captured, see :mod:`.failure_media`, and embedded
as a small JPEG), the recording when the episode was recorded, and its captured media folder.
"""

from __future__ import annotations

import base64
import gzip
import html
import io
import json
import logging
from pathlib import Path
from typing import Any

from embodied_mem.benchmark.report_data import RunData, baseline_label
from embodied_mem.benchmark.run_dir import EPISODE_JSON, MEDIA_DIR

logger = logging.getLogger(__name__)

TOPDOWN_PNG = "topdown.png"
MAX_EMBEDDED_PICTURES = 40
"""Episodes beyond this many link to their top-down instead of embedding it."""
CSS = """.episodes{display:grid;grid-template-columns:repeat(auto-fill,minmax(600px,1fr));gap:12px}
.episode-card{border:1px solid #d0d4d9;border-radius:8px;padding:.6em .8em;background:#fafbfc}
.episode-card h3{margin:.1em 0 .3em;font-size:1em}.episode-card img{width:100%;border:1px solid
#ddd;border-radius:4px}.chips{display:flex;flex-wrap:wrap;gap:4px;margin:.3em 0}.chip{border-radius:
10px;padding:0 .55em;font-size:.82em;color:#fff}.episode-card .error{color:#a50e0e;font-size:.85em}"""


def _esc(value: Any) -> str:
    return html.escape(str(value))


def episode_ids(run: RunData) -> list[str]:
    """Episodes of the suite in order, then any others that have rows or errors."""
    ids = [s["spec"]["episode_id"] for s in _suite(run)]
    seen = set(ids)
    extra = {str(r.get("episode_id")) for r in run.rows} | set(failed_episodes(run))
    return ids + sorted(e for e in extra if e not in seen)


def failed_episodes(run: RunData) -> dict[str, str]:
    """Episode id -> error, from the summary (``failed_episodes``) and ``results.jsonl``."""
    return {**(run.summary.get("failed_episodes") or {}), **run.episode_errors}


def _suite(run: RunData) -> list[dict[str, Any]]:
    path = run.out_dir / "suite.json"
    if not path.is_file():
        return []
    try:
        return list(json.loads(path.read_text(encoding="utf-8")).get("episodes", []))
    except (json.JSONDecodeError, AttributeError):
        logger.warning("%s is unreadable; episodes are listed from the results only", path)
        return []


def episode_view(folder: Path) -> Any:
    """A :class:`~embodied_mem.viz.source.MemoryView` of a captured episode: the experience
    path (every frame), the memory at the end of each day as snapshots, the last one drawn."""
    from embodied_mem.viz.source import MemorySnapshot, PathPoint, lazy_state, view_from_state

    info = json.loads((folder / EPISODE_JSON).read_text(encoding="utf-8"))
    days = info.get("day_memory") or []
    if not days:
        return None

    def reader(name: str) -> Any:
        def read() -> dict[str, Any]:
            with gzip.open(folder / name, "rt", encoding="utf-8") as fh:
                return json.load(fh)

        return lazy_state(read)

    snaps = [MemorySnapshot(float(d["time"]), 0, reader(d["file"])) for d in days]
    title = f"episode {info['episode_id']} · {info['house']} · memory of {info.get('memory_of')}"
    view = view_from_state(snaps[-1].read(), title=title)
    view.path = [PathPoint(r[2], r[3], r[4], r[5], r[1], r[6]) for r in info["path"]]
    view.path_is_dense = True
    view.snapshots = snaps
    return view


def _topdown(run: RunData, episode: str) -> Path | None:
    return draw_topdown(run.out_dir / MEDIA_DIR / episode)


def draw_topdown(folder: Path) -> Path | None:
    """The top-down PNG of the episode captured in ``folder``, drawn once from the captured
    data (None without it). Workers draw it as their episode ends, so the report, which runs
    serially after the suite, only reads it."""
    data, png = folder / EPISODE_JSON, folder / TOPDOWN_PNG
    if not data.is_file():
        return None
    if png.is_file() and png.stat().st_mtime >= data.stat().st_mtime:
        return png
    from embodied_mem.viz.topdown import save_topdown

    view = episode_view(folder)
    if view is None:
        return None
    return save_topdown(view, png, dpi=80)


def _thumbnail(png: Path, width: int = 900) -> str:
    """A JPEG data URI of ``png`` scaled to ``width`` pixels (keeps the page light); kept next
    to it, so a report of many episodes does not scale every picture again each time."""
    jpg = png.with_name(f"{png.stem}_{width}.jpg")
    if not (jpg.is_file() and jpg.stat().st_mtime >= png.stat().st_mtime):
        from PIL import Image

        img = Image.open(png).convert("RGB")
        img = img.resize((width, max(1, round(img.height * width / img.width))), Image.LANCZOS)
        buf = io.BytesIO()
        img.save(buf, format="JPEG", quality=80)
        jpg.write_bytes(buf.getvalue())
    return "data:image/jpeg;base64," + base64.b64encode(jpg.read_bytes()).decode("ascii")


def _chips(run: RunData, episode: str) -> str:
    from embodied_mem.benchmark.report_charts import colour

    chips = []
    for i, b in enumerate(run.baselines):
        mine = [r for r in run.rows if r.get("episode_id") == episode and r.get("baseline") == b]
        if mine:
            wins = sum(bool(r.get("success")) for r in mine)
            chips.append(
                f"<span class=chip style='background:{colour(i)}' title='{_esc(baseline_label(b))}'>"
                f"{_esc(b)} {wins}/{len(mine)}</span>"
            )
    return "<div class=chips>" + "".join(chips) + "</div>"


def _facts(run: RunData, episode: str, spec: dict[str, Any] | None) -> str:
    info_path = run.out_dir / MEDIA_DIR / episode / EPISODE_JSON
    if info_path.is_file():
        info = json.loads(info_path.read_text(encoding="utf-8"))
        per_day = [
            sum(1 for i in info["interactions"] if i["day"] == d) for d in range(info["days"])
        ]
        split = f" ({' + '.join(map(str, per_day))} by day)" if len(per_day) > 1 else ""
        return (
            f"{_esc(info['house'])} · {info['days']} day(s) · {len(info['interactions'])} "
            f"rearrangements{split} · {info['frames']} frames"
        )
    if spec is not None:
        from embodied_mem.benchmark.episode import EpisodeSpec
        from embodied_mem.benchmark.failure_media import house_text

        s = EpisodeSpec.from_dict(spec)
        return (
            f"{_esc(house_text(s))} · {s.days} day(s) · {sum(s.interactions_per_day)} "
            "rearrangements planned (no captured media)"
        )
    return "<span class=muted>not in suite.json</span>"


def _links(run: RunData, episode: str, png: Path | None) -> str:
    links = []
    if png is not None:
        links.append(f"<a href='{_esc(png.relative_to(run.out_dir).as_posix())}'>top-down</a>")
    folder = run.out_dir / MEDIA_DIR / episode
    if folder.is_dir():
        links.append(f"<a href='{_esc(folder.relative_to(run.out_dir).as_posix())}/'>media</a>")
    for rec in sorted((run.out_dir / "recordings" / episode).glob("*")):
        rel = rec.relative_to(run.out_dir).as_posix()
        links.append(f"<a href='{_esc(rel)}/'>recording ({_esc(rec.name)})</a>")
    for name in ("memory_topdown.png", "memory_graph.html"):
        if (
            links
            and (run.out_dir / "recordings" / episode).is_dir()
            and (run.out_dir / name).is_file()
        ):
            links.append(f"<a href='{name}'>{name}</a>")
    return " · ".join(links)


def episodes_html(run: RunData) -> str:
    """``<section id="episodes">`` with one card per episode."""
    specs = {s["spec"]["episode_id"]: s["spec"] for s in _suite(run)}
    errors = failed_episodes(run)
    cards = []
    for n, episode in enumerate(episode_ids(run)):
        png = _topdown(run, episode)
        picture = ""
        if png is not None and n < MAX_EMBEDDED_PICTURES:
            picture = f"<a href='{_esc(png.relative_to(run.out_dir).as_posix())}'><img src='{_thumbnail(png)}' alt='top-down of {_esc(episode)}'></a>"
        error = f"<p class=error>failed: {_esc(errors[episode])}</p>" if episode in errors else ""
        cards.append(
            f"<div class=episode-card id='episode-{_esc(episode)}'><h3>{_esc(episode)}</h3>"
            f"<div class=note>{_facts(run, episode, specs.get(episode))}</div>"
            f"{_chips(run, episode)}{error}{picture}<div class=note>{_links(run, episode, png)}</div></div>"
        )
    return f"<section id=episodes><div class=episodes>{''.join(cards)}</div></section>"
