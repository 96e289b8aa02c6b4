"""Sanitising text that comes from the world: labels, categories, attribute values, room names.

World text is data that ends up in planner prompts, so it enters memory without control or
format characters (newlines, tabs, escape sequences, bidi overrides, zero-width characters)
and with a bounded length. Escaping it inside prompts is the prompt builder's job; this keeps
what memory stores one clean line of bounded size.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from envs.ground_truth import RoomRecord
from envs.validation import check_text_id

MAX_LABEL_CHARS = 64
"""Longest category, attribute value or room name kept (longer text is cut at a word end)."""

# Unicode categories replaced by a space: control, format, surrogate, private use, unassigned,
# line and paragraph separators. (Non-ASCII spaces, Zs, are folded into ASCII spaces too.)
_REPLACED = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"})


@lru_cache(maxsize=4096)
def clean_label(text: str, max_chars: int = MAX_LABEL_CHARS) -> str:
    """One printable line of at most ``max_chars`` characters; may be empty.

    Turns control/format/separator characters into spaces, collapses runs of whitespace,
    strips, and truncates (at the last space when there is one in the second half).
    Clean text comes back unchanged, so applying it twice is a no-op.

    Raises:
        TypeError: ``text`` is not a string.
    """
    if not isinstance(text, str):
        raise TypeError(f"a label must be a string, got {type(text).__name__}")
    if text.isprintable() and len(text) <= max_chars and text == text.strip() and "  " not in text:
        return text  # the common case: already clean
    spaced = "".join(" " if unicodedata.category(c) in _REPLACED else c for c in text)
    out = " ".join(spaced.split())
    if len(out) > max_chars:
        cut = out[:max_chars]
        space = cut.rfind(" ")
        out = (cut[:space] if space >= max_chars // 2 else cut).rstrip()
    return out


def clean_attributes(attributes: dict[str, str]) -> dict[str, str]:
    """``attributes`` with every key and value passed through :func:`clean_label`.

    Raises:
        TypeError: a key or value is not a string.
    """
    return {clean_label(k): clean_label(v) for k, v in attributes.items()}


def clean_rooms(rooms: Iterable[RoomRecord]) -> list[RoomRecord]:
    """Room records with sanitised type and display name (copies only where something changed).

    Raises:
        ValueError: a room id is not a printable id (ids are keys frames refer to, so they are
            checked, not rewritten), or a room's type or name is empty after sanitising.
    """
    out = []
    for room in rooms:
        check_text_id(room.id, "room id")
        room_type, name = clean_label(room.room_type), clean_label(room.name)
        if not room_type or not name:
            raise ValueError(
                f"room {room.id!r}: type {room.room_type!r:.40} and name {room.name!r:.40} must "
                "be non-empty text; fix the environment's room annotations"
            )
        if (room_type, name) != (room.room_type, room.name):
            room = dataclasses.replace(room, room_type=room_type, name=name)
        out.append(room)
    return out
