"""The memory↔planner seam: MemoryQueryAPI is complete, MemoryQuery implements it, and the
retrieval modules import in one direction."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import networkx as nx
import pytest
from _memworld import World, build_world

from embodied_mem.memory import AgentMemory, MemoryQuery, MemoryQueryAPI, RetrievalConfig
from embodied_mem.memory.query_api import EventQueries, ObjectQueries, RoomQueries, TimeQueries
from envs.timeutil import DayPeriods

ROOT = Path(__file__).resolve().parents[2]
GROUPS = (ObjectQueries, EventQueries, RoomQueries, TimeQueries)


def _protocol_members(proto: type) -> set[str]:
    own = set(vars(proto)) | set(getattr(proto, "__annotations__", {}))
    return {n for n in own if not n.startswith("_")}


def _api_members() -> set[str]:
    return set().union(*(_protocol_members(p) for p in (*GROUPS, MemoryQueryAPI)))


def test_memory_query_implements_the_protocol() -> None:
    assert isinstance(AgentMemory([]).query(), MemoryQueryAPI)


def test_every_public_query_method_is_part_of_the_seam() -> None:
    """A planner typed with MemoryQueryAPI can reach everything MemoryQuery answers."""
    public = {
        name
        for name, member in inspect.getmembers(MemoryQuery)
        if not name.startswith("_") and (callable(member) or isinstance(member, property))
    }
    assert public - _api_members() == set(), "add these to a group of memory/query_api.py"
    assert _api_members() - public - {"today"} == set(), "protocol members MemoryQuery lacks"


def test_each_method_belongs_to_exactly_one_group() -> None:
    seen: dict[str, str] = {}
    for proto in GROUPS:
        for name in _protocol_members(proto):
            assert name not in seen, f"{name} is in {seen.get(name)} and {proto.__name__}"
            seen[name] = proto.__name__


def test_protocol_signatures_match_the_implementation() -> None:
    for proto in GROUPS:
        for name in _protocol_members(proto):
            member = getattr(proto, name, None)
            if not callable(member):
                continue
            want = list(inspect.signature(member).parameters)
            have = list(inspect.signature(getattr(MemoryQuery, name)).parameters)
            if isinstance(inspect.getattr_static(MemoryQuery, name), staticmethod):
                want = want[1:]  # the protocol's ``self``
            assert have == want, f"{name}: protocol {want} vs MemoryQuery {have}"


def _module_imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):  # TYPE_CHECKING and local imports too
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def test_retrieval_modules_import_in_one_direction() -> None:
    package = ROOT / "embodied_mem" / "memory"
    modules = {f"embodied_mem.memory.{p.stem}": p for p in package.glob("*.py")}
    graph = nx.DiGraph()
    for name, path in modules.items():
        graph.add_node(name)
        graph.add_edges_from((name, dep) for dep in _module_imports(path) if dep in modules)
    seam = {m for m in modules if m.rsplit(".", 1)[1].startswith(("retrieval", "query_api"))}
    cycles = [c for c in nx.simple_cycles(graph) if seam & set(c)]
    assert cycles == [], f"import cycles through the retrieval modules: {cycles}"


@pytest.fixture(scope="module")
def world() -> World:
    return build_world()


def test_period_boundaries_come_from_the_config(world: World) -> None:
    early = DayPeriods(morning_end="07:30", afternoon_end="17:00")
    q = MemoryQuery(world.mem, config=RetrievalConfig(periods=early))
    picks = q.interactions(kind="pick", day=q.yesterday)
    expected = [h.event.event_id for h in picks if h.event.minutes_of_day < 7 * 60 + 30]
    morning = [
        h.event.event_id for h in q.interactions(kind="pick", day=q.yesterday, period="morning")
    ]
    default_morning = world.mem.query().interactions(kind="pick", day=q.yesterday, period="morning")
    assert morning == expected
    assert 0 < len(morning) < len(default_morning)
