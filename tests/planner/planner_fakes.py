"""Test doubles for planner tests: a scripted OpenAI-style client and a small memory."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any


def reply(
    content: str | None = None,
    tool_calls: list[tuple[str, dict[str, Any]]] | None = None,
    prompt_tokens: int = 100,
    completion_tokens: int = 10,
) -> Any:
    """A chat completion as the openai client returns it (a validated ``ChatCompletion``)."""
    from openai.types.chat import ChatCompletion

    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = [
            {
                "id": f"call_{i}",
                "type": "function",
                "function": {"name": n, "arguments": json.dumps(a)},
            }
            for i, (n, a) in enumerate(tool_calls)
        ]
    return ChatCompletion.model_validate(
        {
            "id": "chatcmpl-scripted",
            "object": "chat.completion",
            "created": 0,
            "model": "m",
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": "tool_calls" if tool_calls else "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
    )


class ScriptedClient:
    """``client.chat.completions.create`` returning scripted replies (or raising exceptions)."""

    def __init__(self, script: list[Any]) -> None:
        self.script = list(script)
        self.requests: list[dict[str, Any]] = []
        self.chat = SimpleNamespace(completions=SimpleNamespace(create=self._create))

    def _create(self, **kwargs: Any) -> Any:
        self.requests.append(json.loads(json.dumps(kwargs, default=str)))
        if not self.script:
            raise AssertionError("the planner made more requests than scripted")
        item = self.script.pop(0)
        if isinstance(item, BaseException):
            raise item
        return item


@dataclass(frozen=True)
class FakeState:
    memory_id: str
    category: str
    position: tuple[float, float, float]
    room_id: str = "kitchen"
    layer: str = "object"


@dataclass(frozen=True)
class FakeHit:
    obj: FakeState
    score: float = 1.0

    @property
    def position(self) -> tuple[float, float, float]:
        return self.obj.position

    @property
    def memory_id(self) -> str:
        return self.obj.memory_id


@dataclass(frozen=True)
class FakeRoom:
    room_id: str
    name: str
    anchor: tuple[float, float]


@dataclass
class FakeMemory:
    """The subset of ``MemoryQuery`` these tests need, with the same signatures."""

    today: int = 1
    objs: list[FakeState] = field(
        default_factory=lambda: [
            FakeState("obj_1", "Mug", (1.0, 2.0, 0.9)),
            FakeState("obj_2", "Apple", (4.0, 1.0, 0.8), "living"),
            FakeState("rec_1", "CounterTop", (1.2, 2.1, 0.5), layer="receptacle"),
        ]
    )
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def objects(
        self,
        *,
        category: str | None = None,
        layer: str | None = "object",
        interacted: bool | None = None,
        day: int | None = None,
        limit: int | None = None,
        **filters: Any,
    ) -> list[FakeHit]:
        """Filters other than these (attributes, room, ...) are recorded and ignored."""
        self.calls.append(("objects", {"category": category, "day": day, **filters}))
        hits = [
            FakeHit(o)
            for o in self.objs
            if (category is None or o.category == category) and (layer is None or o.layer == layer)
        ]
        return hits[:limit]

    def search_text(self, text: str, *, k: int = 5, layer: str | None = None) -> list[FakeHit]:
        self.calls.append(("search_text", {"text": text, "k": k}))
        words = set(re.findall(r"\w+", text.lower()))
        return [FakeHit(o) for o in self.objs if o.category.lower() in words][:k]

    def keyframes_showing(
        self, memory_id: str, *, day: int | None = None, limit: int = 5
    ) -> list[SimpleNamespace]:
        """One keyframe per object with a real JPEG thumbnail whose colour encodes the id."""
        import io

        from PIL import Image

        shade = 40 * (1 + [o.memory_id for o in self.objs].index(memory_id))
        buf = io.BytesIO()
        Image.new("RGB", (64, 48), (shade, 255 - shade, 128)).save(buf, format="JPEG")
        return [
            SimpleNamespace(
                frame_index=10 + shade,
                day=0,
                time_of_day="10:15",
                room_id="kitchen",
                thumbnail=buf.getvalue(),
            )
        ][:limit]

    def get(self, memory_id: str) -> FakeHit:
        for o in self.objs:
            if o.memory_id == memory_id:
                return FakeHit(o)
        raise KeyError(f"memory object {memory_id!r} is unknown")

    def rooms(self) -> list[FakeRoom]:
        return [
            FakeRoom("kitchen", "kitchen", (1.0, 1.0)),
            FakeRoom("living", "living room", (5.0, 1.0)),
        ]

    def describe(self, *, budget_tokens: int = 400) -> str:
        """JSON records, one per line, like ``MemoryQuery.describe``."""
        return "\n".join(
            json.dumps({"k": "obj", "id": o.memory_id, "cat": o.category, "room": o.room_id})
            for o in self.objs
        )

    def recent_changes(self, limit: int = 10) -> list[dict[str, Any]]:
        return [
            {
                "object_id": "obj_2",
                "category": "Apple",
                "kind": "moved",
                "position": (4.0, 1.0, 0.8),
            }
        ][:limit]


def table_records(text: str, kind: str) -> list[dict]:
    """The records of table ``kind`` in a prompt (a header line, then one JSON array each)."""
    out, cols = [], None
    for line in text.splitlines():
        value = json.loads(line) if line.startswith(("{", "[")) else None
        if isinstance(value, dict):
            cols = value["cols"] if value.get("table") == kind else None
        elif isinstance(value, list) and cols is not None:
            out.append(dict(zip(cols, value, strict=False)))
        else:
            cols = None
    return out
