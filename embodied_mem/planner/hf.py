"""The ``hf`` planner: a local transformers VLM (Qwen2-VL / Qwen2.5-VL class).

The model sees the instruction, retrieved memory as text (hits of a text search over memory,
the compact long-term summary, recent short-term changes) and the thumbnails of the keyframes
that show the retrieved objects, and answers with the JSON plan of
:mod:`embodied_mem.planner.schema`. Weights load from a local directory or the user's Hugging
Face cache (never downloaded here); a missing model is a clear :class:`MissingModelError`.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import numpy as np

from embodied_mem.memory.query_api import MemoryQueryAPI
from embodied_mem.memory.records import dumps, text
from embodied_mem.memory.results import ObjectHit
from embodied_mem.planner.base import PlanningContext, PlanResult
from embodied_mem.planner.hf_config import HFPlannerConfig
from embodied_mem.planner.memory_text import DATA_RULES, as_record_line, short_term_lines
from embodied_mem.planner.schema import parse_plan
from embodied_mem.planner.tools import MemoryToolbox, PlanResolver, to_jsonable
from embodied_mem.planner.vlm import (
    ChatMessage,
    HFVisionChat,
    decode_thumbnail,
    plan_with_chat,
    resize_max_side,
)
from envs.extras import require_extra

logger = logging.getLogger(__name__)

ENV_HF_MODEL = "EMBODIED_MEM_HF_MODEL"


class MissingModelError(FileNotFoundError):
    """The VLM weights/tokenizer are not on this machine; the message says how to get them."""


def load_vlm(
    model_path: str, *, device: str = "cpu", dtype: str = "float32"
) -> tuple[Any, Any, Any]:
    """(model, tokenizer, image processor) from a local dir or the HF cache, offline.

    Raises:
        MissingModelError: nothing usable at ``model_path`` / in the cache.
    """
    transformers = require_extra("transformers", "hf")
    torch = require_extra("torch", "hf")
    path = model_path or os.environ.get(ENV_HF_MODEL, "")
    if not path:
        raise MissingModelError(
            f"no VLM configured: set planner.hf.model_path (a local directory "
            f"or cached repo id such as Qwen/Qwen2-VL-2B-Instruct) or "
            f"{ENV_HF_MODEL}"
        )
    if ("/" not in path or path.startswith((".", "/", "~"))) and not Path(
        path
    ).expanduser().exists():
        raise MissingModelError(f"VLM directory {path!r} does not exist")
    kwargs = {"local_files_only": True}
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(path, **kwargs)
        image_processor = transformers.AutoImageProcessor.from_pretrained(path, **kwargs)
        model = transformers.AutoModelForImageTextToText.from_pretrained(
            path, dtype=getattr(torch, dtype), **kwargs
        )
    except (OSError, ValueError) as exc:  # tokenizers raise ValueError for missing files
        raise MissingModelError(
            f"cannot load a VLM from {path!r} offline ({exc}); download it first, e.g. "
            f"`huggingface-cli download Qwen/Qwen2-VL-2B-Instruct`, or point model_path at a "
            "directory with config.json, weights, tokenizer and preprocessor_config.json"
        ) from exc
    return model.to(device).eval(), tokenizer, image_processor


def memory_hits(memory: MemoryQueryAPI | None, instruction: str, k: int) -> list[ObjectHit]:
    """The memory's best text matches for the instruction (empty if it cannot search)."""
    search = getattr(memory, "search_text", None)
    if not callable(search) or k == 0:
        return []
    try:
        return list(search(instruction, k=k))
    except (ValueError, KeyError, TypeError) as exc:
        logger.warning("memory text search failed: %s", exc)
        return []


def hit_thumbnails(
    memory: MemoryQueryAPI | None, hits: list[ObjectHit], limit: int
) -> list[tuple[str, np.ndarray]]:
    """(caption, RGB) thumbnails of keyframes showing the hits, best coverage first."""
    lookup = getattr(memory, "keyframes_showing", None)
    out: list[tuple[str, np.ndarray]] = []
    if not callable(lookup):
        return out
    for hit in hits:
        try:
            kfs = lookup(hit.memory_id, limit=1)
        except (KeyError, ValueError) as exc:
            logger.warning("no keyframes for %s: %s", hit.memory_id, exc)
            continue
        for kf in kfs:
            if kf.thumbnail and len(out) < limit:
                caption = {
                    "id": hit.memory_id,
                    "f": kf.frame_index,
                    "t": f"d{kf.day} {kf.time_of_day}",
                    "room": kf.room_id,
                }
                out.append((dumps(caption), decode_thumbnail(kf.thumbnail)))
    return out


class HFPlanner:
    """Planner over a local VLM (see the module docstring).

    Args:
        config: settings (``model_path`` is required unless ``chat`` is given).
        chat: an already built :class:`HFVisionChat` (tests, or sharing one model between
            the ``hf`` and ``frames`` planners).
    """

    name = "hf"
    needs_images = True
    """Keyframe thumbnails are shown with the memory (the run turns them on)."""

    def __init__(
        self, config: HFPlannerConfig | None = None, *, chat: HFVisionChat | None = None
    ) -> None:
        self.config = config or HFPlannerConfig()
        if chat is None:
            model, tok, proc = load_vlm(
                self.config.model_path, device=self.config.device, dtype=self.config.dtype
            )
            chat = HFVisionChat(model, tok, proc, max_new_tokens=self.config.max_new_tokens)
        self.chat = chat

    def build_messages(self, task: PlanningContext, toolbox: MemoryToolbox) -> list[ChatMessage]:
        from embodied_mem.planner.llm import describe_schema_for_prompt

        cfg = self.config
        hits = memory_hits(task.memory, task.instruction, cfg.k_hits)
        hit_json = [to_jsonable(h) for h in hits]
        toolbox.harvest(hit_json)
        parts: list[Any] = []
        summary = getattr(task.memory, "describe", None)
        if callable(summary):
            lines = str(summary(budget_tokens=cfg.summary_tokens)).splitlines()
            records = [as_record_line(ln) for ln in lines if ln.strip()]
            parts.append("## Long-term memory (JSON records)\n" + "\n".join(records))
        if hit_json:
            retrieved = "\n".join(dumps(h) for h in hit_json)
            parts.append("\n## Retrieved memory (JSON)\n" + retrieved)
        stm = short_term_lines(task.memory, task.instruction, cfg.k_short_term, toolbox)
        if stm:
            parts.append("\n## Recent changes (JSON records)\n" + "\n".join(stm))
        shown = [
            (dumps({"f": k.frame_index, "caption": text(k.caption)}), k.image)
            for k in task.keyframes
        ]
        shown += hit_thumbnails(task.memory, hits, cfg.max_images)
        if shown:
            parts.append("\n## Keyframes (JSON caption, then the image)")
        for caption, image in shown[: cfg.max_images]:
            parts += [f"\n{caption}\n", resize_max_side(image, cfg.image_max_side)]
        parts.append(f"\n\n## Instruction\n{task.instruction}")
        system = (
            "You plan for a household robot from its memory.\n"
            + DATA_RULES
            + "\nReply with ONLY a JSON plan. Subgoal types:\n"
            + describe_schema_for_prompt()
        )
        return [ChatMessage("system", [system]), ChatMessage("user", parts)]

    def plan(self, task: PlanningContext) -> PlanResult:
        toolbox = MemoryToolbox(task.memory)
        frames = {k.frame_index: k.agent for k in task.keyframes if k.agent is not None}
        resolver = PlanResolver(toolbox, frames, task.instruction)
        messages = self.build_messages(task, toolbox)
        n_images = sum(len(m.images) for m in messages)
        return plan_with_chat(
            self.chat,
            messages,
            lambda text: parse_plan(text, resolver),
            self.config.max_retries,
            {"images": n_images},
        )
