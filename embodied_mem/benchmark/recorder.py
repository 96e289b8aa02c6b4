"""An env wrapper that shows every frame to the agent under test and logs what the oracle did.

Policies step the wrapper like any env. Each successful Pick/Place/Open/Close becomes an
:class:`InteractionEvent` (kind, time, frame index, the 3D point acted at) passed with its frame
to ``on_observation(obs, event)``; other frames come with ``None``. Room visits are tracked from
``obs.room_id`` (frames outside every room, e.g. in a doorway, keep the previous room). While
``hidden`` is set (overnight changes) nothing reaches the callback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from embodied_mem.benchmark.episode import RoomVisit
from envs.actions import Action, Close, Open, Pick, Place
from envs.base import Env
from envs.ground_truth import GroundTruth
from envs.types import Observation
from envs.wrappers import Wrapper

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class InteractionEvent:
    """One thing the agent itself did (a successful pick, place, open or close).

    ``point`` is the world (3,) point it acted at (the object's centre when picked or just placed,
    the container's centre when opened or closed). ``oracle_target_id`` is the env's id of the
    thing acted on: only oracle-labelled memory code may read it.
    """

    kind: str
    seconds: float
    day: int
    time_of_day: str
    frame_index: int
    point: tuple[float, float, float]
    oracle_target_id: str


ObservationCallback = Callable[[Observation, InteractionEvent | None], None]

_KINDS: dict[type, str] = {Pick: "pick", Place: "place", Open: "open", Close: "close"}


class RecordingEnv(Wrapper):
    """Wraps ``env``: reports frames and events, tracks room visits, forwards the rest."""

    def __init__(self, env: Env, on_observation: ObservationCallback | None) -> None:
        super().__init__(env)
        self.on_observation = on_observation
        self.hidden = False
        self.events: list[InteractionEvent] = []
        self.visits: list[RoomVisit] = []
        self._room: tuple[str, float, str, int] | None = None  # room, enter s, enter HH:MM, day
        self.last: Observation | None = None

    # --- what the wrapper changes -----------------------------------------------------
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Observation, dict[str, Any]]:
        obs, info = self.env.reset(seed=seed, options=options)
        self.show(obs, None)
        return obs, info

    def step(self, action: Action) -> tuple[Observation, float, bool, bool, dict[str, Any]]:
        kind = _KINDS.get(type(action))
        before = self.env.ground_truth() if kind in ("pick",) else None
        obs, reward, term, trunc, info = self.env.step(action)
        event = None
        result = info.get("result")
        if kind is not None and result is not None and result.success:
            event = self._event(kind, action, obs, before)
        self.show(obs, event)
        return obs, reward, term, trunc, info

    def close(self) -> None:
        """The wrapped env belongs to the caller; closing the wrapper leaves it open."""

    # --- recording -----------------------------------------------------------------------
    def _event(
        self, kind: str, action: Action, obs: Observation, before: GroundTruth | None
    ) -> InteractionEvent:
        if isinstance(action, Pick):
            target = action.object_id
            gt = before if before is not None else self.env.ground_truth()
        elif isinstance(action, Place):
            target = obs.held_object or self._last_picked()
            gt = self.env.ground_truth()
        else:
            target = action.target_id  # type: ignore[union-attr]
            gt = self.env.ground_truth()
        centre = (
            gt.objects[target].center if target in gt.objects else np.asarray(obs.agent.position)
        )
        event = InteractionEvent(
            kind,
            float(obs.time.seconds),
            obs.time.day,
            obs.time.time_of_day,
            obs.frame_index,
            tuple(float(v) for v in centre),
            target,
        )  # type: ignore[arg-type]
        self.events.append(event)
        return event

    def _last_picked(self) -> str:
        picks = [e for e in self.events if e.kind == "pick"]
        return picks[-1].oracle_target_id if picks else ""

    def show(self, obs: Observation, event: InteractionEvent | None) -> None:
        """Pass a frame to the agent under test and update the room visits."""
        self.last = obs
        if self.hidden:
            return
        self._track_room(obs)
        if self.on_observation is not None:
            self.on_observation(obs, event)

    def _track_room(self, obs: Observation) -> None:
        room = obs.room_id
        if room is None:
            return
        if self._room is not None and self._room[0] == room and self._room[3] == obs.time.day:
            return
        self.end_visit(obs.time.seconds, obs.time.time_of_day)
        self._room = (room, float(obs.time.seconds), obs.time.time_of_day, obs.time.day)

    def end_visit(self, seconds: float, time_of_day: str) -> None:
        """Close the open room visit at the given time (room change or end of day)."""
        if self._room is None:
            return
        room, s0, t0, day = self._room
        self.visits.append(RoomVisit(day, room, s0, float(seconds), t0, time_of_day))
        self._room = None

    @property
    def current_room(self) -> str | None:
        return self._room[0] if self._room is not None else None
