"""An env wrapper that shows every frame to the agent under test and logs what the oracle did.

Policies step the wrapper like any env. Each successful Pick/Place/Open/Close becomes an
:class:`InteractionEvent` (kind, time, frame index, the ground-truth point acted at, the env's id)
kept in ``events`` for evaluation only. What reaches the agent under test with the frame,
``on_observation(obs, seen)``, is an :class:`~embodied_mem.agent.interactions.ObservedInteraction`:
the kind and the pixel where the acted-on thing showed, found with the simulator's "what is at
this pixel" interface as the agent's own policies find it (:func:`policies.manipulation.pixel_of`)
— no world point, no id; the agent back-projects the pixel with its own depth and pose. Other
frames come with ``None``. A place whose frame does not show the placed object (put inside a
container) is noticed with the first later frame that shows it; if an interaction comes first
(or :meth:`RecordingEnv.settle`), the receptacle's top as the place frame showed it is handed to
``on_interaction`` instead. Room visits are tracked from ``obs.room_id`` (frames outside every
room, e.g. in a doorway, keep the previous room). While ``hidden`` is set (overnight changes)
nothing reaches the callback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from embodied_mem.agent.interactions import ObservedInteraction
from embodied_mem.benchmark.episode import RoomVisit
from envs.actions import Action, Close, Open, Pick, Place
from envs.base import Env
from envs.ground_truth import GroundTruth
from envs.types import Observation
from envs.wrappers import Wrapper
from policies.manipulation import pixel_of

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class InteractionEvent:
    """One thing the agent itself did (a successful pick, place, open or close).

    ``point`` is the world (3,) point it acted at (the object's centre when picked or just placed,
    the container's centre when opened or closed). ``point`` and ``oracle_target_id`` (the env's
    id of the thing acted on) are ground truth, for evaluation only: the agent under test gets
    an :class:`~embodied_mem.agent.interactions.ObservedInteraction` instead.
    """

    kind: str
    seconds: float
    day: int
    time_of_day: str
    frame_index: int
    point: tuple[float, float, float]
    oracle_target_id: str


ObservationCallback = Callable[[Observation, ObservedInteraction | None], None]
InteractionCallback = Callable[[ObservedInteraction, Observation], None]
"""A notice that comes without a new frame (a deferred place given up on; see
:class:`RecordingEnv`), with the last frame shown."""

PixelFinder = Callable[[Observation, str], tuple[int, int] | None]
"""Where an env id shows in a frame (the simulator's "what is at this pixel", read backwards)."""

_KINDS: dict[type, str] = {Pick: "pick", Place: "place", Open: "open", Close: "close"}


class RecordingEnv(Wrapper):
    """Wraps ``env``: reports frames and events, tracks room visits, forwards the rest."""

    def __init__(
        self,
        env: Env,
        on_observation: ObservationCallback | None,
        on_interaction: InteractionCallback | None = None,
    ) -> None:
        super().__init__(env)
        self.on_observation = on_observation
        self.on_interaction = on_interaction
        self._pending: _PendingPlace | None = None
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
        if kind is not None:
            self.settle()  # the next interaction: a place still unseen gets its fallback
        before = self.env.ground_truth() if kind in ("pick",) else None
        last = self.last
        obs, reward, term, trunc, info = self.env.step(action)
        seen = None
        result = info.get("result")
        if kind is not None and result is not None and result.success:
            self._event(kind, action, obs, before)
            seen = observed(kind, action, last, obs)
            held = last.held_object if last is not None else None
            if (
                isinstance(action, Place)
                and held
                and not self.hidden
                and pixel_of(obs, held) is None
            ):
                # Put where the frame does not show it (inside a container, behind its rim):
                # the notice waits for a frame that does (the oracle looks, as the agent's own
                # place policy glances); the receptacle's top is the fallback if none does.
                self._pending = _PendingPlace(held, seen)
                seen = None
        elif self._pending is not None:
            seen = self._place_seen_now(obs)
        self.show(obs, seen)
        return obs, reward, term, trunc, info

    def _place_seen_now(self, obs: Observation) -> ObservedInteraction | None:
        """The pending place's notice if ``obs`` shows the placed object (then it is settled)."""
        pending = self._pending
        assert pending is not None
        pixel = pixel_of(obs, pending.object_id)
        if pixel is None:
            return None
        self._pending = None
        return ObservedInteraction("place", int(obs.frame_index), pixel)

    def settle(self) -> None:
        """A place no frame has shown yet is given up on (the oracle's look after it ended, or
        another interaction comes): its fallback notice goes to ``on_interaction``."""
        pending, self._pending = self._pending, None
        if pending is None or self.hidden or self.last is None:
            return
        if self.on_interaction is not None:
            self.on_interaction(pending.fallback, self.last)

    @property
    def place_pending(self) -> bool:
        """A place happened that no frame since has shown."""
        return self._pending is not None

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

    def show(self, obs: Observation, seen: ObservedInteraction | None) -> None:
        """Pass a frame to the agent under test and update the room visits."""
        self.last = obs
        if self.hidden:
            return
        self._track_room(obs)
        if self.on_observation is not None:
            self.on_observation(obs, seen)

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


@dataclass(frozen=True)
class _PendingPlace:
    """A place whose object did not show in the frame after it."""

    object_id: str
    fallback: ObservedInteraction


def observed(
    kind: str, action: Action, before: Observation | None, after: Observation
) -> ObservedInteraction:
    """What the agent under test may know of a successful ``action``: where the acted-on thing
    showed in the frames around it (the pick's object before it was lifted; the placed object
    after it landed, else the top of the receptacle it went on; the container before an open
    or close, else after). With no pixel, the frame it acted from (before a pick, open or
    close; after a place)."""
    before = before if before is not None else after
    looks: list[tuple[Observation, str, PixelFinder]]
    if isinstance(action, Pick):
        looks = [(before, action.object_id, pixel_of), (after, action.object_id, pixel_of)]
    elif isinstance(action, Place):
        # The env chooses the spot; when the object does not show there (behind the rim, above
        # the view), the receptacle's top as seen is where things put on it rest.
        held = before.held_object or ""
        looks = [(after, held, pixel_of), (after, action.receptacle_id, top_pixel_of)]
    else:
        container = action.target_id  # type: ignore[union-attr]
        looks = [(before, container, pixel_of), (after, container, pixel_of)]
    for frame, eid, find in looks:
        pixel = find(frame, eid) if eid else None
        if pixel is not None:
            return ObservedInteraction(kind, int(frame.frame_index), pixel)
    return ObservedInteraction(kind, int(looks[0][0].frame_index), None)


def top_pixel_of(obs: Observation, eid: str) -> tuple[int, int] | None:
    """The top of ``eid`` as ``obs`` shows it: in the image column of :func:`pixel_of`, its
    highest mask pixel with a valid depth; None when it does not show."""
    centre = pixel_of(obs, eid)
    if centre is None or obs.instance_ids is None:
        return None
    u = centre[0]
    ids = [k for k, name in obs.instance_names.items() if name == eid]
    column = np.isin(obs.instance_ids[:, u], ids) & np.isfinite(obs.depth[:, u])
    rows = np.nonzero(column & (obs.depth[:, u] > 0))[0]
    return u, int(rows.min())
