"""Headless MuJoCo rendering of RGB, metric depth and instance ids from one camera.

One GL context, scene and MjrContext are made once and reused for every frame. Depth and
segmentation come from a single render pass (MuJoCo's segmentation mode still writes the depth
buffer), RGB from a second pass only when asked, so depth-and-masks-only mode costs one pass.
The backend is EGL unless ``MUJOCO_GL=osmesa``; if EGL cannot start, OSMesa is tried.
"""

from __future__ import annotations

import importlib
import logging
import math
import os
import sys
import weakref
from typing import Any

import mujoco
import numpy as np

logger = logging.getLogger(__name__)


class RenderBackendError(RuntimeError):
    """No headless OpenGL backend could be started."""


def _load_context(backend: str, width: int, height: int) -> Any:
    if backend not in ("egl", "osmesa"):
        raise RenderBackendError(
            f"MUJOCO_GL={backend!r} is not supported headless; use 'egl' or 'osmesa'"
        )
    if backend == "osmesa" and os.environ.get("PYOPENGL_PLATFORM", "osmesa") != "osmesa":
        # PyOpenGL binds its platform on first import; re-import it for OSMesa.
        for name in [m for m in sys.modules if m == "OpenGL" or m.startswith("OpenGL.")]:
            del sys.modules[name]
        os.environ["PYOPENGL_PLATFORM"] = "osmesa"
    module = importlib.import_module(f"mujoco.{backend}")
    return module.GLContext(width, height)


LLVMPIPE_THREADS = "0"
"""Mesa's software rasteriser (llvmpipe, what EGL and OSMesa run on a machine without a GPU)
draws on the calling thread rather than on helper threads. On our 320x240 frames its threads
cost more in hand-offs than they save: measured 1.77 -> 1.45 ms of CPU (and of wall time) per
step of the built-in env, the same pixels. A user's own ``LP_NUM_THREADS`` wins; GPU drivers
ignore it."""


def make_gl_context(width: int, height: int) -> tuple[Any, str]:
    """A current offscreen GL context and the backend name; EGL first, OSMesa as fallback."""
    # Mesa reads it when the first context's screen is made: set before any context.
    os.environ.setdefault("LP_NUM_THREADS", LLVMPIPE_THREADS)
    wanted = os.environ.get("MUJOCO_GL", "egl").lower()
    order = [wanted] + [b for b in ("egl", "osmesa") if b != wanted]
    errors = []
    for backend in order:
        try:
            ctx = _load_context(backend, width, height)
            ctx.make_current()
            return ctx, backend
        except Exception as exc:  # noqa: BLE001 - every backend failure is reported together below
            errors.append(f"{backend}: {exc}")
            logger.debug("GL backend %s failed: %s", backend, exc)
    raise RenderBackendError(
        "could not start headless OpenGL (" + "; ".join(errors) + "). Install EGL "
        "(apt-get install libegl1 libgl1) or OSMesa (apt-get install libosmesa6) and set MUJOCO_GL=egl or osmesa."
    )


CULL_MARGIN = 0.05
"""Metres added to a geom's bounding radius before it is judged out of view: the test is then
safely conservative against rounding (a geom kept needlessly costs only time)."""


def _free(holder: dict[str, Any]) -> None:
    """Free the MuJoCo render context, then the GL context (also at interpreter exit)."""
    ctx, gl = holder.pop("ctx", None), holder.pop("gl", None)
    if gl is not None:
        gl.make_current()
    if ctx is not None:
        ctx.free()
    if gl is not None:
        gl.free()


class SceneRenderer:
    """Renders a model's fixed camera ``camera`` into RGB / depth / instance-id images.

    Args:
        width, height: image size in pixels.
        camera: name of the camera in the models it will draw (see :meth:`bind`).
    """

    def __init__(self, width: int, height: int, camera: str) -> None:
        self.width, self.height, self.camera_name = width, height, camera
        self._gl, self.backend = make_gl_context(width, height)
        self.ctx: mujoco.MjrContext | None = None
        # Freed explicitly by close(), else before interpreter teardown: the GL wrappers'
        # own __del__ fails once modules are half gone.
        self._holder: dict[str, Any] = {"gl": self._gl}
        self._finalizer = weakref.finalize(self, _free, self._holder)
        self.rect = mujoco.MjrRect(0, 0, width, height)
        self._seg = np.empty((height, width, 3), dtype=np.uint8)
        self._zbuf = np.empty((height, width), dtype=np.float32)
        self._rgb = np.empty((height, width, 3), dtype=np.uint8)
        self._table: np.ndarray | None = None
        self._table_ngeom = -1
        self._scene_geom: np.ndarray | None = None
        self._closed = False

    def bind(self, model: mujoco.MjModel, data: mujoco.MjData, geom_instance: np.ndarray) -> None:
        """Draw ``model``/``data`` from now on; the GL context is kept, the model context remade.

        Args:
            geom_instance: (ngeom,) int32 instance id of every model geom (0 = background).
        """
        self._check_open()
        self._gl.make_current()
        if self.ctx is not None:
            self.ctx.free()
        self.model, self.data = model, data
        self.scene = mujoco.MjvScene(model, maxgeom=max(1000, 2 * model.ngeom))
        self.option = mujoco.MjvOption()
        self.ctx = mujoco.MjrContext(model, mujoco.mjtFontScale.mjFONTSCALE_150)
        self._holder["ctx"] = self.ctx
        mujoco.mjr_setBuffer(mujoco.mjtFramebuffer.mjFB_OFFSCREEN, self.ctx)
        self.ctx.readDepthMap = mujoco.mjtDepthMap.mjDEPTH_ZEROFAR
        for flag in (
            mujoco.mjtRndFlag.mjRND_SHADOW,
            mujoco.mjtRndFlag.mjRND_REFLECTION,
            mujoco.mjtRndFlag.mjRND_SKYBOX,
            mujoco.mjtRndFlag.mjRND_HAZE,
        ):
            self.scene.flags[flag] = False
        self.camera = mujoco.MjvCamera()
        self.camera.type = mujoco.mjtCamera.mjCAMERA_FIXED
        self.camera.fixedcamid = mujoco.mj_name2id(
            model, mujoco.mjtObj.mjOBJ_CAMERA, self.camera_name
        )
        if self.camera.fixedcamid < 0:
            raise ValueError(f"camera {self.camera_name!r} is not in the model")
        self.geom_instance = np.asarray(geom_instance, dtype=np.int32)
        self._table = None
        self._scene_geom = None
        near = float(model.vis.map.znear * model.stat.extent)
        far = float(model.vis.map.zfar * model.stat.extent)
        self.far = far
        self._near = near
        # Reversed-Z (ZEROFAR) window depth → metric: z = d_coef / (buf + c_coef), as in mujoco.Renderer.
        c = -(far + near) / (far - near)
        dd = -(2.0 * far * near) / (far - near)
        self._c_coef, self._d_coef = -0.5 * c - 0.5, -0.5 * dd

    def update(self) -> None:
        """Rebuild the abstract scene from ``data`` (call after poses change)."""
        mujoco.mjv_updateScene(
            self.model,
            self.data,
            self.option,
            None,
            self.camera,
            mujoco.mjtCatBit.mjCAT_ALL,
            self.scene,
        )
        self._cull_out_of_view()

    def _cull_out_of_view(self) -> None:
        """Leave out of the GL passes the model geoms whose bounding sphere lies wholly outside
        the camera's view (behind it or past a side of the image).

        Software GL does the per-geom set-up and vertex work for every geom drawn, covered
        pixels or not; about 80 % of a house's geoms are out of any one view, and leaving them
        out makes a pass ~17 % cheaper here (the fragment work of what is in view stays). A
        geom outside the view volume adds no fragment, so the images are the same bits;
        segmentation colours are scene indices, which are kept.
        """
        n = self.scene.ngeom
        scene_geom = self._scene_geoms(n)
        model, data = self.model, self.data
        cid = self.camera.fixedcamid
        # MuJoCo camera frame: x right, y up, looking along -z.
        rel = (data.geom_xpos[scene_geom.clip(0)] - data.cam_xpos[cid]) @ data.cam_xmat[
            cid
        ].reshape(3, 3)
        ahead = -rel[:, 2]
        radius = model.geom_rbound[scene_geom.clip(0)] + CULL_MARGIN
        ty = math.tan(math.radians(float(model.cam_fovy[cid])) / 2)
        tx = ty * self.width / self.height
        out = ahead < self._near - radius
        out |= np.abs(rel[:, 0]) - tx * ahead > radius * math.hypot(1.0, tx)
        out |= np.abs(rel[:, 1]) - ty * ahead > radius * math.hypot(1.0, ty)
        # Only model geoms, and never an infinite plane (bounding radius 0).
        out &= (scene_geom >= 0) & (model.geom_rbound[scene_geom.clip(0)] > 0)
        geoms = self.scene.geoms
        for i in np.flatnonzero(out).tolist():
            geoms[i].type = mujoco.mjtGeom.mjGEOM_NONE

    def _scene_geoms(self, n: int) -> np.ndarray:
        """(n,) model geom id of each scene geom, -1 for the scene's own decorations (the
        list is the same every frame, like :meth:`_instance_table`'s)."""
        if self._scene_geom is None or len(self._scene_geom) != n:
            self._scene_geom = np.array(
                [
                    g.objid if g.objtype == mujoco.mjtObj.mjOBJ_GEOM else -1
                    for g in self.scene.geoms[:n]
                ],
                dtype=np.int64,
            )
        return self._scene_geom

    def _begin_frame(self) -> None:
        """Make the GL context current and rebuild the scene from ``data``."""
        self._check_open()
        if self.ctx is None:
            raise RuntimeError(
                "SceneRenderer.bind(model, data, ...) must be called before rendering"
            )
        self._gl.make_current()
        self.update()

    def render_raw(self, rgb: bool) -> None:
        """The GL work only (render passes and pixel reads), for benchmarking against."""
        self._begin_frame()
        self.scene.flags[mujoco.mjtRndFlag.mjRND_SEGMENT] = True
        self.scene.flags[mujoco.mjtRndFlag.mjRND_IDCOLOR] = True
        try:
            mujoco.mjr_render(self.rect, self.scene, self.ctx)
            mujoco.mjr_readPixels(self._seg, self._zbuf, self.rect, self.ctx)
        finally:
            self.scene.flags[mujoco.mjtRndFlag.mjRND_SEGMENT] = False
            self.scene.flags[mujoco.mjtRndFlag.mjRND_IDCOLOR] = False
        if rgb:
            mujoco.mjr_render(self.rect, self.scene, self.ctx)
            mujoco.mjr_readPixels(self._rgb, None, self.rect, self.ctx)

    def render(self, rgb: bool = True) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
        """(rgb (H, W, 3) uint8 or None, depth (H, W) float32 metres, ids (H, W) int32)."""
        self.render_raw(rgb)
        # OpenGL rows start at the bottom; images start at the top. float64 for the reversed-Z
        # division, as mujoco.Renderer does, to keep far depths exact.
        z = self._zbuf[::-1].astype(np.float64)
        z += self._c_coef
        np.divide(self._d_coef, z, out=z)
        depth = z.astype(np.float32)
        depth[~(depth < 0.999 * self.far)] = 0.0  # nothing hit: no reading
        seg = self._seg[::-1]
        if self.scene.ngeom >= 65535:
            raise RuntimeError(
                "more than 65534 geoms in view; segmentation decoding supports two bytes"
            )
        # Segmentation colour = scene geom index + 1 in its low two bytes; one gather maps it.
        segid = seg[..., 1].astype(np.intp)
        segid <<= 8
        segid |= seg[..., 0]
        ids = self._instance_table().take(segid)
        image = np.ascontiguousarray(self._rgb[::-1]) if rgb else None
        return image, depth, ids

    def render_rgb(self) -> np.ndarray:
        """The colour pass alone, (H, W, 3) uint8, of the scene as ``data`` poses it now (a
        frame whose colour was deferred: the env puts that frame's poses back first)."""
        self._begin_frame()
        mujoco.mjr_render(self.rect, self.scene, self.ctx)
        mujoco.mjr_readPixels(self._rgb, None, self.rect, self.ctx)
        return np.ascontiguousarray(self._rgb[::-1])

    def _instance_table(self) -> np.ndarray:
        """(65536,) lookup from segmentation id (geom index + 1, 0 = nothing) to instance id.

        The scene lists the same geoms in the same order every frame (this env never hides a
        geom; held objects are moved out of sight), so the table only changes with ``ngeom``.
        """
        n = self.scene.ngeom
        if self._table is not None and self._table_ngeom == n:
            return self._table
        flat = np.zeros(256 * 256, dtype=np.int32)
        for g in self.scene.geoms[:n]:
            if g.objtype == mujoco.mjtObj.mjOBJ_GEOM and g.segid >= 0:
                flat[g.segid + 1] = self.geom_instance[g.objid]
        self._table, self._table_ngeom = flat, n
        return self._table

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("renderer is closed; create a new env")

    def close(self) -> None:
        """Release the GL resources; safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        self.ctx = None
        self._finalizer()
