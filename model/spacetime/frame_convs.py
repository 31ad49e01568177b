"""Causal 3D convolutions as 2D ones, for the exported decoders.

A CausalConv3d with temporal kernel k gives output frame t from input frames
t-k+1 .. t (the first frame repeated before the start). Stacking those k
frames as channels makes it one 2D convolution per frame, with the weight's
k temporal taps set beside its input channels: the same function, which
onnxruntime's CPU provider runs faster (its 2D convolutions have blocked
kernels; its 3D ones go through im2col). The exporters apply it to a copy;
the nets and their checkpoints keep their Conv3d.
"""
from __future__ import annotations

import copy

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from .nets.vae import CausalConv3d


class FrameConv(nn.Module):
    """A CausalConv3d (temporal kernel > 1) computed frame by frame as a 2D convolution."""

    def __init__(self, causal: CausalConv3d):
        super().__init__()
        self.weight, self.bias = causal.conv.weight, causal.conv.bias  # (co, ci, k, kh, kw), (co,)
        self.padding = causal.conv.padding[1:]

    def forward(self, x: Tensor) -> Tensor:  # (B, C, T, H, W)
        co, ci, k, kh, kw = self.weight.shape
        B, T = x.shape[0], x.shape[2]
        x = torch.cat([x[:, :, :1]] * (k - 1) + [x], dim=2)  # (B, C, T+k-1, H, W)
        taps = torch.cat([x[:, :, i:i + T] for i in range(k)], dim=1)  # (B, k*C, T, H, W): tap i sees t-k+1+i
        frames = taps.transpose(1, 2).flatten(0, 1)  # (B*T, k*C, H, W)
        w = self.weight.permute(0, 2, 1, 3, 4).reshape(co, k * ci, kh, kw)  # taps beside channels
        y = F.conv2d(frames, w, self.bias, padding=self.padding)  # (B*T, co, H, W)
        return y.reshape(B, -1, co, y.shape[2], y.shape[3]).transpose(1, 2)  # (B, co, T, H, W)


def frame_convs(module: nn.Module) -> nn.Module:
    """A copy of `module` whose every CausalConv3d of temporal kernel > 1 is a FrameConv."""
    out = copy.deepcopy(module)
    for parent in list(out.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, CausalConv3d) and child.pad_t:
                setattr(parent, name, FrameConv(child))
    return out


def unstack_taps(weight: Tensor, shape: torch.Size) -> Tensor:
    """A FrameConv's 2D weight (co, k*ci, kh, kw) back to the Conv3d weight of `shape`
    (co, ci, k, kh, kw) it was made from (onnx_import)."""
    co, ci, k, kh, kw = shape
    return weight.reshape(co, k, ci, kh, kw).permute(0, 2, 1, 3, 4)
