"""Session fixtures: tiny randomly initialised HF models saved offline (no download)."""

from __future__ import annotations

from pathlib import Path

import pytest
from perc_helpers import tiny_clip_tokenizer


@pytest.fixture(scope="session")
def tiny_owlvit_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised, tiny OWL-ViT saved with its processor (no download)."""
    transformers = pytest.importorskip(
        "transformers", reason="transformers not installed ([hf] extra)"
    )
    pytest.importorskip("torch", reason="torch not installed ([hf] extra)")
    if not hasattr(transformers, "OwlViTForObjectDetection"):
        pytest.skip("this transformers version has no OwlViTForObjectDetection")
    from transformers.models.owlvit.image_processing_pil_owlvit import OwlViTImageProcessorPil

    tok = tiny_clip_tokenizer()
    small = {
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
    }
    cfg = transformers.OwlViTConfig(
        text_config={
            **small,
            "vocab_size": len(tok),
            "max_position_embeddings": 16,
            "bos_token_id": len(tok) - 2,
            "eos_token_id": len(tok) - 1,
            "pad_token_id": len(tok) - 1,
        },
        vision_config={**small, "image_size": 32, "patch_size": 8},
        projection_dim=32,
    )
    import torch

    torch.manual_seed(0)
    model = transformers.OwlViTForObjectDetection(cfg).eval()
    with torch.no_grad():
        # The detection heads initialise with std 1, which saturates scores and boxes of a
        # random model; a small std gives varied, well-formed boxes around the patch grid.
        for name, param in model.named_parameters():
            if name.startswith(("box_head", "class_head")) and name.endswith("weight"):
                param.normal_(0.0, 0.02)
    proc = transformers.OwlViTProcessor(
        image_processor=OwlViTImageProcessorPil(
            size={"height": 32, "width": 32}, crop_size={"height": 32, "width": 32}
        ),
        tokenizer=tok,
    )
    out = tmp_path_factory.mktemp("tiny_owlvit")
    model.save_pretrained(out)
    proc.save_pretrained(out)
    return out


@pytest.fixture(scope="session")
def tiny_clip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised, tiny CLIP saved with its image processor (no download)."""
    transformers = pytest.importorskip(
        "transformers", reason="transformers not installed ([hf] extra)"
    )
    pytest.importorskip("torch", reason="torch not installed ([hf] extra)")
    from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil

    small = {
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
    }
    cfg = transformers.CLIPConfig(
        text_config={**small, "vocab_size": 60},
        vision_config={**small, "image_size": 32, "patch_size": 8},
        projection_dim=16,
    )
    import torch

    torch.manual_seed(0)
    out = tmp_path_factory.mktemp("tiny_clip")
    transformers.CLIPModel(cfg).save_pretrained(out)
    CLIPImageProcessorPil(
        size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}
    ).save_pretrained(out)
    return out
