"""What the agent knows of an interaction its body performed: the kind and where it showed.

A policy the agent runs reports the pixel it acted at (``details["acted_at"]``); in the
benchmark's experience phase, where the evaluator's oracle drives the body, the evaluator hands
the same thing as an :class:`ObservedInteraction`. Neither carries world coordinates or env ids:
the agent turns the pixel into a point with its own depth and its own (possibly drifted) pose
of that frame (:meth:`embodied_mem.agent.loop.MemoryAgent.record_observed_interaction`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from envs.types import CameraIntrinsics, Observation

if TYPE_CHECKING:
    from embodied_mem.memory.memory import AgentMemory

logger = logging.getLogger(__name__)

HAND_REACH = 0.5
"""Metres in front of the camera the hand is taken to act when nothing shows where it acted."""


@dataclass(frozen=True)
class ObservedInteraction:
    """A successful pick/place/open/close, as the agent itself can know it.

    ``pixel`` is ``(u, v)`` in frame ``frame_index`` where the acted-on thing showed (the
    object in the frame before a pick; after a place, the object or else the top of the
    receptacle it went on; the container before an open or close); None when it showed in
    neither frame around the action.
    """

    kind: str
    frame_index: int
    pixel: tuple[int, int] | None

    def __post_init__(self) -> None:
        if self.kind not in ("pick", "place", "open", "close"):
            raise ValueError(f"interaction kind must be pick/place/open/close, got {self.kind!r}")


def hand_point(obs: Observation) -> tuple[float, float, float]:
    """The point :data:`HAND_REACH` in front of the camera of ``obs`` (give it the agent's own
    pose estimate): where the hand acts when the agent faces what it acts on."""
    pose = np.asarray(obs.cam_to_world, dtype=float)
    p = pose[:3, 3] + HAND_REACH * pose[:3, 2]  # optical z is forward
    return float(p[0]), float(p[1]), float(p[2])


def own_point(
    memory: AgentMemory, frame_index: int, pixel: tuple[int, int]
) -> tuple[float, float, float] | None:
    """The world point at ``pixel`` (u, v) of frame ``frame_index`` by the agent's own depth and
    pose of that frame (:meth:`AgentMemory.point_at`); None if memory no longer holds the frame
    or has no depth there."""
    p = memory.point_at(frame_index, *pixel)
    return None if p is None else (float(p[0]), float(p[1]), float(p[2]))


def observed_point(
    memory: AgentMemory, seen: ObservedInteraction, intrinsics: CameraIntrinsics
) -> tuple[float, float, float] | None:
    """Where ``seen`` happened in the agent's own frame of reference: the back-projection of its
    pixel, else of the image centre of that frame (``intrinsics``: its camera).

    Memory needs a point to say what was picked and where it went; when the thing showed
    nowhere (or there is no depth at its pixel) the best guess the agent has is what it faced:
    the body acts on what the camera is aimed at. None when memory has neither.
    """
    centre = (intrinsics.width // 2, intrinsics.height // 2)
    for pixel in [px for px in (seen.pixel, centre) if px is not None]:
        point = own_point(memory, seen.frame_index, pixel)
        if point is not None:
            return point
        logger.debug("%s: no depth at %s of frame %d", seen.kind, pixel, seen.frame_index)
    return None
