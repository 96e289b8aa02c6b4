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


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@pytest.mark.parametrize("prefix", ["retrieval", "query_api", "long_term"])
def test_memory_modules_import_in_one_direction(prefix: str) -> None:
    """The retrieval and long-term modules take part in no import cycle (lazy and
    TYPE_CHECKING imports count: they are how the old modules hid theirs)."""
    modules = {_module_name(p): p for p in (ROOT / "embodied_mem" / "memory").rglob("*.py")}
    graph = nx.DiGraph()
    for name, path in modules.items():
        graph.add_node(name)
        for dep in _module_imports(path):
            # A submodule importing its own package's __init__ is not a cycle of interest.
            if dep in modules and not name.startswith(dep + "."):
                graph.add_edge(name, dep)
    ours = {m for m in modules if m.count(".") >= 2 and m.split(".")[2].startswith(prefix)}
    assert ours, f"no memory module starts with {prefix!r}"
    cycles = [c for c in nx.simple_cycles(graph) if ours & set(c)]
    assert cycles == [], f"import cycles through the {prefix} modules: {cycles}"


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
