"""Built-in renderer: Mesa's software rasteriser runs on the calling thread unless the user
says otherwise, and the frames are the same bits with its helper threads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A fresh process per setting: Mesa reads LP_NUM_THREADS once, at the first context.
FRAMES = """
import hashlib, json, os
from envs.actions import MoveForward, TurnLeft
from envs.builtin.config import BuiltinEnvConfig
from envs.builtin.env import BuiltinHouseEnv

env = BuiltinHouseEnv(BuiltinEnvConfig(width=160, height=120))
env.reset(seed=3)
digest = hashlib.sha1()
for action in [TurnLeft(), MoveForward(), TurnLeft(), TurnLeft(), MoveForward()]:
    obs = env.step(action)[0]
    for image in (obs.depth, obs.instance_ids, obs.rgb):
        digest.update(image.tobytes())
env.close()
print(json.dumps({"threads": os.environ.get("LP_NUM_THREADS"), "frames": digest.hexdigest()}))
"""


def _frames(threads: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "LP_NUM_THREADS"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    env.setdefault("MUJOCO_GL", "egl")
    if threads is not None:
        env["LP_NUM_THREADS"] = threads
    out = subprocess.run(
        [sys.executable, "-c", FRAMES], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_rasteriser_threads_default_to_none_and_change_no_pixel():
    default, threaded = _frames(None), _frames("2")
    assert default["threads"] == "0"  # set before the first GL context
    assert threaded["threads"] == "2"  # the user's own setting wins
    assert default["frames"] == threaded["frames"]
