"""The text-to-video model: text encoder + DiT in one module, and the named
model presets that pick one preset of each net (the autoencoder included).
"""
from __future__ import annotations

from typing import Optional

import torch.nn as nn
from torch import Tensor

from .dit import DiT, DiTConfig
from .text_encoder import TextEncoder, TextEncoderConfig

# A model preset names one preset of each net. The autoencoder is shared by
# the bigger models: it is cheap next to the DiT and its latent is the contract.
PRESETS: dict[str, dict[str, str]] = {
    "tiny": {"vae": "tiny", "text": "tiny", "dit": "tiny"},
    "base": {"vae": "base", "text": "base", "dit": "base"},
    "large": {"vae": "base", "text": "large", "dit": "large"},
    "xl": {"vae": "base", "text": "large", "dit": "xl"},
}


class TextToVideo(nn.Module):
    """The trained half of the DiT stage: text encoder + DiT, one module so
    DDP can wrap it and one forward computes the velocity."""

    def __init__(self, text_cfg: TextEncoderConfig, dit_cfg: DiTConfig):
        super().__init__()
        self.text = TextEncoder(text_cfg)
        self.dit = DiT(dit_cfg)

    def forward(self, x: Tensor, t: Tensor, ids: Tensor, mask: Tensor, context: Optional[Tensor] = None,
                context_mask: Optional[Tensor] = None, plan: Optional[Tensor] = None) -> Tensor:
        return self.dit(x, t, self.text(ids, mask), mask, context, context_mask, plan)  # (B, C, T, h, w)
