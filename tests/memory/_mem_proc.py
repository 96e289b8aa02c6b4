"""A memory-using process driven line by line over stdin, for the cross-process tests.

Run as ``python _mem_proc.py`` (repo root on PYTHONPATH). Commands, one per line:

- ``ping``: answer once imports are done (a start barrier for races);
- ``create PATH`` / ``open PATH`` / ``open-ro PATH``: make the memory
  (``AgentMemory(rooms, path=PATH)``, ``AgentMemory.open(PATH)``,
  ``AgentMemory.open(PATH, read_only=True)``);
- ``frames N``: ingest N synthetic frames (one interaction every 4 frames) and commit;
- ``close``: close the memory.

Each command answers one line: ``ok <json>`` with the memory's committed state (pid, frames,
events, day span) or ``error <type>: <message>``.
"""

from __future__ import annotations

import json
import os
import sys

from embodied_mem.memory import AgentMemory, MemoryConfig
from embodied_mem.memory.synthetic import SynthConfig, SyntheticHouse, clock


def main() -> None:
    house = SyntheticHouse(SynthConfig(seed=3, rooms=2))
    mem: AgentMemory | None = None
    frame = 0
    for line in sys.stdin:
        cmd, *args = line.split()
        try:
            if cmd == "ping":
                pass
            elif cmd == "create":
                mem = None
                mem = AgentMemory(house.rooms, MemoryConfig(commit_every=5), path=args[0])
                frame = 0
            elif cmd == "open":
                mem = None
                mem = AgentMemory.open(args[0])
            elif cmd == "open-ro":
                mem = None
                mem = AgentMemory.open(args[0], read_only=True)
            elif cmd == "frames":
                assert mem is not None
                if mem.episodic.keyframes:  # continue after the last frame already stored
                    frame = max(frame, mem.episodic.keyframes[-1].frame_index + 1)
                for _ in range(int(args[0])):
                    room = house.rooms[(frame // 7) % 2].id
                    t = clock(0, frame * 2.0, house.config)
                    obs, dets = house.frame(frame, t, room)
                    mem.ingest(obs, dets)
                    if frame % 4 == 0:
                        mem.record_interaction("open", t, frame, [2.5, 3.5, 0.5])
                    frame += 1
                mem.commit()
            elif cmd == "close":
                assert mem is not None
                mem.close()
            else:
                raise ValueError(f"unknown command {cmd!r}")
        except Exception as exc:  # noqa: BLE001 - reported to the driving test
            print(f"error {type(exc).__name__}: {exc}".replace("\n", " "), flush=True)
            continue
        state: dict[str, object] = {"pid": os.getpid()}
        if mem is not None:
            span = mem.episodic.day_span(0)
            state["events"] = len(mem.episodic.events)
            state["keyframes"] = len(mem.episodic.keyframes)
            state["day_span"] = None if span is None else list(span)
        print("ok " + json.dumps(state), flush=True)


if __name__ == "__main__":
    main()
