"""A small FindingDory dataset written to their format (test helper).

Field names and layout follow findingdory-habitat's ``FindingDoryEpisode`` (habitat-lab's
``RearrangeEpisode`` + OVMM fields): ``episodes.json.gz`` with view points and rigid-object
transforms as indices into ``viewpoints.npy`` (rows: position, rotation, iou) and
``transformations.npy`` (rows: 3x4 transforms). The scene is the fake HSSD-style house of
``tests/fakes/habitat/scenes``; its furniture handles name the receptacles.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np

TABLE = "frl_apartment_table_01_:0000"
BED = "b1c3d5e7f9a1b3c5d7e9f1a3b5c7d9e1_:0000"
APPLE, CUP = "Apple_25_:0000", "Cup_3_:0000"


def _expr(kind: str, name: str, prop: str, value, predicate: str) -> dict:
    return {
        "expr_type": "AND",
        "quantifier": "EXISTS",
        "inputs": [
            {
                "name": name,
                "expr_type": kind,
                "properties": [
                    {"_target_": "DiscPddlEntityProperty", "name": prop, "value": value}
                ],
            }
        ],
        "sub_exprs": [f"{predicate}({name}, robot_0)"],
    }


INSTRUCTIONS = {
    "task_1": {
        "task_id": "task_1",
        "lang": "Navigate to the first object you interacted with.",
        "task_type": "interaction_order",
        "goal_expr": _expr(
            "movable_entity_type", "obj", "interaction_order", "first", "robot_at_object"
        ),
        "sampled_objects": [],
        "sampled_receps": [],
    },
    "task_2": {
        "task_id": "task_2",
        "lang": "Navigate to the receptacle you placed an object on.",
        "task_type": "goal_receptacle",
        "goal_expr": _expr(
            "static_receptacle_entity_type", "recep", "goal_receptacle", True, "robot_at_receptacle"
        ),
        "sampled_objects": [],
        "sampled_receps": [],
    },
    "task_3": {
        "task_id": "task_3",
        "lang": "Navigate to the cup.",
        "task_type": "object_category",
        "goal_expr": {"expr_type": "OR", "sub_exprs": [f"robot_at_object({CUP}, robot_0)"]},
        "sampled_objects": [],
        "sampled_receps": [],
    },
    "task_4": {
        "task_id": "task_4",
        "lang": "Navigate to the receptacle you picked the apple from, then to where you put it.",
        "task_type": "sequential_receptacles",
        "goal_expr": {
            "expr_type": "AND",
            "sub_exprs": [
                f"robot_at_receptacle({TABLE}|receptacle_mesh_top, robot_0)",
                f"robot_at_receptacle({BED}|receptacle_mesh_0, robot_0)",
            ],
        },
        "sequential_goals": {"0": "first", "1": "second"},
        "sampled_objects": [],
        "sampled_receps": [],
    },
    "task_5": {
        "task_id": "task_5",
        "lang": "Navigate to the object you interacted with at XX:XX.",
        "task_type": "interaction_timestep",
        "goal_expr": _expr("movable_entity_type", "obj", "interacted", True, "robot_at_object"),
        "sampled_objects": [],
        "sampled_receps": [],
    },
    "task_6": {
        "task_id": "task_6",
        "lang": "Pick up the apple.",
        "task_type": "pick",
        "goal_expr": {"expr_type": "AND", "sub_exprs": [f"holding({APPLE}, robot_0)"]},
        "sampled_objects": [],
        "sampled_receps": [],
    },
}


def write_dataset(root: Path, scene_dataset: Path) -> Path:
    """Episodes, matrices and object configs under ``root``; returns the episodes file."""
    objects = root / "data" / "objects"
    objects.mkdir(parents=True)
    for stem in ("Apple_25", "Cup_3"):
        config = {"render_asset": f"{stem}.glb", "fake_half_extents": [0.06, 0.06, 0.06]}
        (objects / f"{stem}.object_config.json").write_text(json.dumps(config))
    # habitat frame (y up): the apple on the frl table, the cup on the other table
    transforms = np.array(
        [
            [[1, 0, 0, 2.5], [0, 1, 0, 0.86], [0, 0, 1, 4.5]],
            [[1, 0, 0, 1.8], [0, 1, 0, 0.86], [0, 0, 1, 1.3]],
        ],
        dtype=np.float32,
    ).reshape(2, 12)
    views = np.array(
        [
            [2.5, 0.0, 3.5, 0, 0, 0, 1, 0.4],
            [2.5, 0.0, 3.6, 0, 0, 0, 1, 0.6],
            [5.2, 0.0, 4.5, 0, 0.7071, 0, 0.7071, 0.5],
        ],
        dtype=np.float32,
    )
    episode = {
        "episode_id": "7",
        "scene_id": "hssd_house",
        "scene_dataset_config": str(scene_dataset),
        "additional_obj_config_paths": ["data/objects"],
        "start_position": [4.0, 0.0, 3.0],
        "start_rotation": [0, 0, 0, 1],
        "info": {},
        "ao_states": {},
        "rigid_objs": [["Apple_25.object_config.json", 0], ["Cup_3.object_config.json", 1]],
        "targets": {},
        "markers": [],
        "name_to_receptacle": {APPLE: f"{TABLE}|receptacle_mesh_top", CUP: "unknown"},
        "object_category": "apple",
        "start_recep_category": "table",
        "goal_recep_category": "bed",
        "candidate_objects": [
            {
                "object_id": "0",
                "object_name": APPLE,
                "object_category": "apple",
                "position": [2.5, 0.86, 4.5],
                "view_points": [0],
            }
        ],
        "candidate_objects_noninteracted": [
            {
                "object_id": "1",
                "object_name": CUP,
                "object_category": "cup",
                "position": [1.8, 0.86, 1.3],
                "view_points": [],
            }
        ],
        "candidate_start_receps": [
            {
                "object_id": "2",
                "object_name": f"{TABLE}|receptacle_mesh_top",
                "object_category": "table",
                "position": None,
                "view_points": [1],
            }
        ],
        "candidate_goal_receps": [
            {
                "object_id": "3",
                "object_name": f"{BED}|receptacle_mesh_0",
                "object_category": "bed",
                "position": None,
                "view_points": [2],
            }
        ],
        "target_receptacles": [[f"{TABLE}|receptacle_mesh_top", 0]],
        "goal_receptacles": [[f"{BED}|receptacle_mesh_0", 0]],
        "instructions": INSTRUCTIONS,
    }
    out = root / "data" / "datasets" / "findingdory" / "val"
    out.mkdir(parents=True)
    np.save(out / "viewpoints.npy", views)
    np.save(out / "transformations.npy", transforms)
    path = out / "episodes.json.gz"
    doc = {
        "obj_category_to_obj_category_id": {"apple": 0, "cup": 1},
        "recep_category_to_recep_category_id": {"table": 0, "bed": 1},
        "episodes": [episode],
    }
    path.write_bytes(gzip.compress(json.dumps(doc).encode()))
    return path
