"""Vision-language chat for the ``hf`` and ``frames`` planners, over a local model or an endpoint.

A :class:`ChatMessage` holds interleaved text and images; :class:`HFVisionChat` runs a local
transformers VLM (Qwen2-VL class), :class:`EndpointVisionChat` sends the same messages to an
OpenAI-compatible endpoint with images as base64 data URLs (through the same retrying, strictly
validated :class:`~embodied_mem.planner.endpoint.ChatEndpoint` as the ``llm`` planner).
:func:`plan_with_chat` runs the shared re-ask loop of :mod:`embodied_mem.planner.attempts`.
"""

from __future__ import annotations

import base64
import io
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from embodied_mem.planner.attempts import Answer, answer_of, call_record, plan_with_reasks
from embodied_mem.planner.base import PlannerCall, PlanResult
from embodied_mem.planner.endpoint import ChatEndpoint
from embodied_mem.planner.schema import ParsedPlan

logger = logging.getLogger(__name__)

Part = str | np.ndarray
"""A text span, or an (H, W, 3) uint8 RGB image."""


@dataclass
class ChatMessage:
    role: str
    parts: list[Part] = field(default_factory=list)

    @property
    def images(self) -> list[np.ndarray]:
        return [p for p in self.parts if isinstance(p, np.ndarray)]


class VisionChat(Protocol):
    """One model call over interleaved text/image messages."""

    backend: str

    def complete(self, messages: Sequence[ChatMessage]) -> tuple[Answer, PlannerCall]: ...


def resize_max_side(image: np.ndarray, max_side: int) -> np.ndarray:
    """Downscale (keeping aspect) so the longer side is at most ``max_side`` pixels."""
    from PIL import Image

    h, w = image.shape[:2]
    scale = max_side / max(h, w)
    if scale >= 1.0:
        return image
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.asarray(Image.fromarray(image).resize(size, Image.BILINEAR))


def decode_thumbnail(data: bytes) -> np.ndarray:
    """JPEG/PNG bytes (e.g. episodic keyframe thumbnails) → (H, W, 3) uint8 RGB."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        return np.asarray(img.convert("RGB"))


def data_url(image: np.ndarray, quality: int = 85) -> str:
    """An RGB image as a ``data:image/jpeg;base64,...`` URL (OpenAI vision message format)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="JPEG", quality=quality)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


class HFVisionChat:
    """A local transformers VLM: chat template + image-token expansion + greedy ``generate``.

    The image tokens are expanded here (one ``<|image_pad|>`` per merged patch, as
    Qwen2-VL's processor does) so that only the tokenizer and the PIL image processor are
    needed; the full ``AutoProcessor`` would also require torchvision for video.
    """

    backend = "hf"

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        image_processor: Any,
        *,
        max_new_tokens: int = 256,
        image_token: str = "<|image_pad|>",
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.image_processor = image_processor
        self.max_new_tokens = max_new_tokens
        self.image_token = image_token
        if tokenizer.convert_tokens_to_ids(image_token) in (None, tokenizer.unk_token_id):
            raise ValueError(
                f"the tokenizer has no {image_token!r} token; is this a Qwen2-VL class model?"
            )
        if not getattr(tokenizer, "chat_template", None):
            raise ValueError(
                "the tokenizer has no chat template; save one with the model "
                "(chat_template.jinja) or set tokenizer.chat_template"
            )

    def build_inputs(self, messages: Sequence[ChatMessage]) -> dict[str, Any]:
        """Token ids, attention mask, pixel values and image grids for ``messages``."""
        chat = [
            {
                "role": m.role,
                "content": [
                    {"type": "image"} if isinstance(p, np.ndarray) else {"type": "text", "text": p}
                    for p in m.parts
                ],
            }
            for m in messages
        ]
        text = self.tokenizer.apply_chat_template(chat, add_generation_prompt=True, tokenize=False)
        images = [img for m in messages for img in m.images]
        inputs: dict[str, Any] = {}
        if images:
            vision = self.image_processor(images=images, return_tensors="pt")
            merge = int(getattr(self.image_processor, "merge_size", 2))
            pieces = text.split(self.image_token)
            if len(pieces) - 1 != len(images):
                raise ValueError(
                    f"chat template produced {len(pieces) - 1} image slots for {len(images)} images"
                )
            counts = [int(g.prod()) // merge**2 for g in vision["image_grid_thw"]]
            text = pieces[0] + "".join(
                self.image_token * n + rest for n, rest in zip(counts, pieces[1:], strict=True)
            )
            inputs.update(vision)
        inputs.update(self.tokenizer(text, return_tensors="pt"))
        if images:
            # Modality ids (0 text, 1 image) drive Qwen2-VL's multimodal rotary positions.
            image_id = self.tokenizer.convert_tokens_to_ids(self.image_token)
            inputs["mm_token_type_ids"] = (inputs["input_ids"] == image_id).long()
        return inputs

    def complete(self, messages: Sequence[ChatMessage]) -> tuple[Answer, PlannerCall]:
        import torch

        inputs = self.build_inputs(messages)
        n_prompt = int(inputs["input_ids"].shape[1])
        t0 = time.perf_counter()
        with torch.inference_mode():
            out = self.model.generate(**inputs, max_new_tokens=self.max_new_tokens, do_sample=False)
        new = out[0, n_prompt:]
        text = self.tokenizer.decode(new, skip_special_tokens=True)
        call = PlannerCall(
            "hf",
            prompt_tokens=n_prompt,
            completion_tokens=int(new.shape[0]),
            latency_s=time.perf_counter() - t0,
            raw_text=text,
        )
        cut = int(new.shape[0]) >= self.max_new_tokens
        hint = f"the reply was cut off at {self.max_new_tokens} tokens; give a shorter plan"
        return Answer(text, hint if cut else ""), call


class EndpointVisionChat:
    """The same messages over an OpenAI-compatible chat endpoint (images as data URLs).

    Args:
        endpoint: a :class:`ChatEndpoint`, or an ``openai.OpenAI``-like client (wrapped with
            the default retries).
    """

    backend = "llm"

    def __init__(
        self,
        endpoint: ChatEndpoint | Any,
        model: str,
        *,
        max_tokens: int = 256,
        timeout_s: float = 60.0,
        temperature: float = 0.0,
        seed: int = 0,
    ) -> None:
        self.endpoint = endpoint if isinstance(endpoint, ChatEndpoint) else ChatEndpoint(endpoint)
        self.model = model
        self.max_tokens = max_tokens
        self.timeout_s = timeout_s
        self.temperature = temperature
        self.seed = seed

    @staticmethod
    def to_openai(messages: Sequence[ChatMessage]) -> list[dict[str, Any]]:
        out = []
        for m in messages:
            if not m.images:  # plain string content: accepted by every server
                out.append({"role": m.role, "content": "".join(str(p) for p in m.parts)})
                continue
            out.append(
                {
                    "role": m.role,
                    "content": [
                        {"type": "image_url", "image_url": {"url": data_url(p)}}
                        if isinstance(p, np.ndarray)
                        else {"type": "text", "text": p}
                        for p in m.parts
                    ],
                }
            )
        return out

    def complete(self, messages: Sequence[ChatMessage]) -> tuple[Answer, PlannerCall]:
        reply = self.endpoint.complete(
            model=self.model,
            messages=self.to_openai(messages),
            max_tokens=self.max_tokens,
            temperature=self.temperature,
            seed=self.seed,
            timeout=self.timeout_s,
        )
        return answer_of(reply, self.max_tokens), call_record("llm", reply)


def plan_with_chat(
    chat: VisionChat,
    messages: list[ChatMessage],
    parse: Callable[[str], ParsedPlan],
    max_retries: int,
    details: dict[str, Any] | None = None,
) -> PlanResult:
    """Ask ``chat``, parse, re-ask with the validation error (see :mod:`.attempts`)."""
    calls: list[PlannerCall] = []
    convo = list(messages)

    def ask(attempt: int) -> Answer:
        answer, call = chat.complete(convo)
        call.attempt = attempt
        calls.append(call)
        return answer

    def reask(text: str, error: str) -> None:
        convo.append(ChatMessage("assistant", [text]))
        convo.append(
            ChatMessage(
                "user", [f"That reply is not a valid plan: {error}. Reply with only the JSON plan."]
            )
        )

    return plan_with_reasks(
        ask,
        reask,
        parse,
        max_retries=max_retries,
        calls=calls,
        backend=chat.backend,
        details=details,
    )
