"""Recording runs and replaying them through perception and memory without a simulator.

- :class:`RunRecorder` — the agent loop's recorder (frames, interactions, actions, task
  traces, memory snapshots) writing a run directory (:mod:`embodied_mem.replay.format`).
- :func:`load_run` — read a run directory; :meth:`RecordedRun.items` yields frames and
  interactions in recorded order.
- :func:`replay` — rebuild the memory (optionally under ``memory_overrides``);
  :func:`verify_replay` — compare it with the recorded memory (exact).
"""

from __future__ import annotations

from embodied_mem.replay.format import RunFormatError
from embodied_mem.replay.recorder import RunRecorder
from embodied_mem.replay.replay import build_perceive, memory_config, replay, verify_replay
from embodied_mem.replay.run import RecordedFrame, RecordedInteraction, RecordedRun, load_run
from embodied_mem.replay.state import diff_states, memory_state

__all__ = [
    "RecordedFrame",
    "RecordedInteraction",
    "RecordedRun",
    "RunFormatError",
    "RunRecorder",
    "build_perceive",
    "diff_states",
    "load_run",
    "memory_config",
    "memory_state",
    "replay",
    "verify_replay",
]
