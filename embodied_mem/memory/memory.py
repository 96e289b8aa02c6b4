"""``AgentMemory``: the facade tying perception to the three memories and persistence.

Per frame, :meth:`AgentMemory.ingest` runs mapper update → long-term graph → short-term buffer
→ episodic log, and every ``commit_every`` frames writes one batch to SQLite (if a store is
attached). :meth:`AgentMemory.record_interaction` applies the agent's own pick/place/open/close
(the memory object nearest the acted-on point). :meth:`AgentMemory.query` returns the
:class:`~embodied_mem.memory.retrieval.MemoryQuery` planners use.

Bad frames: every part of a frame — observation (shapes/dtypes, intrinsics, pose, agent pose,
time, ids), detections (masks, points, embeddings, scores, labels) and its order in time — is
checked before anything changes (:meth:`ObjectMapper.check`, :func:`envs.validation.check_observation`).
A bad frame leaves memory exactly as it was and raises :class:`~envs.validation.FrameError`
(a ``ValueError`` naming the fault and what to do), or — with ``MemoryConfig.on_bad_frame =
"skip"`` — is counted in ``stats().rejected_frames`` and, per reason,
``stats().rejected_by_reason``. Labels and room names are sanitised on the way in
(:mod:`embodied_mem.perception.labels`). Invalid depth pixels and tiny masks are counted and
skipped by the mapper. An
interaction whose point has no memory object within ``interaction_radius`` is still logged
(object id None) and counted in ``stats().unresolved_interactions``; a pick logged so is linked
to its object once that enters memory near where it was put down (:mod:`.relink`).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from embodied_mem.memory.config import MemoryConfig
from embodied_mem.memory.episodic import EpisodicLog, Event, EventKind, Keyframe
from embodied_mem.memory.frame_gate import check_frame
from embodied_mem.memory.long_term import LongTermMemory
from embodied_mem.memory.persist import (
    full_batch,
    open_memory,
    pending_batch,
    read_only_error,
    save_copy,
)
from embodied_mem.memory.relink import (
    ADOPT_REACH,
    SEEN_NEAR,
    Relinker,
    adopt_detection_at,
    kind_at,
)
from embodied_mem.memory.retrieval import MemoryQuery
from embodied_mem.memory.short_term import ShortTermMemory, STMEntry
from embodied_mem.memory.spatial import FreeSpaceMap
from embodied_mem.memory.store import MemoryStore, bytes_with_wal
from embodied_mem.perception.labels import clean_rooms
from embodied_mem.perception.mapper import MapperUpdate, ObjectMapper
from embodied_mem.perception.types import Detection
from envs.camera import pixels_to_world
from envs.ground_truth import RoomRecord
from envs.types import AgentPose, Observation, SimTime
from envs.validation import FrameError, check_agent_pose, check_sim_time, check_text_id
from scene_graph import EventKind as TimelineKind
from scene_graph import Layer

logger = logging.getLogger(__name__)


@dataclass
class IngestResult:
    """What one :meth:`AgentMemory.ingest` did."""

    update: MapperUpdate | None
    stm_entries: list[STMEntry] = field(default_factory=list)
    keyframe: Keyframe | None = None
    relation_changes: list[str] = field(default_factory=list)
    committed: bool = False
    skipped: str | None = None
    """Why the frame was skipped (on_bad_frame="skip"), else None."""
    reason: str | None = None
    """The skipped frame's rejection reason (the ``rejected_by_reason`` key), else None."""


@dataclass
class MemoryStats:
    objects: int
    receptacles: int
    rooms: int
    keyframes: int
    events: int
    days: list[int]
    bytes_on_disk: int | None
    stm_entries: int
    stm_hit_rate: float
    rejected_frames: int
    unresolved_interactions: int
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    """Skipped bad frames per :attr:`envs.validation.FrameError.reason`."""


TextEmbedFn = Callable[[str], np.ndarray]


def _embed_fn(embedder: Any) -> TextEmbedFn | None:
    """Accept a perception ``TextEmbedder`` (``embed_one``) or any ``str -> vector`` callable."""
    if embedder is None:
        return None
    fn = getattr(embedder, "embed_one", embedder)
    if not callable(fn):
        raise TypeError("embedder must have embed_one(text) or be callable text -> vector")
    cache: dict[str, np.ndarray] = {}

    def embed(text: str) -> np.ndarray:
        if text not in cache:
            cache[text] = np.asarray(fn(text), dtype=np.float32).ravel()
        return cache[text]

    return embed


class AgentMemory:
    """Long-term scene graph + short-term buffer + episodic log (+ optional SQLite store).

    Args:
        rooms: the env's room annotations (:class:`envs.ground_truth.RoomRecord`).
        config: settings; defaults if None.
        embedder: text embedder for text queries (perception ``TextEmbedder`` or a callable);
            without one, text queries fall back to word matching on categories/attributes.
        path: SQLite file to persist into (created; must not already hold a memory — use
            :meth:`open` to continue one). The memory holds the file's single-writer lock until
            :meth:`close`; another process opening it meanwhile gets
            :class:`~embodied_mem.memory.store.MemoryInUseError` ("in use by pid N").
    """

    def __init__(
        self,
        rooms: Iterable[RoomRecord] = (),
        config: MemoryConfig | None = None,
        *,
        embedder: Any = None,
        path: str | Path | None = None,
    ) -> None:
        self.config = config or MemoryConfig()
        self.mapper = ObjectMapper(self.config.mapper)
        self.long_term = LongTermMemory(clean_rooms(rooms), self.config.long_term)
        self.short_term = ShortTermMemory(self.config.short_term)
        self.episodic = EpisodicLog(self.config.episodic)
        self.free_space = FreeSpaceMap(self.config.free_space)
        """The metric free-space layer built from the ingested depth frames and their poses."""
        self._embed = _embed_fn(embedder)
        self.long_term.embed_fn = self._embed
        self.day: int | None = None
        self.rejected_frames = 0
        self.rejected_by_reason: dict[str, int] = {}
        self.unresolved_interactions = 0
        self.relinker = Relinker(self.config.long_term.interaction_radius / 2)
        self._recent_inputs: deque[tuple[Observation, list[Detection]]] = deque(maxlen=4)
        self.last_seen: dict[str, int] = {}
        """Memory ids perception saw in the last ingested frame (→ mask pixels)."""
        self._frames_since_commit = 0
        self._last_frame: tuple[float, str | None, AgentPose | None] | None = None
        self.store: MemoryStore | None = None
        self.read_only = False
        """True for :meth:`open` with ``read_only=True``: a snapshot that never writes its file."""
        self.source: Path | None = None
        """The file this memory was read from or persists into."""
        if path is not None:
            store = MemoryStore(path)
            if store.holds_memory():
                store.close()
                raise ValueError(
                    f"{path} already holds a memory; use AgentMemory.open({str(path)!r}) to continue it"
                )
            self.store, self.source = store, store.path
            self.commit(full=True)

    # ------------------------------------------------------------------ perception
    def ingest(self, obs: Observation, detections: Sequence[Detection]) -> IngestResult:
        """Fold one frame and its detections into every memory (see module docstring)."""
        try:
            last = None if self._last_frame is None else self._last_frame[0]
            detections = check_frame(self.mapper, obs, detections, last, self.day)
        except FrameError as exc:
            return self.reject(obs, exc)
        if self.day is None or obs.time.day != self.day:
            self.start_day(obs.time.day)
        t = obs.time.seconds
        self.free_space.update(obs)
        upd = self.mapper.update(detections, obs, checked=True)
        self._recent_inputs.append((obs, list(detections)))
        changed = self.long_term.apply_mapper_update(upd, self.mapper.objects, t)
        if self.relinker.moves:
            self.relinker.link_new_objects(self, [*upd.created, *upd.updated])
        entries = self._update_short_term(upd, obs)
        for absorbed, kept in upd.merged:
            self.episodic.remap_object(absorbed, kept)
        room = (
            obs.room_id
            if obs.room_id is not None
            else self.long_term.room_at(*obs.agent.position[:2])
        )
        visible = {self.long_term.resolve(k): v for k, v in upd.visible.items()}
        self.last_seen = visible
        kf = self.episodic.observe_frame(
            obs.frame_index,
            obs.time,
            obs.agent,
            room,
            visible,
            obs.intrinsics.width * obs.intrinsics.height,
            lambda: obs.rgb,  # read for a keyframe's thumbnail only: colour may be deferred
        )
        self._last_frame = (t, room, obs.agent)
        self._frames_since_commit += 1
        committed = False
        if self.store is not None and self._frames_since_commit >= self.config.commit_every:
            self.commit()
            committed = True
        return IngestResult(upd, entries, kf, changed, committed)

    def recent_detections(self) -> list[tuple[Observation, list[Detection]]]:
        """The last few ingested frames (oldest first) with everything perception detected in
        each, including the detections too small for the mapper to make (or update) an object
        of: one frame's detector can miss, merge or mislabel a thing the next one sees."""
        return [(obs, list(dets)) for obs, dets in self._recent_inputs]

    def resight(self, memory_id: str, point: Sequence[float]) -> None:
        """The agent sees remembered object ``memory_id`` at ``point`` in its latest frame
        (its own depth and pose) though memory had it elsewhere: an observation there, in the
        same receptacle relation, as of that frame's time."""
        if self._last_frame is None:
            raise ValueError("resight needs an ingested frame (the sighting's time)")
        p = np.asarray(point, dtype=float)
        if p.shape != (3,) or not np.all(np.isfinite(p)):
            raise ValueError(f"point must be a finite (x, y, z) world point, got {point!r}")
        lt = self.long_term
        mid = lt.resolve(memory_id)
        lt.graph.record(mid, self._last_frame[0], kind=TimelineKind.OBSERVED, centroid=p)
        lt.touch(mid)
        if mid in self.mapper.objects:
            self.mapper.relocate(mid, p)

    def point_at(self, frame_index: int, u: int, v: int) -> np.ndarray | None:
        """The world point at pixel (u, v) of a recently ingested frame, from that frame's depth
        and pose as perception gave them (the memory's own frame of reference: with a drifting
        pose, the point drifts with the rest of memory); None if the frame is gone or has no
        depth there."""
        for obs, _ in reversed(self._recent_inputs):
            if obs.frame_index != frame_index:
                continue
            z = float(obs.depth[v, u])
            if not np.isfinite(z) or z <= 0:
                return None
            return pixels_to_world(
                np.array([u], float),
                np.array([v], float),
                np.array([z]),
                obs.intrinsics,
                obs.cam_to_world,
            )[0]
        return None

    def observe(self, obs: Observation, perceiver: Any) -> IngestResult:
        """Segment ``obs`` with ``perceiver`` and ingest the result.

        ``perceiver`` is a :class:`~embodied_mem.perception.pipeline.Perceiver` (or anything
        with ``detect(obs) -> (obs_used, detections)``, or that callable itself). A frame it
        rejects as bad follows ``on_bad_frame`` like one :meth:`ingest` rejects.
        """
        detect = getattr(perceiver, "detect", perceiver)
        try:
            used, detections = detect(obs)
        except FrameError as exc:
            return self.reject(obs, exc)
        return self.ingest(used, detections)

    def admit(self, obs: Observation) -> bool:
        """Whether ``obs`` is well-formed; a bad one is counted (False) or raises, per
        ``on_bad_frame``. For callers that act on a frame before :meth:`observe` (recorders)."""
        try:
            if not isinstance(obs, Observation):
                raise FrameError(
                    f"expected an Observation, got {type(obs).__name__}", "observation"
                )
            obs.validate()
        except FrameError as exc:
            self.reject(obs, exc)
            return False
        return True

    def reject(self, obs: Observation, error: FrameError) -> IngestResult:
        """Apply the bad-frame policy to ``obs``, which failed validation with ``error``.

        Nothing but the rejection counters changes. Raises under ``on_bad_frame="raise"``.
        """
        where = f"frame {getattr(obs, 'frame_index', '?')!r} rejected ({error.reason})"
        if self.config.on_bad_frame == "raise":
            raise FrameError(
                f"{where}: {error}. Memory is unchanged; fix the frame's source, or set "
                "MemoryConfig.on_bad_frame='skip' to count and skip bad frames",
                error.reason,
            ) from error
        self.rejected_frames += 1
        self.rejected_by_reason[error.reason] = self.rejected_by_reason.get(error.reason, 0) + 1
        logger.warning("%s, skipped: %s", where, error)
        return IngestResult(None, skipped=str(error), reason=error.reason)

    def _update_short_term(self, upd: MapperUpdate, obs: Observation) -> list[STMEntry]:
        for absorbed, kept in upd.merged:
            self.short_term.rename(absorbed, kept)
        for rid in upd.removed:
            self.short_term.forget(rid)
        out: list[STMEntry] = []
        for mid in (*upd.created, *upd.updated):
            st = self.long_term.state(mid)
            if st is None or st.state == "held":
                continue
            e = self.short_term.observe(
                mid, st.category, st.position, obs.time.seconds, obs.frame_index, st.state
            )
            if e is not None:
                out.append(e)
        return out

    # ------------------------------------------------------------------ interactions
    def _is_receptacle(self, category: str) -> bool:
        return self.long_term.layer_for(category) is Layer.RECEPTACLE

    def record_interaction(
        self,
        kind: str | EventKind,
        time: SimTime,
        frame_index: int,
        point_xyz: Sequence[float],
        *,
        end_time: SimTime | None = None,
        end_frame: int | None = None,
        pose: AgentPose | None = None,
        room_id: str | None = None,
    ) -> Event:
        """Apply and log the agent's own interaction at world point ``point_xyz``.

        pick: the nearest memory object becomes held. place: the held object (else the nearest)
        is relocated to the point, on/into the receptacle there. open/close: the nearest
        receptacle changes state. Returns the logged event.
        """
        k = EventKind.parse(kind)
        if k not in (EventKind.PICK, EventKind.PLACE, EventKind.OPEN, EventKind.CLOSE):
            raise ValueError(
                f"record_interaction kind must be pick/place/open/close, got {k.value!r}"
            )
        p = np.asarray(point_xyz, dtype=float)
        if p.shape != (3,) or not np.all(np.isfinite(p)):
            raise ValueError(f"point_xyz must be a finite (x, y, z) world point, got {point_xyz!r}")
        # Checked before anything changes, like a frame (these raise FrameError, a ValueError).
        for t in (time, end_time):
            if t is not None:
                check_sim_time(t)
        if pose is not None:
            check_agent_pose(pose)
        check_text_id(room_id, "room_id")
        if self.day is None or time.day != self.day:
            self.start_day(time.day)
        t = time.seconds
        lt = self.long_term
        obj = src = tgt = None
        if k is EventKind.PICK:
            # What is at the point, else a small thing seen there (never mapped), else the
            # nearest remembered object within reach — each of the kind the agent's own view
            # shows at the point when it shows one: a cup 10 cm from the egg taken is not
            # the egg, nor is a teddy bear 1 m from a watch too small to map so far.
            kind = kind_at(p, self._recent_inputs, self._is_receptacle)
            obj = lt.nearest(p, Layer.OBJECT, max_distance=ADOPT_REACH, category=kind)
            obj = obj or adopt_detection_at(
                self, p, self._recent_inputs, ADOPT_REACH, category=kind
            )
            # Reaching further is a guess, made only for a kind the view shows near the point:
            # when it shows none there (a tissue box in a drawer the detector missed), the
            # nearest remembered thing of any kind was a "remote control" made of one
            # mislabelled view of the drawer; unlinked, the pick is linked to the thing that
            # turns up where it is put down (:class:`Relinker`).
            if obj is None:
                near = kind or kind_at(p, self._recent_inputs, self._is_receptacle, reach=SEEN_NEAR)
                obj = None if near is None else lt.nearest(p, Layer.OBJECT, category=near)
            if obj is not None:
                src = lt.apply_pick(obj, t, p)
                self.mapper.agent_handled(obj, lt.receptacle_kinds)
        elif k is EventKind.PLACE:
            # Holding something picked before it was in memory: the nearest remembered object
            # is not what was carried (it stays unlinked until its object shows up).
            obj = lt.held if lt.held is not None else None
            if obj is None and not self.relinker.holding_unknown:
                obj = lt.nearest(p, Layer.OBJECT)
            if obj is not None:
                tgt = lt.receptacle_at(p, exclude=[obj])
                # Where the thing rests as memory can tell; the event keeps where the agent acted.
                rest = lt.resting_point(tgt, p)
                lt.apply_place(obj, tgt, t, rest)
                if obj in self.mapper.objects:
                    self.mapper.relocate(obj, rest)
        else:
            obj = lt.container_at(p, opening=k is EventKind.OPEN)
            if obj is not None:
                lt.apply_open(obj, t, opened=k is EventKind.OPEN)
        if obj is None:
            self.unresolved_interactions += 1
            logger.warning(
                "%s at %s: no memory object within %.2f m; logged without an object",
                k.value,
                np.round(p, 2).tolist(),
                lt.config.interaction_radius,
            )
        else:
            st = lt.state(obj)
            assert st is not None
            self.short_term.record_interaction(
                obj,
                st.category,
                k.value,
                st.position,
                t,
                frame_index,
                state=st.state,
                receptacle_id=src or tgt,
            )
        room = (
            room_id
            if room_id is not None
            else (self._last_frame[1] if self._last_frame else lt.room_at(p[0], p[1]))
        )
        event = self.episodic.add_event(
            k,
            time,
            frame_index,
            end_time=None if end_time is None else end_time.seconds,
            end_frame=end_frame,
            object_id=obj,
            source_id=src,
            target_id=tgt,
            room_id=room,
            point=(float(p[0]), float(p[1]), float(p[2])),
            pose=pose if pose is not None else (self._last_frame[2] if self._last_frame else None),
        )
        if obj is None and k is EventKind.PICK:
            self.relinker.picked(event)
        elif obj is None and k is EventKind.PLACE:
            self.relinker.placed(event)
            if self.relinker.link_at_place(self, self._recent_inputs, self._is_receptacle):
                placed = event.event_id  # relinked in the log: hand back the linked version
                event = next(e for e in reversed(self.episodic.events) if e.event_id == placed)
        return event

    # ------------------------------------------------------------------ days / persistence
    def start_day(self, day: int) -> None:
        """Close the current day (room visit, consolidation, commit) and start ``day``."""
        if self.day is not None and day < self.day:
            raise ValueError(f"cannot go back from day {self.day} to day {day}")
        if self.day is not None and day != self.day:
            self.episodic.end_day()
            n = self.short_term.consolidate(self.long_term)
            logger.info("day %d closed: %d short-term entries consolidated", self.day, n)
            self._last_frame = (
                None if self._last_frame is None else (self._last_frame[0], None, None)
            )
        self.day = day
        if self.store is not None:
            self.commit()

    def commit(self, *, full: bool = False) -> None:
        """Write everything changed since the last commit as one transaction (no-op without a store).

        Raises:
            MemoryStoreError: the memory was opened read-only.
        """
        if self.read_only:
            raise read_only_error(self)
        if self.store is None:
            return
        batch = full_batch(self) if full else pending_batch(self)
        self.store.commit_batch(batch)
        self.long_term.dirty.clear()
        self.long_term.removed.clear()
        self.episodic.clear_pending()
        self.free_space.dirty = False
        self._frames_since_commit = 0

    def save(self, path: str | Path) -> None:
        """Persist to ``path``: commit if it is the attached store, else write a full copy there
        (and attach it when no store was attached; a read-only memory stays read-only).

        Raises:
            MemoryStoreError: ``path`` is the file this memory was opened read-only from.
            ValueError: ``path`` already holds another memory.
        """
        target = Path(path).resolve()
        if self.store is not None and target == self.store.path.resolve():
            self.commit()
        else:
            save_copy(self, path)

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        config: MemoryConfig | None = None,
        embedder: Any = None,
        read_only: bool = False,
    ) -> AgentMemory:
        """Reopen a saved memory; new frames/days append to the same file.

        ``config`` None uses the config saved with the memory (defaults if none was saved).

        A writer (the default) holds the file's single-writer lock until :meth:`close`;
        while another process holds it this raises
        :class:`~embodied_mem.memory.store.MemoryInUseError` naming that process's pid.

        ``read_only=True`` (what ``viz`` and ``ask`` use) loads a consistent snapshot of every
        batch committed so far — also while a writer is live — and never writes the file: no
        lock, no journal switch, no checkpoint, and :meth:`commit` and :meth:`close` write
        nothing (:meth:`commit` raises). The result queries like any memory; frames ingested
        into it stay in RAM.

        Raises:
            FileNotFoundError: nothing at ``path``.
            MemoryStoreError: an empty file, another application's file, a corrupt or newer
                memory (the file is left untouched), or a writer already holds it.
        """
        return open_memory(cls, Path(path), config=config, embedder=embedder, read_only=read_only)

    def close(self) -> None:
        """Commit what is pending and release the file (nothing is written when read-only)."""
        if self.store is not None:
            try:
                self.commit()
            finally:
                self.store.close()
                self.store = None

    def __enter__(self) -> AgentMemory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ reading
    def query(self, *, today: int | None = None) -> MemoryQuery:
        return MemoryQuery(self, today=today, config=self.config.retrieval)

    def embed_text(self, text: str) -> np.ndarray | None:
        return None if self._embed is None else self._embed(text)

    def _bytes_on_disk(self) -> int | None:
        if self.store is not None:
            return self.store.size_bytes()
        # A read-only open keeps everything in RAM and no connection; its file still counts.
        if self.source is not None and self.source.exists():
            return bytes_with_wal(self.source)
        return None

    def stats(self) -> MemoryStats:
        lt = self.long_term
        return MemoryStats(
            objects=len(lt.ids(layer="object")),
            receptacles=len(lt.ids(layer="receptacle")),
            rooms=len(lt.rooms),
            keyframes=len(self.episodic.keyframes),
            events=len(self.episodic.events),
            days=self.episodic.days(),
            bytes_on_disk=self._bytes_on_disk(),
            stm_entries=len(self.short_term),
            stm_hit_rate=self.short_term.stats.hit_rate,
            rejected_frames=self.rejected_frames,
            unresolved_interactions=self.unresolved_interactions,
            rejected_by_reason=dict(sorted(self.rejected_by_reason.items())),
        )
