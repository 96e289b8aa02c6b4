"""Long-term memory: the persistent 3D scene graph (KARMA's long-term memory, Mind Palace's
memory over time) built from the object mapper's tracks and the agent's own interactions.

- **Layers by category.** The mapper treats furniture and objects alike; here a node goes to
  the RECEPTACLE layer when its category is in ``LongTermConfig.receptacle_categories``
  (CounterTop, DiningTable, Shelf, Fridge, ...) and to the OBJECT layer otherwise.
- **Rooms are annotations**, not perception: the env's room records
  (:class:`envs.ground_truth.RoomRecord` — Habitat regions, AI2-THOR rooms, the built-in
  footprints) are given at construction, become ROOM nodes, and nodes are assigned to the room
  whose floor footprint contains their centroid.
- **Relations** (on/inside) come from geometry (:func:`scene_graph.infer_relation`) whenever an
  object's observation changes; a change of support is written into the node's timeline.
- **The agent's own interactions** are applied to timelines: picked → state held (parent
  cleared); placed → relocated onto/into the receptacle at time t; opened/closed → state.

Every change to a node marks it dirty so :class:`~embodied_mem.memory.memory.AgentMemory` can
persist only what changed.

**One record per object, one direction of update.** The object mapper
(:mod:`embodied_mem.perception.mapper`) owns geometry and association state only: per track
the full point cloud, the running embedding, label votes and the observation count, which
exist to match the next frame's detections and are merged or dropped freely. The scene-graph
node is the one record of the object: what memory believes (category, attributes, layer,
room, support relation, held/open state, confidence, timeline), what is persisted and what
every query reads. The graph is the record rather than the tracks because only it carries
time (world instances, history) and the agent's own actions, which perception cannot see.
Updates flow mapper → graph, once per frame, through the ``MapperUpdate``
(:meth:`LongTermMemory.apply_mapper_update`); memory never writes a track. The agent's own
actions reach each side through its API (``apply_pick``/``apply_place``/``apply_open`` here,
``ObjectMapper.relocate``/``agent_handled`` there), and a reopened memory rebuilds the
mapper's tracks from the stored nodes (:mod:`embodied_mem.memory.persist`).

Modules, in import order (no cycles): :mod:`.config` (categories, thresholds),
:mod:`.record` (:class:`LongTermRecord`: state and reads), :mod:`.updates`
(:class:`LongTermMemory`: the writers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from embodied_mem.lazy import lazy_exports

if TYPE_CHECKING:
    from embodied_mem.memory.long_term.config import (
        CONTAINER_CATEGORIES,
        RECEPTACLE_CATEGORIES,
        LongTermConfig,
        Point3,
        split_camel,
    )
    from embodied_mem.memory.long_term.record import LongTermRecord
    from embodied_mem.memory.long_term.updates import LongTermMemory

# Imported on first use, so importing one submodule does not load its siblings.
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".config": (
            "CONTAINER_CATEGORIES",
            "RECEPTACLE_CATEGORIES",
            "LongTermConfig",
            "Point3",
            "split_camel",
        ),
        ".record": ("LongTermRecord",),
        ".updates": ("LongTermMemory",),
    },
)

__all__ = [
    "CONTAINER_CATEGORIES",
    "RECEPTACLE_CATEGORIES",
    "LongTermConfig",
    "LongTermMemory",
    "LongTermRecord",
    "Point3",
    "split_camel",
]
