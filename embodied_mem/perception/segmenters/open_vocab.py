"""Open-vocabulary detector (OWL-ViT / OWLv2 through transformers) from local weights.

No PyPI package ships detector weights, so ``model_path`` must point at a directory saved
with ``save_pretrained`` (model + processor); nothing is downloaded (``HF_HUB_OFFLINE=1``).
The zero-shot detector gives boxes; a box becomes a mask by keeping the box pixels whose
depth lies within ``depth_band`` of the box centre's median depth, which separates the object
from the wall or table behind it without a separate segmentation model.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from embodied_mem.perception.backproject import valid_depth
from embodied_mem.perception.embedders import local_transformers
from embodied_mem.perception.types import Detection
from envs.types import Observation

logger = logging.getLogger(__name__)


@dataclass
class OpenVocabSegmenterConfig:
    """Config of the open-vocabulary (OWL-ViT/OWLv2) segmenter."""

    model_path: str = ""
    """Local directory with the detector and its processor (``save_pretrained`` layout)."""
    queries: list[str] = field(default_factory=lambda: ["a mug", "an apple", "a chair", "a sofa"])
    """Text queries; a detection's category is its query with a leading article removed."""
    score_threshold: float = 0.1
    """Detections scoring below this are dropped."""
    nms_iou: float = 0.5
    """Class-agnostic non-maximum suppression IoU (boxes overlapping more are suppressed)."""
    max_detections: int = 50
    """Keep at most this many detections per frame (highest scores)."""
    depth_band: float = 0.15
    """Box pixels within this depth (m) of the box's central median depth form the mask."""
    device: str = "cpu"
    """Torch device."""

    def __post_init__(self) -> None:
        if not self.queries or any(not q.strip() for q in self.queries):
            raise ValueError(
                "OpenVocabSegmenterConfig.queries must be a non-empty list of non-empty strings"
            )
        for name in ("score_threshold", "nms_iou"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(
                    f"OpenVocabSegmenterConfig.{name} must be in [0, 1], got {getattr(self, name)}"
                )
        if self.max_detections < 1 or not self.depth_band > 0:
            raise ValueError(
                "OpenVocabSegmenterConfig.max_detections must be >= 1 and depth_band > 0"
            )


def _category(query: str) -> str:
    words = query.strip().split()
    return (
        " ".join(words[1:])
        if len(words) > 1 and words[0].lower() in ("a", "an", "the")
        else query.strip()
    )


def nms(boxes: np.ndarray, scores: np.ndarray, iou: float) -> np.ndarray:
    """Indices kept by greedy non-maximum suppression of (N, 4) xyxy boxes."""
    order = np.argsort(-scores, kind="stable")
    area = np.clip(boxes[:, 2] - boxes[:, 0], 0, None) * np.clip(boxes[:, 3] - boxes[:, 1], 0, None)
    keep: list[int] = []
    while len(order):
        i, rest = order[0], order[1:]
        keep.append(int(i))
        xy1 = np.maximum(boxes[i, :2], boxes[rest, :2])
        xy2 = np.minimum(boxes[i, 2:], boxes[rest, 2:])
        inter = np.prod(np.clip(xy2 - xy1, 0, None), axis=1)
        union = area[i] + area[rest] - inter
        order = rest[inter / np.where(union > 0, union, 1.0) <= iou]
    return np.asarray(keep, dtype=np.int64)


class OpenVocabSegmenter:
    """Zero-shot text-queried detector (transformers) with depth-refined box masks."""

    label = "open_vocab"

    def __init__(self, config: OpenVocabSegmenterConfig | None = None) -> None:
        self.config = config or OpenVocabSegmenterConfig()
        transformers, self._torch, path = local_transformers(
            self.config.model_path,
            "open-vocabulary detector weights not found: set model_path to a local "
            "OWL-ViT/OWLv2 directory saved with save_pretrained (weights are never downloaded here)",
        )
        self._model = transformers.AutoModelForZeroShotObjectDetection.from_pretrained(str(path))
        self._model = self._model.to(self.config.device).eval()
        self._processor = transformers.AutoProcessor.from_pretrained(str(path))
        logger.info("open_vocab: loaded %s from %s", type(self._model).__name__, path)

    def segment(self, obs: Observation) -> list[Detection]:
        """Detections for the configured queries; needs ``obs.rgb``."""
        if obs.rgb is None:
            raise ValueError(
                "the open_vocab segmenter needs obs.rgb; this frame is depth-only — "
                "use the 'geometric' segmenter"
            )
        obs.validate()
        cfg = self.config
        h, w = obs.depth.shape
        inputs = self._processor(text=[list(cfg.queries)], images=obs.rgb, return_tensors="pt")
        inputs = {k: v.to(cfg.device) if hasattr(v, "to") else v for k, v in inputs.items()}
        with self._torch.inference_mode():
            outputs = self._model(**inputs)
        result: dict[str, Any] = self._processor.post_process_grounded_object_detection(
            outputs, threshold=cfg.score_threshold, target_sizes=[(h, w)]
        )[0]
        boxes = result["boxes"].float().cpu().numpy().reshape(-1, 4)
        scores = result["scores"].float().cpu().numpy().reshape(-1)
        # OWL-style heads return query indices; grounding heads return the label strings.
        text_labels = result.get("text_labels")
        labels = (
            [str(t) for t in text_labels]
            if text_labels
            else [cfg.queries[int(i)] for i in result["labels"]]
        )
        keep = nms(boxes, scores, cfg.nms_iou)[: cfg.max_detections]
        ok = valid_depth(obs.depth)
        dets = []
        for i in keep:
            mask = self._box_mask(boxes[i], obs.depth, ok)
            if mask is not None:
                dets.append(
                    Detection(
                        mask=mask,
                        category=_category(labels[i]),
                        score=float(scores[i]),
                        attributes={"query": labels[i]},
                    )
                )
        return dets

    def _box_mask(self, box: np.ndarray, depth: np.ndarray, ok: np.ndarray) -> np.ndarray | None:
        """Pixels of ``box`` near its central median depth; None if the box has no depth."""
        h, w = depth.shape
        x0, y0 = int(np.clip(np.floor(box[0]), 0, w - 1)), int(np.clip(np.floor(box[1]), 0, h - 1))
        x1, y1 = int(np.clip(np.ceil(box[2]), x0 + 1, w)), int(np.clip(np.ceil(box[3]), y0 + 1, h))
        # The central half of the box is most likely to be the object rather than background.
        cy0, cy1 = y0 + (y1 - y0) // 4, y1 - (y1 - y0) // 4
        cx0, cx1 = x0 + (x1 - x0) // 4, x1 - (x1 - x0) // 4
        centre = depth[cy0 : max(cy1, cy0 + 1), cx0 : max(cx1, cx0 + 1)][
            ok[cy0 : max(cy1, cy0 + 1), cx0 : max(cx1, cx0 + 1)]
        ]
        if centre.size == 0:
            return None
        ref = float(np.median(centre))
        mask = np.zeros((h, w), dtype=bool)
        with np.errstate(invalid="ignore"):
            mask[y0:y1, x0:x1] = ok[y0:y1, x0:x1] & (
                np.abs(depth[y0:y1, x0:x1] - ref) <= self.config.depth_band
            )
        return mask if mask.any() else None
