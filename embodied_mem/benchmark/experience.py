"""Phase 1: the scripted ORACLE agent rearranges objects while the agent under test watches.

For every experience day the oracle picks K (object, goal receptacle) pairs from ground truth
with the episode's seeded rng, spreads them over the 06:00-22:00 clock, and executes each with
the low-level policies (:mod:`policies.executor`: navigate, open the container if closed, pick,
close it, place with opening/closing). If a policy fails, the oracle walks to one of the env's
own viewpoints from which the target shows and acts from there. Every frame reaches
``on_observation(obs, seen)`` through :class:`RecordingEnv` (``seen``: what the agent under
test may know of an interaction, its kind and pixel); the ground truth is returned as an
:class:`ExperienceRecord`. Between days (and after the last one) ``overnight_changes`` objects
are moved while the agent is away (frames hidden; changes recorded).

Every completed pick is followed by a place, and every pick-and-place the agent under test
saw is in the record: when the goal refuses the object, the oracle puts it on another
receptacle (or back) and the record says where it went. Containers opened in attempts that
moved nothing are recorded too.

The clock jumps (``env.set_clock``) put idle time between interactions, keeping enough steps
for the rest of the day's interactions plus one reserve (the longest slot so far); a slot that
could not finish before 22:00 is not started (``slots_given_up`` in the record). The suite
plans ``steps_per_day`` from the interactions (``SuiteConfig.steps_per_interaction``); a day
that still runs past 22:00 raises :class:`ExperienceError`.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from embodied_mem.benchmark.episode import EpisodeSpec, ExperienceRecord, InteractionRecord
from embodied_mem.benchmark.oracle_actions import OracleActor, OracleError
from embodied_mem.benchmark.recorder import (
    InteractionCallback,
    ObservationCallback,
    RecordingEnv,
)
from envs.base import Env
from envs.capabilities import SupportsClock, capability
from envs.ground_truth import GroundTruth, ObjectRecord
from envs.timeutil import DAY_END, DAY_START, format_hhmm, parse_hhmm

logger = logging.getLogger(__name__)


class ExperienceError(RuntimeError):
    """The experience phase could not be run as specified (the message says what to change)."""


@dataclass
class ExperienceConfig:
    """How the oracle spends a day."""

    day_start: str = DAY_START
    """First time of a day (FindingDory: 06:00)."""
    day_end: str = DAY_END
    """Last time of a day (FindingDory: 22:00)."""
    subgoal_budget: int = 250
    """Most low-level actions per policy subgoal."""
    attempts_per_interaction: int = 4
    """Candidate (object, receptacle) pairs tried before an interaction slot is given up."""
    container_bias: float = 0.35
    """Probability of preferring a pair that involves an openable container."""
    prefer_viewpoints: bool = True
    """Act first from the env's own viewpoint of a target (walked to with the navigation policy),
    then fall back to the manipulation policy; False tries the manipulation policy first."""
    estimated_steps: int = 120
    """Steps one interaction takes before any was measured (for spreading idle time)."""

    def __post_init__(self) -> None:
        if parse_hhmm(self.day_end) <= parse_hhmm(self.day_start):
            raise ValueError(f"day_end {self.day_end} must be after day_start {self.day_start}")
        if self.subgoal_budget < 1 or self.attempts_per_interaction < 1 or self.estimated_steps < 1:
            raise ValueError(
                "subgoal_budget, attempts_per_interaction and estimated_steps must be >= 1"
            )
        if not 0.0 <= self.container_bias <= 1.0:
            raise ValueError(f"container_bias must be in [0, 1], got {self.container_bias}")


def box_fits(obj: ObjectRecord, rec: ObjectRecord) -> bool:
    """Whether ``obj``'s box fits ``rec``'s footprint (and height, for containers).

    A coarse test on ground-truth boxes (the env still decides whether a free spot is left):
    it keeps the oracle from trying places that cannot work, each of which would cost a day's
    steps on fallbacks and end with the object put back somewhere else.
    """
    osz = np.subtract(obj.bbox_max, obj.bbox_min)
    rsz = np.subtract(rec.bbox_max, rec.bbox_min)
    flat = bool(np.all(np.sort(osz[:2]) <= 0.9 * np.sort(rsz[:2])))
    return flat and (not rec.openable or float(osz[2]) <= 0.8 * float(rsz[2]))


def candidate_pairs(gt: GroundTruth, recent: set[str]) -> list[tuple[str, str]]:
    """Valid (object id, goal receptacle id) pairs: pickupable, not held, goal != current place,
    and the object fits the goal (:func:`box_fits`)."""
    recs = sorted(gt.receptacles(), key=lambda r: r.id)
    pairs = []
    for o in sorted(gt.pickupables(), key=lambda o: o.id):
        if o.is_held or o.parent_receptacle is None or o.id in recent:
            continue
        pairs.extend((o.id, r.id) for r in recs if r.id != o.parent_receptacle and box_fits(o, r))
    return pairs


class OracleExperience:
    """Runs phase 1 of one episode in ``env`` (labelled ``oracle`` in every record)."""

    def __init__(
        self,
        env: Env,
        spec: EpisodeSpec,
        on_observation: ObservationCallback | None = None,
        config: ExperienceConfig | None = None,
        on_interaction: InteractionCallback | None = None,
    ) -> None:
        self.spec = spec
        self.config = config or ExperienceConfig()
        self.env = RecordingEnv(env, on_observation, on_interaction)
        self.actor = OracleActor(
            self.env, self.config.subgoal_budget, prefer_viewpoints=self.config.prefer_viewpoints
        )
        self.rng = np.random.default_rng([spec.seed, 1])
        self.record = ExperienceRecord(episode_id=spec.episode_id, days=spec.days)
        self._steps_per_interaction: list[int] = []

    def run(self) -> ExperienceRecord:
        """Reset the env to the episode's house, live every day, return the ground truth.

        Raises:
            ExperienceError: the env's day has too few steps for the interactions asked
                (said before anything runs), or a day still ran past its end.
        """
        obs, _ = self.env.reset(
            seed=self.spec.house_seed, options={"day": 0, "time": self.config.day_start}
        )
        self.actor.obs = obs
        self._check_feasible()
        for day in range(self.spec.days):
            if day > 0:
                self._wake_up(day)
            self._live_day(day, self.spec.interactions_per_day[day])
            self._overnight(day)
        self.record.final_receptacles = _placement(self.env.ground_truth())
        self.record.num_frames = int(self.env.last.frame_index + 1) if self.env.last else 0
        self.record.oracle_fallbacks = self.actor.fallbacks
        logger.info(
            "oracle experience %s: %d interactions over %d days, %d frames",
            self.spec.episode_id,
            len(self.record.interactions),
            self.spec.days,
            self.record.num_frames,
        )
        return self.record

    def _check_feasible(self) -> None:
        """Refuse up front a day too short for its interactions (each takes about
        ``estimated_steps``; the suite plans ``steps_per_day`` so that this does not happen)."""
        if capability(self.env, SupportsClock) is None:
            return  # the env keeps its own time: its days are not counted in steps
        window = (parse_hhmm(self.config.day_end) - parse_hhmm(self.config.day_start)) * 60
        steps = window / self._seconds_per_step()
        k = max(self.spec.interactions_per_day, default=0)
        need = k * self.config.estimated_steps + self._reserve_steps()
        if steps < need:
            raise ExperienceError(
                f"episode {self.spec.episode_id}: infeasible: a day has {steps:.0f} steps but "
                f"{k} interactions need about {need:.0f}; raise the env's steps_per_day (or "
                "SuiteConfig.steps_per_interaction) or lower the interactions per day"
            )

    # --- one day ----------------------------------------------------------------------------
    def _wake_up(self, day: int) -> None:
        # The overnight moves already advanced the clock into this morning; start where they left it.
        xy = np.asarray(self.env.navigability.sample_navigable(self.rng), dtype=float)
        yaw = float(self.rng.uniform(-math.pi, math.pi))
        self.actor.teleport(float(xy[0]), float(xy[1]), yaw)

    def _live_day(self, day: int, k: int) -> None:
        self.record.day_start_receptacles.append(_placement(self.env.ground_truth()))
        self.record.start_rooms.append(self.env.current_room or self.env.last.room_id)  # type: ignore[union-attr]
        done_today: set[str] = set()
        given_up = 0
        for slot in range(k):
            self._idle_before(day, remaining=k - slot)
            if self._steps_left(day) < self._reserve_steps():
                given_up += k - slot
                logger.warning(
                    "day %d: %d interaction slots given up: %.0f steps are left before %s and "
                    "one interaction may take %.0f (plan more steps per interaction)",
                    day,
                    k - slot,
                    self._steps_left(day),
                    self.config.day_end,
                    self._reserve_steps(),
                )
                break
            rec = self._one_interaction(day, done_today, slot)
            if rec is None:
                given_up += 1
                logger.warning(
                    "day %d: interaction slot %d given up (no pair could be executed)", day, slot
                )
                continue
            done_today.add(rec.object_id)
            self.record.interactions.append(rec)
        self.record.slots_given_up.append(given_up)
        end = self._jump_clock(day, self.config.day_end)
        self.record.end_rooms.append(self.env.current_room)
        self.env.end_visit(*end)
        self.record.visits = list(self.env.visits)

    def _reserve_steps(self) -> float:
        """Steps kept free for one more interaction: the longest one so far (at least twice
        the estimate), so that no interaction starts that could run past the day's end."""
        return float(max([2 * self.config.estimated_steps, *self._steps_per_interaction]))

    def _steps_left(self, day: int) -> float:
        """Steps until ``day_end`` on the env's clock."""
        now = self.env.last.time  # type: ignore[union-attr]
        if now.day != day:
            return 0.0
        left = parse_hhmm(self.config.day_end) * 60 - now.minutes_of_day * 60
        return max(left, 0.0) / self._seconds_per_step()

    def _idle_before(self, day: int, remaining: int) -> None:
        """Jump the clock forward by a random share of the idle time left today, keeping
        enough steps for the remaining interactions (at their mean, +30 %) plus one reserve."""
        now = self.env.last.time  # type: ignore[union-attr]
        self._check_day(day)
        per = (
            float(np.mean(self._steps_per_interaction))
            if self._steps_per_interaction
            else self.config.estimated_steps
        )
        dt = self._seconds_per_step()
        left = parse_hhmm(self.config.day_end) * 60 - now.minutes_of_day * 60
        idle = left - (remaining * per * 1.3 + self._reserve_steps()) * dt
        if idle <= 60:
            return
        gap = float(self.rng.uniform(0.0, 2.0 * idle / (remaining + 1)))
        self._jump_clock(day, format_hhmm(now.minutes_of_day + gap / 60.0))

    def _seconds_per_step(self) -> float:
        clocked = capability(self.env, SupportsClock)
        return float(clocked.clock.dt) if clocked is not None else 60.0

    def _jump_clock(self, day: int, hhmm: str) -> tuple[float, str]:
        """Move the clock forward to ``hhmm`` (never back); returns (seconds, HH:MM) after it."""
        clocked = capability(self.env, SupportsClock)
        now = self.env.last.time  # type: ignore[union-attr]
        if clocked is not None and parse_hhmm(hhmm) > now.minutes_of_day and now.day == day:
            clocked.set_clock(day, hhmm)
            t = self.env.observe().time
            return float(t.seconds), t.time_of_day
        return float(now.seconds), now.time_of_day

    def _check_day(self, day: int) -> None:
        t = self.env.last.time  # type: ignore[union-attr]
        if t.day != day:
            raise ExperienceError(
                f"episode {self.spec.episode_id}: day {day} ran past {self.config.day_end} (clock is at "
                f"day {t.day} {t.time_of_day}); give the env more steps_per_day or lower the interactions per day"
            )

    def _planned(self, day: int, slot: int, gt: GroundTruth) -> list[tuple[str, str]] | None:
        """The pair an external episode prescribes for this slot (None: sample one)."""
        plan = self.spec.rearrangements
        if day >= len(plan) or slot >= len(plan[day]):
            return None
        oid, goal = plan[day][slot]
        missing = [i for i in (oid, goal) if i not in gt.objects]
        if missing:
            raise ExperienceError(
                f"episode {self.spec.episode_id}: planned rearrangement {oid} -> {goal} names "
                f"{missing}, which the scene does not have"
            )
        return [(oid, goal)]

    def _one_interaction(
        self, day: int, done_today: set[str], slot: int = 0
    ) -> InteractionRecord | None:
        """Try up to ``attempts_per_interaction`` pairs; the slot's steps (failed attempts
        included) are measured for planning the rest of the day."""
        slot_start = self.env.last.frame_index  # type: ignore[union-attr]
        rec = self._try_pairs(day, done_today, slot)
        self._steps_per_interaction.append(self.env.last.frame_index - slot_start)  # type: ignore[union-attr]
        return rec

    def _try_pairs(self, day: int, done_today: set[str], slot: int = 0) -> InteractionRecord | None:
        gt = self.env.ground_truth()
        planned = self._planned(day, slot, gt)
        pairs = planned or candidate_pairs(gt, done_today) or candidate_pairs(gt, set())
        openable = {r.id for r in gt.receptacles() if r.openable}
        if pairs and planned is None and self.rng.random() < self.config.container_bias:
            involving = [
                p
                for p in pairs
                if p[1] in openable or gt.objects[p[0]].parent_receptacle in openable
            ]
            pairs = involving or pairs
        order = self.rng.permutation(len(pairs))[: self.config.attempts_per_interaction]
        for idx in order:
            oid, goal = pairs[int(idx)]
            gt = self.env.ground_truth()  # a failed attempt may have changed the world
            events0 = len(self.env.events)
            try:
                self.actor.rearrange(oid, goal, gt)
            except OracleError as exc:
                logger.info("oracle could not move %s to %s: %s", oid, goal, exc)
                self._note_stray_opens(day, self.env.events[events0:])
                continue
            self._check_day(day)
            rec = self._interaction_record(day, gt, oid, self.env.events[events0:])
            rec.planned_goal = goal
            return rec
        return None

    def _note_stray_opens(self, day: int, events: list[Any]) -> None:
        """Containers opened in an attempt that moved nothing: the agent under test saw them
        opened, so templates about opened or used receptacles must count them too."""
        while len(self.record.opened_without_interaction) <= day:
            self.record.opened_without_interaction.append([])
        seen = self.record.opened_without_interaction[day]
        seen += [e.oracle_target_id for e in events if e.kind == "open"]
        self.record.opened_without_interaction[day] = sorted(set(seen))

    def _interaction_record(
        self, day: int, gt: GroundTruth, oid: str, events: list[Any]
    ) -> InteractionRecord:
        pick = next(e for e in events if e.kind == "pick" and e.oracle_target_id == oid)
        place = [e for e in events if e.kind == "place"][-1]
        after = self.env.ground_truth()
        obj = gt.objects[oid]
        start_rec, goal_rec = (
            obj.parent_receptacle or "",
            after.objects[oid].parent_receptacle or "",
        )
        return InteractionRecord(
            index=len(self.record.interactions),
            day=day,
            object_id=oid,
            category=obj.category,
            attributes=dict(obj.attributes),
            start_receptacle=start_rec,
            start_receptacle_category=gt.objects[start_rec].category
            if start_rec in gt.objects
            else "",
            goal_receptacle=goal_rec,
            goal_receptacle_category=after.objects[goal_rec].category
            if goal_rec in after.objects
            else "",
            pick_room=gt.room_at(*pick.point[:2]) or obj.room_id,
            place_room=after.room_at(*place.point[:2]) or after.objects[oid].room_id,
            start_seconds=pick.seconds,
            end_seconds=place.seconds,
            start_time=pick.time_of_day,
            end_time=place.time_of_day,
            start_frame=pick.frame_index,
            end_frame=place.frame_index,
            opened=sorted({e.oracle_target_id for e in events if e.kind == "open"}),
            pick_point=pick.point,
            place_point=place.point,
        )

    # --- overnight ----------------------------------------------------------------------------
    def _overnight(self, day: int) -> None:
        """Move objects while the agent is away; the clock moves to the next morning first."""
        clocked = capability(self.env, SupportsClock)
        if clocked is not None:
            clocked.set_clock(day + 1, self.config.day_start)
        n = self.spec.overnight_changes
        if n <= 0:
            return
        self.env.hidden = True
        try:
            self.record.overnight.extend(self.actor.shuffle(n, day, self.rng))
        finally:
            self.env.hidden = False


def _placement(gt: GroundTruth) -> dict[str, str]:
    return {o.id: o.parent_receptacle for o in gt.pickupables() if o.parent_receptacle is not None}


def make_episode_env(spec: EpisodeSpec) -> Env:
    """Build the env ``spec`` names, configured from ``spec.env_options``.

    Raises:
        ValueError: an option the env's config does not have (the valid ones are listed).
    """
    from embodied_mem.benchmark.env_setup import make_episode_env as build

    return build(spec)


def run_experience(
    env: Env,
    spec: EpisodeSpec,
    on_observation: ObservationCallback | None = None,
    config: ExperienceConfig | None = None,
    on_interaction: InteractionCallback | None = None,
) -> ExperienceRecord:
    """Run phase 1 of ``spec`` in ``env`` (see :class:`OracleExperience`); ``on_interaction``
    gets the notices that come without a new frame (:class:`RecordingEnv`)."""
    return OracleExperience(env, spec, on_observation, config, on_interaction).run()
