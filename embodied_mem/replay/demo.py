"""Record a short real run in the built-in simulator: a walk through the house, then a few
pick-and-place interactions, every frame perceived by the ORACLE segmenter into memory.

Used by the replay/visualisation tests, the README pictures and ``embodied-mem record-demo``.
The driver acts with env ids (it is a scripted oracle, like the benchmark's experience phase);
memory only ever gets the frames, the ORACLE detections and the interaction points.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from embodied_mem.memory import AgentMemory
from embodied_mem.perception.segmenters import ORACLE_SEGMENTERS
from embodied_mem.replay.recorder import RunRecorder
from embodied_mem.replay.replay import memory_config
from envs.actions import Action, Pick, Place, Teleport
from envs.types import Observation

logger = logging.getLogger(__name__)


@dataclass
class DemoConfig:
    """A short recorded run in the built-in house."""

    seed: int = 0
    """House seed."""
    walk_steps: int = 30
    """Steps of the scripted room tour before the interactions."""
    interactions: int = 2
    """Pick-and-place pairs after the walk."""
    width: int = 160
    """Image width (small keeps the run fast)."""
    height: int = 120
    """Image height."""
    chunk_size: int = 16
    """Frames per recorded npz chunk."""
    snapshot_every: int = 20
    """Frames between memory snapshots."""
    segmenter: str = "oracle"
    """Perception: "oracle" (ground-truth masks), "noisy" (ORACLE degraded, seeded by ``seed``) or
    "geometric" (weight-free depth clustering; sees no ground truth)."""
    task: bool = True
    """After the interactions, run one instruction with the real agent loop and the rule planner
    ("Navigate to a <category of the first moved object>.") so the run has a planner trace."""
    task_budget: int = 60
    """Most low-level actions the instruction may take."""

    def __post_init__(self) -> None:
        if self.walk_steps < 0 or self.interactions < 0:
            raise ValueError(
                f"walk_steps and interactions must be >= 0, got {self.walk_steps}, {self.interactions}"
            )
        if self.segmenter not in ("oracle", "noisy", "geometric"):
            raise ValueError(
                f"demo segmenter must be 'oracle', 'noisy' or 'geometric', got {self.segmenter!r}"
            )
        if self.width < 16 or self.height < 16:
            raise ValueError(f"image size must be at least 16x16, got {self.width}x{self.height}")


class _Driver:
    """Steps the env, feeding every frame to the recorder, then perception, then memory."""

    def __init__(
        self, env: Any, recorder: RunRecorder, memory: AgentMemory, perceiver: Any
    ) -> None:
        self.env, self.recorder, self.memory, self.perceiver = env, recorder, memory, perceiver
        inform = getattr(perceiver, "inform_map", None)
        if inform is not None:
            inform(memory.free_space)  # as the agent loop does
        self.obs: Observation | None = None

    def observe(self, obs: Observation) -> None:
        self.obs = obs
        self.recorder.on_frame(obs)
        used, dets = self.perceiver.detect(obs)
        self.memory.ingest(used, dets)

    def act(self, action: Action) -> bool:
        obs, _, _, _, info = self.env.step(action)
        self.recorder.on_action(action, info["result"], obs)
        self.observe(obs)
        return bool(info["result"].success)

    def interact(self, kind: str, point: Sequence[float]) -> None:
        assert self.obs is not None
        self.recorder.on_interaction(kind, self.obs, point)
        self.memory.record_interaction(
            kind,
            self.obs.time,
            self.obs.frame_index,
            point,
            pose=self.obs.agent,
            room_id=self.obs.room_id,
        )

    def go_look_at(self, eid: str) -> bool:
        """Teleport to a viewpoint of ``eid`` where it is visible, camera aimed at it."""
        for x, y, yaw in self.env.viewpoints_for(eid, max_count=3, visible_only=True):
            pitch = self.env.look_pitch(eid, (x, y))
            if self.act(Teleport(x, y, yaw, pitch)):
                return True
        return False


def _pairs(gt: Any, n: int) -> list[tuple[str, str]]:
    """``n`` (object, other open-top receptacle) pairs in a fixed order."""
    objects = sorted((o for o in gt.pickupables() if o.parent_receptacle), key=lambda o: o.id)
    targets = sorted((r for r in gt.receptacles() if not r.openable), key=lambda r: r.id)
    out: list[tuple[str, str]] = []
    for obj in objects:
        dest = [r.id for r in targets if r.id != obj.parent_receptacle and r.room_id != obj.room_id]
        if dest and len(out) < n:
            out.append((obj.id, dest[len(out) % len(dest)]))
    return out


def record_demo_run(
    run_dir: str | Path, config: DemoConfig | None = None, memory_overrides: Sequence[str] = ()
) -> AgentMemory:
    """Record a demo run into ``run_dir`` and return the live memory it built."""
    from embodied_mem.perception.relocalize import RelocalizeConfig
    from envs.builtin import BuiltinEnvConfig, BuiltinHouseEnv, scripted_walk

    cfg = config or DemoConfig()
    env_cfg = BuiltinEnvConfig(width=cfg.width, height=cfg.height)
    mem_cfg = memory_config(None, memory_overrides)
    perception = {
        "segmenter": cfg.segmenter,
        "config": {"seed": cfg.seed} if cfg.segmenter == "noisy" else {},
        "relocalize": RelocalizeConfig(),  # what build_perceiver uses by default
    }
    with BuiltinHouseEnv(env_cfg) as env:
        walk = scripted_walk(env, n=cfg.walk_steps, seed=cfg.seed)
        gt = env.ground_truth()
        rooms = list(gt.rooms.values())
        memory = AgentMemory(rooms, mem_cfg)
        run_config = {
            "memory": mem_cfg,
            "perception": perception,
            "env": {"name": "builtin", **asdict(env_cfg)},
            "demo": cfg,
        }
        # only ORACLE perception may see ground truth, so only then is its lookup recorded
        oracle_gt = gt if cfg.segmenter in ORACLE_SEGMENTERS else None
        recorder = RunRecorder(
            run_dir,
            config=run_config,
            categories=None,
            ground_truth=oracle_gt,
            rooms=rooms,
            memory=memory,
            chunk_size=cfg.chunk_size,
            snapshot_every=cfg.snapshot_every,
        )
        # the live run perceives exactly as the agent loop does (build_perceiver on real ground truth)
        driver = _Driver(env, recorder, memory, _live_perceiver(cfg, gt))
        for obs in walk.observations:
            driver.observe(obs)
        moved = [
            oid for oid, rid in _pairs(gt, cfg.interactions) if _pick_and_place(driver, oid, rid)
        ]
        if cfg.task and moved and driver.obs is not None:
            _run_task(driver, f"Navigate to a {gt.objects[moved[0]].category}.", cfg.task_budget)
        recorder.close()
    return memory


def _pick_and_place(d: _Driver, oid: str, rid: str) -> bool:
    """Pick ``oid`` and place it on ``rid``; True when both succeeded."""
    gt = d.env.ground_truth()
    start = tuple(float(v) for v in gt.objects[oid].center)
    if not (d.go_look_at(oid) and d.act(Pick(oid))):
        logger.warning("demo: could not pick %s; skipping it", oid)
        return False
    d.interact("pick", start)
    if not (d.go_look_at(rid) and d.act(Place(rid))):
        logger.warning("demo: could not place %s on %s", oid, rid)
        return False
    end = tuple(float(v) for v in d.env.ground_truth().objects[oid].center)
    d.interact("place", end)
    if math.dist(start, end) < 0.3:
        logger.warning("demo: %s moved only %.2f m", oid, math.dist(start, end))
    return True


def _live_perceiver(cfg: DemoConfig, gt: Any) -> Any:
    from embodied_mem.perception.pipeline import build_perceiver
    from embodied_mem.perception.segmenters.noisy import NoisySegmenterConfig

    config = NoisySegmenterConfig(seed=cfg.seed) if cfg.segmenter == "noisy" else None
    oracle_backed = cfg.segmenter in ORACLE_SEGMENTERS
    return build_perceiver(cfg.segmenter, ground_truth=gt if oracle_backed else None, config=config)


def _run_task(d: _Driver, instruction: str, budget: int) -> None:
    """One instruction through the real agent loop (it calls the recorder's hooks itself)."""
    from embodied_mem.agent.loop import AgentConfig, MemoryAgent

    assert d.obs is not None
    try:
        from embodied_mem.planner.registry import make_planner

        agent = MemoryAgent(
            d.env,
            d.memory,
            d.perceiver,
            make_planner("rule"),
            AgentConfig(max_plan_steps=1, subgoal_budget=budget, task_budget=budget),
            recorder=d.recorder,
        )
        trace, d.obs, _ = agent.run_task(instruction, d.obs)
    except Exception as exc:  # noqa: BLE001 - the task is an extra; the recorded experience stands
        logger.warning(
            "demo task %r failed in the planner/agent loop (%s: %s); the run has no planner trace",
            instruction,
            type(exc).__name__,
            exc,
        )
        return
    logger.info(
        "demo task %r: answer=%s failure=%s, %d actions",
        instruction,
        trace.answer,
        trace.failure_mode,
        trace.actions,
    )
