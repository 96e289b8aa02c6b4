"""A small hand-scripted two-day memory shared by the memory tests.

House: ``SyntheticHouse(SynthConfig(seed=1, rooms=4))`` — kitchen (room_0), living room
(room_1), bedroom (room_2), bathroom (room_3, never visited).

Day 0 ("2 days ago" when today = 2): Apple_0_0_1 kitchen CounterTop → living Shelf (long),
Pen_1_1_0 CoffeeTable → Sofa (short, same room).
Day 1 ("yesterday"): Mug_1_0_1 Sofa → Fridge (opened/closed, cross-room), Candle_2_1_0 (red)
Dresser → Desk (same room), Apple_0_0_1 Shelf → CounterTop (its second move).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from embodied_mem.memory import AgentMemory, MemoryConfig
from embodied_mem.memory.synthetic import Interaction, SynthConfig, SyntheticHouse, run_day

DAY0 = [("Apple_0_0_1", "Shelf_1_2"), ("Pen_1_1_0", "Sofa_1_0")]
DAY1 = [
    ("Mug_1_0_1", "Fridge_0_1"),
    ("Candle_2_1_0", "Desk_2_2"),
    ("Apple_0_0_1", "CounterTop_0_0"),
]


@dataclass
class World:
    mem: AgentMemory
    house: SyntheticHouse
    gt: list[Interaction]

    def env_id(self, memory_id: str) -> str | None:
        """Evaluation-only link from a memory object to the env id (oracle votes)."""
        obj = self.mem.mapper.objects.get(self.mem.long_term.resolve(memory_id))
        return None if obj is None else obj.oracle_id

    def memory_id(self, env_id: str) -> str:
        for mid, obj in self.mem.mapper.objects.items():
            if obj.oracle_id == env_id:
                return mid
        raise KeyError(env_id)


def build_world(
    path: Path | None = None, config: MemoryConfig | None = None, embedder=None
) -> World:  # noqa: ANN001
    house = SyntheticHouse(SynthConfig(seed=1, rooms=4))
    mem = AgentMemory(house.rooms, config, path=path, embedder=embedder)
    gt = run_day(mem, house, 0, DAY0)
    mem.start_day(1)
    gt += run_day(mem, house, 1, DAY1)
    return World(mem, house, gt)
