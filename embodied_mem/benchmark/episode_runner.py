"""Run one benchmark episode for every baseline: shared experience, then tasks per baseline.

Phase 1 runs once: the ORACLE experience agent acts while every memory baseline perceives the
same frames into its own memory (and the frames-K bound logs what each frame shows). Of each
interaction a memory baseline is told only its kind and the pixel where the acted-on thing
showed; it places the interaction with its own depth and pose (no ground-truth point or id). Phase 2
runs per baseline from the same world state (the env's ``get_state``/``set_state`` snapshot;
envs without one replay phase 1 deterministically instead). ``no-memory`` gets an empty memory
(room annotations only) and must explore; it still perceives what it sees during the tasks.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from embodied_mem.agent.interactions import ObservedInteraction
from embodied_mem.agent.loop import MemoryAgent
from embodied_mem.agent.navigation_map import agent_map
from embodied_mem.benchmark.baselines import Baseline, standard_baselines  # noqa: F401
from embodied_mem.benchmark.episode import EpisodeSpec
from embodied_mem.benchmark.experience import make_episode_env, run_experience
from embodied_mem.benchmark.failure_media import (
    EpisodeMedia,
    FailedAttempt,
    KeyframeThumbnails,
    MediaConfig,
)
from embodied_mem.benchmark.feasibility import infeasible
from embodied_mem.benchmark.frames_bound import FrameVisibilityLog, solvable
from embodied_mem.benchmark.matching import match_targets, remembered
from embodied_mem.benchmark.scoring import (
    TaskAttempt,
    TaskResult,
    goal_met,
    score_task,
    valid_target_ids,
)
from embodied_mem.benchmark.task import TaskInstance
from embodied_mem.benchmark.templates import TemplateConfig, generate_tasks
from embodied_mem.memory.memory import AgentMemory
from embodied_mem.perception.segmenters import ORACLE_SEGMENTERS
from embodied_mem.planner.base import PLANNER_ERRORS
from envs.actions import Teleport
from envs.base import Env
from envs.capabilities import SupportsSnapshots, capability

logger = logging.getLogger(__name__)


class EpisodeRunner:
    """Runs one episode for a list of baselines and returns one result row per (baseline, task).

    Args:
        run_config: a :class:`embodied_mem.run_config.RunConfig`.
        baselines: the agents to evaluate.
        record_dir: if set, the first memory baseline's run (frames, interactions, task traces,
            memory snapshots) is recorded there for replay and visualisation.
        on_row: called with each result row as soon as its task is scored (a long episode's
            finished tasks are written before it ends).
        on_task: called with ``(tasks_done, tasks_total)`` after each task an agent ran
            (progress bars; frames-K bounds need no agent and are not counted).
        media_dir: if set, the report's pictures are captured there while the episode runs
            (:mod:`embodied_mem.benchmark.failure_media`: the episode's path and day-end memory,
            keyframes, stop frame and a sketch of every failed task).
        media: what is captured (sizes), default :class:`MediaConfig`.
    """

    def __init__(
        self,
        run_config: Any,
        baselines: list[Baseline],
        record_dir: Path | None = None,
        on_task: Callable[[int, int], None] | None = None,
        media_dir: Path | None = None,
        media: MediaConfig | None = None,
        on_row: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.cfg = run_config
        self.baselines = baselines
        self.record_dir = record_dir
        self.on_task = on_task
        self.on_row = on_row
        self._recorders: list[Any] = []
        self._tasks_done = self._tasks_total = 0
        self.skipped: dict[str, str] = {}
        """Template id -> why this episode could not fill it (set by :meth:`run`)."""
        self.media_dir = media_dir
        self.media_config = media or MediaConfig()
        self._media: EpisodeMedia | None = None
        self._thumbs: dict[str, KeyframeThumbnails] = {}
        self._shared_thumb: dict[str, Any] = {}

    def run(self, spec: EpisodeSpec) -> list[dict[str, Any]]:
        started, cpu_started = time.perf_counter(), time.process_time()
        env = make_episode_env(spec)
        try:
            rows = self._run(env, spec)
        finally:
            for recorder in self._recorders:
                recorder.close()
            env.close()
        wall = time.perf_counter() - started
        # This process's CPU (all its threads): what an episode costs on a loaded machine or
        # a cluster, where wall time says more about the neighbours than about the episode.
        cpu = time.process_time() - cpu_started
        for row in rows:
            row["episode_wall_time_s"] = wall
            row["episode_cpu_time_s"] = cpu
        return rows

    # ------------------------------------------------------------------ phase 1
    def _recorder(self, spec: EpisodeSpec, b: Baseline, memory: AgentMemory, gt: Any) -> Any:
        from embodied_mem.replay.recorder import RunRecorder

        seg = b.segmenter
        run_dir = Path(self.record_dir) / spec.episode_id / b.name
        if run_dir.exists():  # a cut-off recording of this episode: it is being re-run from scratch
            shutil.rmtree(run_dir)
        from embodied_mem.benchmark.failure_media import house_text

        config = {
            "episode": {"id": spec.episode_id, "house": house_text(spec)},
            "memory": self.cfg.memory,
            "env": {"name": spec.env, **spec.env_options},
            "perception": {
                "segmenter": seg,
                "config": self.cfg.perception.config_of(seg),
                "relocalize": self.cfg.perception.relocalize,
            },
        }
        recorder = RunRecorder(
            run_dir,
            config=config,
            categories=None,
            rooms=gt.rooms.values(),
            memory=memory,
            ground_truth=gt if seg in ORACLE_SEGMENTERS else None,
        )  # ORACLE lookup only
        self._recorders.append(recorder)
        return recorder

    def _agents(self, env: Env, gt: Any, spec: EpisodeSpec) -> dict[str, MemoryAgent]:
        agents = {}
        for b in self.baselines:
            if b.kind == "frames-bound":
                continue
            seg = b.segmenter
            perceiver = self.cfg.perception.build(
                seg, ground_truth=gt if seg in ORACLE_SEGMENTERS else None
            )
            memory = AgentMemory(gt.rooms.values(), self.cfg.memory)
            planner = self.cfg.planner.build(**self._planner_kwargs(env, memory))
            record = self.record_dir is not None and b.kind == "memory" and not self._recorders
            recorder = self._recorder(spec, b, memory, gt) if record else None
            if self._media is not None:  # keyframe thumbnails ride along with any recorder
                recorder = self._thumbs[b.name] = KeyframeThumbnails(
                    memory, self.media_config, inner=recorder, shared=self._shared_thumb
                )
            agents[b.name] = MemoryAgent(
                env,
                memory,
                perceiver,
                planner,
                self.cfg.agent,
                recorder=recorder,
                navigation=self.cfg.navigation,
            )
        return agents

    def _planner_kwargs(self, env: Env, memory: AgentMemory) -> dict[str, Any]:
        """The rule planner's walking distances: on the agent's own map, or on the
        simulator's with ``navigation.map=oracle`` (ORACLE)."""
        if self.cfg.planner.name == "rule":
            nav = agent_map(env, memory, self.cfg.navigation)
            return {"geodesic": nav.geodesic_distance}
        return {}

    def _run(self, env: Env, spec: EpisodeSpec) -> list[dict[str, Any]]:
        env.reset(seed=spec.house_seed)
        gt0 = env.ground_truth()
        if self.media_dir is not None:
            self._media = EpisodeMedia(self.media_dir, spec, gt0.rooms.values(), self.media_config)
        agents = self._agents(env, gt0, spec)
        watchers = {n: a for n, a in agents.items() if self._baseline(n).kind == "memory"}
        media = self._media
        if media is not None and watchers:
            first = next(iter(watchers))
            media.watch_memory(first, watchers[first].memory)
        frames = FrameVisibilityLog(room_names={r.id: r.name for r in gt0.rooms.values()})

        def on_observation(obs: Any, seen: ObservedInteraction | None) -> None:
            if media is not None:
                media.on_experience_frame(obs)
            frames.add(obs)
            for agent in watchers.values():
                agent.observe(obs)
                if seen is not None:  # kind and pixel only: the point is the agent's own
                    agent.record_observed_interaction(seen, obs)

        def on_interaction(seen: ObservedInteraction, obs: Any) -> None:
            for agent in watchers.values():  # a deferred place notice, given up on
                agent.record_observed_interaction(seen, obs)

        record = run_experience(env, spec, on_observation, on_interaction=on_interaction)
        if media is not None:
            media.end_experience(record)
        gt = env.ground_truth()
        if spec.instructions:  # an external episode's own instructions (FindingDory)
            from embodied_mem.benchmark.findingdory_goals import tasks_from_instructions

            tasks, self.skipped = tasks_from_instructions(spec, record, gt)
        else:
            generated = generate_tasks(
                record,
                gt,
                seed=spec.seed,
                nav=env.navigability,
                templates=spec.templates or None,
                config=TemplateConfig(periods=self.cfg.memory.retrieval.periods),
            )
            tasks, self.skipped = generated.tasks, dict(generated.skipped)
        rows: list[dict[str, Any]] = []
        snapshots = capability(env, SupportsSnapshots)  # ORACLE: same world for every baseline
        snapshot = snapshots.get_state() if snapshots is not None else None
        self._tasks_total = len(tasks) * sum(b.kind != "frames-bound" for b in self.baselines)
        self._tasks_done = 0
        for b in self.baselines:
            if b.kind == "frames-bound":
                for t in tasks:
                    why = infeasible(env, t, gt, frames.pixels, self.cfg.scoring.thresholds)
                    if why is None:
                        rows.append(self._emit(self._frames_row(b, t, frames, record)))
                    else:
                        rows.append(self._emit(_excluded_row(b, t, why)))
                continue
            if snapshots is not None:
                snapshots.set_state(snapshot)
            else:  # replay the deterministic experience to get the same world back
                run_experience(env, spec, None)
            rows += self._phase2(agents[b.name], b, env, tasks)
        return rows

    def _emit(self, row: dict[str, Any]) -> dict[str, Any]:
        """Hand a finished row to ``on_row`` (written at once); returns it."""
        if self.on_row is not None:
            self.on_row(row)
        return row

    def _baseline(self, name: str) -> Baseline:
        return next(b for b in self.baselines if b.name == name)

    # ------------------------------------------------------------------ phase 2
    def _phase2(
        self, agent: MemoryAgent, b: Baseline, env: Env, tasks: list[TaskInstance]
    ) -> list[dict[str, Any]]:
        rows = []
        for task in tasks:
            obs = self._start(env, task)
            start_time, start_xy = obs.time.seconds, tuple(obs.agent.position[:2])
            agent.observe(obs)
            gt_before = env.ground_truth()
            if task.kind == "manipulate" and goal_met(task, gt_before):
                # An earlier task of this baseline already made it true: doing nothing would pass.
                why = "its goal already held when the task started"
                rows.append(self._emit(_excluded_row(b, task, why)))
                continue
            pixels = obs.intrinsics.width * obs.intrinsics.height
            why = infeasible(env, task, gt_before, pixels, self.cfg.scoring.thresholds)
            if why is not None:  # no agent could pass it: it measures the camera
                rows.append(self._emit(_excluded_row(b, task, why)))
                continue
            query = agent.memory.query(today=obs.time.day)
            in_memory = (
                remembered(query, valid_target_ids(task), gt_before)
                if task.kind != "question"
                else None
            )
            trace, obs, checkpoints = agent.run_task(task.text, obs)
            attempt = TaskAttempt(
                task_id=task.task_id,
                checkpoints=checkpoints,
                path_length=trace.path_length,
                steps=trace.actions,
                answer=trace.answer,
                chosen_targets=match_targets(trace.chosen, gt_before),
                chosen_answer=trace.chosen_answer,
                planner_calls=trace.planner_calls,
                prompt_tokens=trace.prompt_tokens,
                memory_size=agent.memory.stats().objects,
                wall_time_s=trace.wall_time_s,
                timed_out=trace.failure_mode == "navigation_timeout",
                planner_error=trace.failure_mode if trace.failure_mode in PLANNER_ERRORS else None,
                target_in_memory=in_memory,
                failed_subgoal=trace.failed_subgoal,
                failure_reason=trace.failure_reason,
            )
            result = score_task(
                task, attempt, env.ground_truth(), env.navigability, self.cfg.scoring
            )
            if self._media is not None and not result.success:
                self._media.failed_task(
                    FailedAttempt(
                        b.name,
                        task,
                        trace,
                        result,
                        obs,
                        start_time,
                        [start_xy, *trace.path],
                        gt_before,
                        agent.memory,
                        self._thumbs.get(b.name),
                    )
                )
            row = {
                "baseline": b.name,
                **result.to_dict(),
                # "oracle" = planned on the simulator's map (ORACLE), see navigation.map
                "navigation_map": self.cfg.navigation.map,
                "instruction": task.text,
                "planner_message": trace.steps[0].plan_message if trace.steps else "",
                "trace": trace_summary(trace),
            }
            rows.append(self._emit(row))
            self._tasks_done += 1
            if self.on_task is not None:
                self.on_task(self._tasks_done, self._tasks_total)
        return rows

    @staticmethod
    def _start(env: Env, task: TaskInstance) -> Any:
        if task.start_pose is None:
            return env.observe()
        x, y, yaw = task.start_pose
        obs, *_ = env.step(Teleport(x, y, yaw))
        return obs

    @staticmethod
    def _frames_row(
        b: Baseline, task: TaskInstance, frames: FrameVisibilityLog, record: Any
    ) -> dict[str, Any]:
        ok = solvable(task, frames, record, b.frames_k)
        result = _unrun_result(
            task,
            success=ok,
            high_level_success=ok,
            memory_size=b.frames_k,
            failure_mode=None if ok else "target_not_in_frames",
            detail="ORACLE upper bound: the frames the task depends on survive subsampling"
            if ok
            else "the frames the task depends on do not survive subsampling",
        )
        return {
            "baseline": b.name,
            **result.to_dict(),
            "instruction": task.text,
            "planner_message": "",
        }


def _unrun_result(task: TaskInstance, **measures: Any) -> TaskResult:
    """A result for a task no agent ran (a bound, or an excluded task)."""
    base: dict[str, Any] = {
        "success": False,
        "high_level_success": None,
        "spl": None,
        "steps": 0,
        "path_length": 0.0,
        "optimal_length": None,
        "planner_calls": 0,
        "prompt_tokens": 0,
        "memory_size": 0,
        "wall_time_s": 0.0,
        "failure_mode": None,
    }
    return TaskResult(
        task_id=task.task_id,
        episode_id=task.episode_id,
        template_id=task.template_id,
        family=task.family,
        **{**base, **measures},
    )


def _excluded_row(b: Baseline, task: TaskInstance, why: str) -> dict[str, Any]:
    """A task not run for this baseline; summaries count it apart, never as success/failure."""
    result = _unrun_result(task, excluded=why, detail=why)
    return {"baseline": b.name, **result.to_dict(), "instruction": task.text}


def trace_summary(trace: Any) -> dict[str, Any]:
    """What a results row keeps of a task's trace, enough to tell failure causes apart
    (``embodied-mem failures RUN`` tabulates them): per planning step the planner's message
    and mode, and each subgoal's type, outcome and reason; then what failed last."""
    return {
        "steps": [
            {
                "message": s.plan_message[:200],
                "mode": s.failure_mode,
                "outcomes": [
                    {k: o.get(k) for k in ("subgoal", "success", "reason", "steps")}
                    for o in s.outcomes
                ],
            }
            for s in trace.steps
        ],
        "chosen_at_step": trace.chosen_at_step,
        "failed_subgoal": trace.failed_subgoal,
        "failure_reason": trace.failure_reason,
    }
