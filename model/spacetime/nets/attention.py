"""Multi-head attention shared by the text encoder and the DiT.

Uses torch.nn.functional.scaled_dot_product_attention (fused kernels) where
torch has it (2.x) and a plain softmax otherwise (torch 1.13, and every ONNX
export, where the plain graph is what onnxruntime fuses best).
"""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

_HAS_SDPA = hasattr(F, "scaled_dot_product_attention")


def attention(q: Tensor, k: Tensor, v: Tensor, key_mask: Optional[Tensor] = None) -> Tensor:
    """q (B, H, Lq, D), k/v (B, H, Lk, D), key_mask (B, Lk) bool, True = attend.

    Every row must keep at least one key (the tokenizer's [CLS] guarantees it
    for text), otherwise the softmax has nothing to normalise over."""
    use_sdpa = _HAS_SDPA and not torch.onnx.is_in_onnx_export()
    if use_sdpa:
        mask = None if key_mask is None else key_mask[:, None, None, :]  # (B, 1, 1, Lk)
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    scores = (q @ k.transpose(-2, -1)) * q.shape[-1] ** -0.5  # (B, H, Lq, Lk)
    if key_mask is not None:
        # Additive bias rather than masked_fill(-inf): exports as one Add and
        # cannot produce NaN.
        bias = (key_mask.to(scores.dtype) - 1.0) * 1e4  # (B, Lk): 0 keep, -1e4 drop
        scores = scores + bias[:, None, None, :]
    return scores.softmax(dim=-1) @ v  # (B, H, Lq, D)


class Attention(nn.Module):
    """Self-attention (context=None) or cross-attention to `context`."""

    def __init__(self, dim: int, heads: int, context_dim: Optional[int] = None):
        super().__init__()
        if dim % heads:
            raise ValueError(f"dim {dim} must be divisible by heads {heads}")
        self.heads = heads
        self.q = nn.Linear(dim, dim)
        self.kv = nn.Linear(context_dim or dim, 2 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: Tensor, context: Optional[Tensor] = None, key_mask: Optional[Tensor] = None) -> Tensor:
        B, L, C = x.shape
        ctx = x if context is None else context
        q = self.q(x).reshape(B, L, self.heads, C // self.heads).transpose(1, 2)  # (B, H, L, D)
        kv = self.kv(ctx).reshape(B, ctx.shape[1], 2, self.heads, C // self.heads)
        k, v = kv.permute(2, 0, 3, 1, 4).unbind(0)  # each (B, H, Lk, D)
        out = attention(q, k, v, key_mask)  # (B, H, L, D)
        return self.proj(out.transpose(1, 2).reshape(B, L, C))  # (B, L, C)
