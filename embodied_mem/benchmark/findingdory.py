"""FindingDory's Habitat episodes (findingdory-benchmark/findingdory-habitat) as project episodes.

The format, read from their public code (``findingdory/dataset/findingdory_dataset.py`` and
habitat-lab's ``RearrangeEpisode``/``OVMMDatasetV0`` it extends), is a JSON (often
``episodes.json.gz``) with ``episodes``: each has ``episode_id``, ``scene_id``,
``scene_dataset_config``, ``additional_obj_config_paths``, ``rigid_objs`` (object config
handle, and an index into ``transformations.npy`` whose rows are 3x4 transforms, or the 4x4
itself), ``candidate_objects`` / ``candidate_start_receps`` / ``candidate_goal_receps`` (and
``*_noninteracted``) goals with ``object_name``, ``object_category``, ``position`` and
``view_points`` (indices into ``viewpoints.npy`` whose rows are position(3), rotation(4),
iou; or ``{agent_state: {position, rotation}, iou}``), ``target_receptacles`` /
``goal_receptacles`` (``[name, ...]`` per moved object, in interaction order),
``name_to_receptacle`` and ``instructions`` (``task_k`` → ``task_id``, ``lang``,
``task_type``, ``goal_expr``, ``sequential_goals``, ...). Scene objects are named by
habitat-lab's convention ``<config stem>_:<instance>``; receptacles are
``<furniture instance>|<receptacle mesh>``; rooms ``region_<region id>``.

Each episode becomes an :class:`EpisodeSpec` for the habitat env: the scene, the episode's
rigid objects as pickables, and its rearrangements (object → goal receptacle, in their order)
for the ORACLE experience; its instructions are resolved into tasks after the experience by
:mod:`embodied_mem.benchmark.findingdory_goals`.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from embodied_mem.benchmark.episode import EpisodeFormatError, EpisodeSpec
from envs.habitat.frames import habitat_to_world

RIGID_PREFIX = "habitat/rigid/"
"""How the habitat env names a scene's own rigid objects (furniture)."""


@dataclass
class ViewPoint:
    position: np.ndarray
    rotation: np.ndarray
    iou: float


@dataclass
class ObjectGoal:
    """One candidate object or receptacle with its category and viewpoints (habitat frame)."""

    object_name: str
    object_category: str
    position: np.ndarray | None
    view_points: list[ViewPoint] = field(default_factory=list)


@dataclass
class Instruction:
    task_id: str
    lang: str
    task_type: str
    goal_expr: Any
    sequential_goals: Any = None


@dataclass
class FindingDoryEpisode:
    episode_id: str
    scene_id: str
    scene_dataset_config: str
    additional_obj_config_paths: list[str]
    rigid_objs: list[tuple[str, np.ndarray]]
    candidate_objects: list[ObjectGoal]
    candidate_objects_noninteracted: list[ObjectGoal]
    candidate_start_receps: list[ObjectGoal]
    candidate_goal_receps: list[ObjectGoal]
    target_receptacles: list[str]
    goal_receptacles: list[str]
    instructions: list[Instruction]

    def object_names(self) -> list[str]:
        """habitat-lab's instance names of ``rigid_objs``: ``<config stem>_:<k>`` per stem."""
        seen: Counter[str] = Counter()
        names = []
        for handle, _ in self.rigid_objs:
            stem = Path(handle).name.removesuffix(".object_config.json")
            names.append(f"{stem}_:{seen[stem]:04d}")
            seen[stem] += 1
        return names


def _read_json(path: Path) -> dict[str, Any]:
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        doc = json.loads(raw)
    except (OSError, json.JSONDecodeError) as exc:
        raise EpisodeFormatError(f"cannot read FindingDory episodes {path}: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("episodes"), list):
        raise EpisodeFormatError(f"{path}: a FindingDory dataset needs an 'episodes' list")
    return doc


def _view(v: Any, matrix: np.ndarray | None) -> ViewPoint:
    if isinstance(v, int | np.integer):
        if matrix is None:
            raise EpisodeFormatError("view points are indices but no viewpoints.npy was given")
        row = matrix[int(v)]
        return ViewPoint(np.asarray(row[:3], float), np.asarray(row[3:7], float), float(row[7]))
    state = v["agent_state"]
    return ViewPoint(
        np.asarray(state["position"], float), np.asarray(state["rotation"], float), float(v["iou"])
    )


def _goal(g: dict[str, Any], matrix: np.ndarray | None) -> ObjectGoal:
    pos = g.get("position")
    return ObjectGoal(
        object_name=str(g["object_name"]),
        object_category=str(g.get("object_category") or "object"),
        position=None if pos is None else np.asarray(pos, float),
        view_points=[_view(v, matrix) for v in g.get("view_points", [])],
    )


def _transform(t: Any, matrix: np.ndarray | None) -> np.ndarray:
    if isinstance(t, int | np.integer):
        if matrix is None:
            raise EpisodeFormatError("rigid_objs hold indices but no transformations.npy was given")
        return np.vstack([np.asarray(matrix[int(t)], float).reshape(3, 4), [0, 0, 0, 1]])
    m = np.asarray(t, float)
    return m if m.shape == (4, 4) else np.vstack([m.reshape(3, 4), [0, 0, 0, 1]])


def _episode(
    e: dict[str, Any], views: np.ndarray | None, tfs: np.ndarray | None
) -> FindingDoryEpisode:
    instr = e.get("instructions") or {}
    items = instr.values() if isinstance(instr, dict) else instr
    return FindingDoryEpisode(
        episode_id=str(e["episode_id"]),
        scene_id=str(e["scene_id"]),
        scene_dataset_config=str(e.get("scene_dataset_config", "default")),
        additional_obj_config_paths=list(e.get("additional_obj_config_paths", [])),
        rigid_objs=[(str(h), _transform(t, tfs)) for h, t in e.get("rigid_objs", [])],
        candidate_objects=[_goal(g, views) for g in e.get("candidate_objects") or []],
        candidate_objects_noninteracted=[
            _goal(g, views) for g in e.get("candidate_objects_noninteracted") or []
        ],
        candidate_start_receps=[_goal(g, views) for g in e.get("candidate_start_receps") or []],
        candidate_goal_receps=[_goal(g, views) for g in e.get("candidate_goal_receps") or []],
        target_receptacles=[str(r[0]) for r in e.get("target_receptacles", [])],
        goal_receptacles=[str(r[0]) for r in e.get("goal_receptacles", [])],
        instructions=[
            Instruction(
                str(i["task_id"]),
                str(i["lang"]),
                str(i.get("task_type", "")),
                i.get("goal_expr"),
                i.get("sequential_goals"),
            )
            for i in items
        ],
    )


def load_episodes(
    path: str | Path,
    viewpoints: str | Path | None = None,
    transformations: str | Path | None = None,
) -> list[FindingDoryEpisode]:
    """Read a FindingDory episodes file; the ``.npy`` matrices default to the files next to it
    (``viewpoints.npy``, ``transformations.npy``), as in their ``findingdory_hssd.yaml``.

    Raises:
        EpisodeFormatError: unreadable file, or an episode that lacks a field (named).
    """
    path = Path(path)
    doc = _read_json(path)

    def matrix(given: str | Path | None, default: str) -> np.ndarray | None:
        p = Path(given) if given else path.parent / default
        return np.load(p) if p.exists() else None

    views, tfs = (
        matrix(viewpoints, "viewpoints.npy"),
        matrix(transformations, "transformations.npy"),
    )
    out = []
    for n, e in enumerate(doc["episodes"]):
        try:
            out.append(_episode(e, views, tfs))
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise EpisodeFormatError(
                f"{path}: episode #{n} does not fit the format: {exc!r}"
            ) from exc
    return out


def receptacle_id(name: str) -> str:
    """Their receptacle name (``<furniture>_:0000|receptacle_mesh_...``) → the env's furniture id."""
    return RIGID_PREFIX + name.split("|")[0]


def _object_config(handle: str, episode: FindingDoryEpisode, data_root: Path) -> str:
    """The object config file ``handle`` names, searched under the episode's object paths."""
    name = Path(handle).name
    for folder in episode.additional_obj_config_paths:
        base = Path(folder) if Path(folder).is_absolute() else data_root / folder
        hits = sorted(base.rglob(name)) if base.is_dir() else []
        if hits:
            return str(hits[0])
    return handle


def read_attributes(path: str | Path) -> dict[str, dict[str, str]]:
    """Their object attribute CSV (``object_name`` → shape, color, material, ...)."""
    import csv

    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    if rows and "object_name" not in rows[0]:
        raise EpisodeFormatError(f"{path}: the attribute CSV needs an 'object_name' column")
    return {
        r["object_name"]: {
            k: v for k, v in r.items() if k not in ("object_name", "object_category") and v
        }
        for r in rows
    }


def episode_spec(
    episode: FindingDoryEpisode,
    data_root: str | Path,
    seed: int = 0,
    attributes: dict[str, dict[str, str]] | None = None,
    **env_options: Any,
) -> EpisodeSpec:
    """The habitat :class:`EpisodeSpec` of one FindingDory episode.

    ``data_root`` is the folder their paths are relative to (their ``data/`` folder's parent);
    ``attributes`` their object attribute table (see :func:`read_attributes`); ``env_options``
    add habitat settings (image size, ...).
    """
    root = Path(data_root)
    assets = {"_".join(n.split("_")[:-1]) for n in episode.object_names()}
    mine = {a: v for a, v in (attributes or {}).items() if a in assets}
    names = episode.object_names()
    categories = {
        g.object_name: g.object_category
        for g in episode.candidate_objects + episode.candidate_objects_noninteracted
    }
    objects = []
    for (handle, tf), name in zip(episode.rigid_objs, names, strict=True):
        pos = habitat_to_world(tf[:3, 3])
        objects.append(
            {
                "template": _object_config(handle, episode, root),
                "position": [float(v) for v in pos],
                "category": categories.get(name, "object"),
                "name": name,
            }
        )
    dataset = episode.scene_dataset_config
    if dataset != "default" and not Path(dataset).is_absolute():
        dataset = str(root / dataset)
    plan = [
        [g.object_name, receptacle_id(r)]
        for g, r in zip(episode.candidate_objects, episode.goal_receptacles, strict=False)
    ]
    rng = np.random.default_rng([seed, zlib.crc32(episode.episode_id.encode())])
    return EpisodeSpec(
        episode_id=f"findingdory-{episode.episode_id}",
        seed=int(rng.integers(2**31 - 1)),
        house_seed=int(rng.integers(2**31 - 1)),
        interactions_per_day=[max(1, len(plan))],
        env="habitat",
        env_options={
            **env_options,
            "scene": episode.scene_id,
            "scene_dataset": dataset,
            "objects": objects,
        },
        rearrangements=[plan],
        instructions=[
            {
                "task_id": i.task_id,
                "lang": i.lang,
                "task_type": i.task_type,
                "goal_expr": i.goal_expr,
                "sequential_goals": i.sequential_goals,
                **({"object_attributes": mine} if mine else {}),
            }
            for i in episode.instructions
        ],
    )
