"""A small transformer encoder over word ids: per-token states for the DiT's
cross-attention, plus the padding mask that goes with them.

Trained from scratch together with the DiT (the world's language is a few
hundred words, so a pretrained T5 would be thousands of times too big).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
from torch import Tensor

from .attention import Attention


@dataclass(frozen=True)
class TextEncoderConfig:
    vocab_size: int = 256
    max_length: int = 48
    dim: int = 128
    depth: int = 2
    heads: int = 4
    mlp_ratio: float = 4.0

    def to_dict(self) -> dict:
        return asdict(self)


# vocab_size and max_length are filled in from the tokenizer at build time.
TEXT_PRESETS: dict[str, TextEncoderConfig] = {
    "tiny": TextEncoderConfig(dim=128, depth=2, heads=4),
    "base": TextEncoderConfig(dim=256, depth=4, heads=4),
    "large": TextEncoderConfig(dim=512, depth=6, heads=8),
}


class EncoderBlock(nn.Module):
    """Pre-LN transformer block (stable without warm-up tricks)."""

    def __init__(self, dim: int, heads: int, mlp_ratio: float):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        hidden = int(dim * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(approximate="tanh"), nn.Linear(hidden, dim))

    def forward(self, x: Tensor, mask: Tensor) -> Tensor:
        x = x + self.attn(self.norm1(x), key_mask=mask)  # (B, L, C)
        return x + self.mlp(self.norm2(x))  # (B, L, C)


class TextEncoder(nn.Module):
    def __init__(self, cfg: TextEncoderConfig):
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(cfg.vocab_size, cfg.dim)
        self.pos = nn.Parameter(torch.zeros(1, cfg.max_length, cfg.dim))
        self.blocks = nn.ModuleList([EncoderBlock(cfg.dim, cfg.heads, cfg.mlp_ratio) for _ in range(cfg.depth)])
        self.norm = nn.LayerNorm(cfg.dim)
        self.initialize_weights()

    def initialize_weights(self) -> None:
        def _basic(m: nn.Module) -> None:
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)

        self.apply(_basic)
        nn.init.normal_(self.embed.weight, std=0.02)
        nn.init.normal_(self.pos, std=0.02)

    def forward(self, ids: Tensor, mask: Tensor) -> Tensor:
        """ids (B, L) int64, mask (B, L) bool -> states (B, L, dim).

        States at padded positions are computed but meaningless; consumers
        must apply the same mask as a key padding mask."""
        L = ids.shape[1]
        x = self.embed(ids) + self.pos[:, :L]  # (B, L, C)
        for block in self.blocks:
            x = block(x, mask)  # (B, L, C)
        return self.norm(x)  # (B, L, C)
