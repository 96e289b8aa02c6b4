"""An ORACLE phase-2 agent: solves tasks from ground truth (an upper bound, and a self-check).

It reads the task's valid targets (which no real agent may), walks there with the navigation
policy (teleporting only when the policy fails), aims the camera and declares arrival; answers
questions with the first valid answer; performs manipulation with the oracle actor. If the suite
is consistent, this agent succeeds on (nearly) every task, so its success rate validates that
templates and success thresholds agree with what the simulator can show.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from embodied_mem.benchmark.oracle_actions import OracleActor, OracleError
from embodied_mem.benchmark.recorder import RecordingEnv
from embodied_mem.benchmark.spl import GeodesicCache, room_points
from embodied_mem.benchmark.task import Goal, TaskInstance
from embodied_mem.benchmark.task_attempt import TaskAttempt
from envs.actions import Teleport
from envs.base import Env
from envs.capabilities import SupportsViewpoints, SupportsVisibility, require_capability
from envs.types import Observation
from policies.executor import execute
from policies.subgoals import NavigateToPose

logger = logging.getLogger(__name__)


class OracleSolver:
    """Attempts tasks in ``env`` with ground-truth targets; returns :class:`TaskAttempt` s."""

    def __init__(
        self,
        env: Env,
        budget: int = 250,
        teleport_to_start: bool = True,
        min_fraction: float = 0.001,
    ) -> None:
        self.teleport_to_start = teleport_to_start
        self.min_fraction = min_fraction
        self._path = 0.0
        self._prev: np.ndarray | None = None
        self.env = RecordingEnv(env, self._track)
        self.actor = OracleActor(self.env, budget)
        self.budget = budget

    def _track(self, obs: Observation, _event: object) -> None:
        xy = obs.agent.xy
        if self._prev is not None:
            self._path += float(np.linalg.norm(xy - self._prev))
        self._prev = xy

    def attempt(self, task: TaskInstance) -> TaskAttempt:
        t0 = time.perf_counter()
        if self.teleport_to_start and task.start_pose is not None:
            x, y, yaw = task.start_pose
            self.env.step(Teleport(x, y, yaw))
            self.actor.obs = self.env.last
        else:  # the caller placed the agent; read where it stands now
            self.actor.obs = self.env.observe()
        self._path, self._prev = 0.0, self.actor.obs.agent.xy
        frame0 = self.actor.obs.frame_index
        out = TaskAttempt(task.task_id)
        if task.kind == "question":
            out.answer = out.chosen_answer = task.answers[0]
        elif task.kind == "manipulate":
            self._manipulate(task)
        else:
            out.chosen_targets = []
            for goal in self._visit_order(task):
                target = self._nearest(goal)
                out.chosen_targets.append(target)
                out.checkpoints.append(self._reach(goal.kind, target))
        assert self.actor.obs is not None
        out.steps = self.actor.obs.frame_index - frame0
        out.path_length = self._path
        out.wall_time_s = time.perf_counter() - t0
        return out

    # --- navigation ---------------------------------------------------------------------
    def _here(self) -> np.ndarray:
        assert self.actor.obs is not None
        return self.actor.obs.agent.xy

    def _point(self, kind: str, target: str) -> np.ndarray:
        gt = self.env.ground_truth()
        if kind == "room":
            pts = room_points(gt, target, self.env.navigability)
            return (
                pts[len(pts) // 2]
                if len(pts)
                else np.mean(np.asarray(gt.rooms[target].footprint), axis=0)
            )
        return np.asarray(self.env.navigability.snap(gt.objects[target].center[:2]), dtype=float)

    def _nearest(self, goal: Goal) -> str:
        cache = GeodesicCache(self.env.navigability)
        return min(goal.valid, key=lambda t: cache.dist(self._point(goal.kind, t), self._here()))

    def _visit_order(self, task: TaskInstance) -> list[Goal]:
        if task.ordered or len(task.goals) == 1:
            return list(task.goals)
        left, order = list(task.goals), []
        cache = GeodesicCache(self.env.navigability)
        while left:  # greedy nearest-first is enough for an oracle that only needs to succeed
            here = self._here()
            best = min(
                left, key=lambda g: min(cache.dist(self._point(g.kind, t), here) for t in g.valid)
            )
            order.append(best)
            left.remove(best)
        return order

    def _reach(self, kind: str, target: str) -> Observation:
        """Walk to a pose from which ``target`` counts as reached; return the arrival frame."""
        if kind == "room":
            p = self._point("room", target)
            self._go(float(p[0]), float(p[1]), 0.0)
            assert self.actor.obs is not None
            return self.actor.obs
        oracle = require_capability(self.env, SupportsViewpoints, "the oracle solver")
        views = list(oracle.viewpoints_for(target, max_count=8))
        # The env's viewpoints do not test line of sight; try them until the target is on screen.
        seen = self._seen_as(target)
        best: tuple[float, tuple[float, float, float]] | None = None
        for x, y, yaw in views[:4]:
            fraction = self._look_from(seen, x, y, yaw)
            if fraction >= self.min_fraction:
                assert self.actor.obs is not None
                return self.actor.obs
            if best is None or fraction > best[0]:
                best = (fraction, (x, y, yaw))
        if best is not None and best[1] != views[min(3, len(views) - 1)]:
            self._look_from(seen, *best[1])  # no view was good enough: the best one will do
        assert self.actor.obs is not None
        return self.actor.obs

    def _look_from(self, seen: str, x: float, y: float, yaw: float) -> float:
        """Go to (x, y, yaw), aim at ``seen``; the fraction of the image it covers."""
        viewpoints = require_capability(self.env, SupportsViewpoints, "the oracle solver")
        visibility = require_capability(self.env, SupportsVisibility, "the oracle solver")
        self._go(x, y, yaw)
        self.actor._look(float(viewpoints.look_pitch(seen, (x, y))))
        assert self.actor.obs is not None
        return float(visibility.visible_fraction(seen, self.actor.obs))

    def _seen_as(self, target: str) -> str:
        """The id whose mask shows ``target``: its container when shut inside one."""
        gt = self.env.ground_truth()
        parent = gt.objects[target].parent_receptacle
        if parent and gt.objects[parent].openable and not gt.objects[parent].is_open:
            return parent
        return target

    def _go(self, x: float, y: float, yaw: float) -> None:
        nav, self.actor.obs = execute(
            self.env, NavigateToPose(x, y, yaw), self.actor.obs, self.budget
        )
        if not nav.success:
            self.actor.teleport(x, y, yaw)

    # --- manipulation ---------------------------------------------------------------------
    def _manipulate(self, task: TaskInstance) -> None:
        for p in task.placements:
            gt = self.env.ground_truth()
            if any(gt.objects[o].parent_receptacle in p.receptacles for o in p.objects):
                continue
            oid = min(
                p.objects,
                key=lambda o: float(np.linalg.norm(gt.objects[o].center[:2] - self._here())),
            )
            goal = p.receptacles[0]
            try:
                self.actor.rearrange(oid, goal, gt, spare=0)
            except OracleError as exc:
                logger.info("oracle solver could not move %s to %s: %s", oid, goal, exc)
