"""Built-in renderer: leaving out-of-view geoms out of the GL passes changes no pixel."""

from __future__ import annotations

import mujoco
import numpy as np

from envs.builtin import render as render_mod
from envs.builtin.config import BuiltinEnvConfig
from envs.builtin.env import BuiltinHouseEnv
from envs.types import AgentPose


def test_culled_frames_are_the_full_scene_frames_bit_for_bit(monkeypatch):
    env = BuiltinHouseEnv(BuiltinEnvConfig(width=160, height=120, rgb_on_demand=False))
    cull = render_mod.SceneRenderer._cull_out_of_view
    rng = np.random.default_rng(7)
    shares = []
    try:
        for seed in (0, 3):
            env.reset(seed=seed)
            for _ in range(25):
                xy = env.navigability.sample_navigable(rng)
                yaw, pitch = rng.uniform(-np.pi, np.pi), rng.uniform(-1.0, 1.0)
                env.agent = AgentPose((float(xy[0]), float(xy[1]), 0.0), float(yaw), float(pitch))
                monkeypatch.setattr(render_mod.SceneRenderer, "_cull_out_of_view", cull)
                culled = env.observe()
                scene = env._renderer.scene
                none = [g.type == mujoco.mjtGeom.mjGEOM_NONE for g in scene.geoms[: scene.ngeom]]
                shares.append(np.mean(none))
                monkeypatch.setattr(
                    render_mod.SceneRenderer, "_cull_out_of_view", lambda self: None
                )
                full = env.observe()
                assert culled.rgb.tobytes() == full.rgb.tobytes()
                assert culled.depth.tobytes() == full.depth.tobytes()
                assert culled.instance_ids.tobytes() == full.instance_ids.tobytes()
    finally:
        env.close()
    # The cull does something: most of a house is out of any one view.
    assert np.mean(shares) > 0.4
