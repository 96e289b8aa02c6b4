"""The gate every frame passes before :class:`~embodied_mem.memory.AgentMemory` changes anything.

:func:`check_frame` validates the observation, the detections (via the mapper, which knows the
map's embedding size) and the frame's place in time, raising
:class:`~envs.validation.FrameError`; memory applies its ``on_bad_frame`` policy to that.
"""

from __future__ import annotations

from collections.abc import Sequence

from embodied_mem.perception.mapper import ObjectMapper
from embodied_mem.perception.types import Detection
from envs.types import Observation
from envs.validation import FrameError


def check_frame(
    mapper: ObjectMapper,
    obs: Observation,
    detections: Sequence[Detection],
    last_time: float | None,
    day: int | None,
) -> list[Detection]:
    """Validate a frame against the memory's current time and day; returns the detections with
    sanitised labels (pass those on). Changes nothing.

    Raises:
        FrameError: the first fault found (``reason`` names it).
    """
    if not isinstance(obs, Observation):
        raise FrameError(f"expected an Observation, got {type(obs).__name__}", "observation")
    detections = mapper.check(detections, obs)
    if last_time is not None and obs.time.seconds < last_time:
        raise FrameError(
            f"frame {obs.frame_index} at t={obs.time.seconds}s is older than the last "
            f"ingested frame (t={last_time}s); ingest frames in time order",
            "time_order",
        )
    if day is not None and obs.time.day < day:
        raise FrameError(
            f"frame {obs.frame_index} is from day {obs.time.day} but memory is at day {day}; "
            "ingest days in order",
            "time_order",
        )
    return detections
