"""The video diffusion transformer: predicts flow-matching velocity for a clip
of autoencoder latents, conditioned on a timestep, text tokens and optional
clean context frames.

Read top to bottom like DiT's models.py: embedders, the block, the final
layer, the model, positional embeddings, then the named presets.

- Tokens: every latent frame is cut into p x p patches (1 frame deep; Latte
  found per-frame 2D patches better than 3D tubes), N = T * (h/p) * (w/p).
- Timestep: adaLN-Zero. One timestep MLP is shared by all blocks (PixArt's
  adaLN-single, as Wan does) and each block adds its own learned table; both
  start at zero, so every block starts as the identity and the output is 0.
- Text: cross-attention to the text encoder's states with a key padding mask,
  and (with `pooled_text`) the [CLS] state added to the timestep embedding,
  as SD3 and Open-Sora add a pooled caption vector: a global path into every
  block's adaLN that picks up scene, colour and object words long before
  cross-attention has learned where to put them.
- Space and time: full 3D self-attention over all N tokens, or alternating
  spatial (within a frame) and temporal (across frames at one position)
  blocks, as the preset's `attention` field says.
- Context frames: `context_mask` (B, T) marks latent frames given clean in
  `context`; the model sees them in place of the noisy ones, plus the mask as
  an extra input channel, and its velocity there is forced to 0 so an Euler
  step leaves them untouched. That one mechanism covers text-to-video (no
  context), image-to-video (frame 0) and extending a clip (the first k).
- Plan: with `plan_channels`, a raster of the scene plan at latent
  resolution (spacetime.plan.rasterize: per cell, which object covers it,
  its colour, kind, angle, facing and velocity) is patchified like the latent
  and embedded once; each block turns it into per-token shifts and scales
  added to its adaLN modulation (Tora's adaptive-norm fuser, which beat
  concatenation and cross-attention in its ablation). Every layer of that
  path is bias-free and each block's projection starts at zero, so an
  all-zero raster (no plan) leaves the model exactly the text-only DiT.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Optional

import torch
import torch.nn as nn
from torch import Tensor

from .attention import Attention


@dataclass(frozen=True)
class DiTConfig:
    latent_channels: int = 16
    frames: int = 9  # latent frames
    height: int = 16  # latent height
    width: int = 16  # latent width
    patch: int = 2
    dim: int = 192
    depth: int = 6
    heads: int = 6
    mlp_ratio: float = 4.0
    text_dim: int = 128
    attention: str = "full"  # "full" (3D) or "factorized" (alternating spatial / temporal)
    pooled_text: bool = False  # off by default: configs saved before it existed mean False
    plan_channels: int = 0  # raster channels of the scene plan input; 0 = no plan input
    plan_dim: int = 64  # width of the plan embedding each block projects from

    def __post_init__(self) -> None:
        if self.attention not in ("full", "factorized"):
            raise ValueError(f"attention must be 'full' or 'factorized', got {self.attention!r}")
        if self.height % self.patch or self.width % self.patch:
            raise ValueError(f"latent size {self.height}x{self.width} is not divisible by patch {self.patch}")

    @property
    def tokens(self) -> int:
        return self.frames * (self.height // self.patch) * (self.width // self.patch)

    def to_dict(self) -> dict:
        return asdict(self)


def modulate(x: Tensor, shift: Tensor, scale: Tensor) -> Tensor:
    return x * (1 + scale) + shift


# ----------------------------------------------------------------------------
# Embedding layers for timesteps and patches
# ----------------------------------------------------------------------------


class TimestepEmbedder(nn.Module):
    """Scalar t in [0, 1] -> vector, through sinusoids of 1000 t (DiT's
    frequencies, so the embedding resolves the small steps near t = 0)."""

    def __init__(self, dim: int, frequency_dim: int = 256):
        super().__init__()
        self.frequency_dim = frequency_dim
        self.mlp = nn.Sequential(nn.Linear(frequency_dim, dim), nn.SiLU(), nn.Linear(dim, dim))

    @staticmethod
    def timestep_embedding(t: Tensor, dim: int, max_period: float = 10000.0) -> Tensor:
        half = dim // 2
        freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
        args = (t.float() * 1000.0)[:, None] * freqs[None]  # (B, half)
        return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)  # (B, dim)

    def forward(self, t: Tensor) -> Tensor:
        return self.mlp(self.timestep_embedding(t, self.frequency_dim))  # (B, D)


class PatchEmbed(nn.Module):
    """(B, C, T, h, w) -> (B, T*(h/p)*(w/p), D), tokens in (t, y, x) order."""

    def __init__(self, cin: int, dim: int, patch: int, bias: bool = True):
        super().__init__()
        self.patch = patch
        self.proj = nn.Linear(cin * patch * patch, dim, bias=bias)

    def forward(self, x: Tensor) -> Tensor:
        B, C, T, H, W = x.shape
        p = self.patch
        x = x.reshape(B, C, T, H // p, p, W // p, p)
        x = x.permute(0, 2, 3, 5, 1, 4, 6)  # (B, T, H/p, W/p, C, p, p)
        return self.proj(x.reshape(B, T * (H // p) * (W // p), C * p * p))  # (B, N, D)


# ----------------------------------------------------------------------------
# Core DiT block
# ----------------------------------------------------------------------------


class DiTBlock(nn.Module):
    """adaLN-Zero self-attention and MLP, with plain cross-attention to text
    in between (PixArt's layout). `mode` picks what self-attention spans."""

    def __init__(self, cfg: DiTConfig, mode: str):
        super().__init__()
        d = cfg.dim
        self.mode = mode  # "full", "spatial" or "temporal"
        self.frames = cfg.frames  # T; the tokens per frame S follow from the input's size
        # LayerNorms keep their affine weights: torch 1.13's ONNX export of a
        # weightless LayerNorm at opset 17 is invalid.
        self.norm1 = nn.LayerNorm(d, eps=1e-6)
        self.attn = Attention(d, cfg.heads)
        self.norm2 = nn.LayerNorm(d, eps=1e-6)
        self.cross = Attention(d, cfg.heads, context_dim=d)
        self.norm3 = nn.LayerNorm(d, eps=1e-6)
        hidden = int(d * cfg.mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(d, hidden), nn.GELU(approximate="tanh"), nn.Linear(hidden, d))
        # This block's share of adaLN: added to the shared timestep projection.
        self.ada_table = nn.Parameter(torch.zeros(6, d))
        # Per-token adaLN from the plan: shifts and scales of both branches.
        self.plan_ada = nn.Linear(cfg.plan_dim, 4 * d, bias=False) if cfg.plan_channels else None

    def self_attention(self, x: Tensor) -> Tensor:
        B, N, D = x.shape
        T = self.frames
        if self.mode == "full":
            return self.attn(x)  # (B, N, D)
        if self.mode == "spatial":
            return self.attn(x.reshape(B * T, -1, D)).reshape(B, N, D)  # within each frame
        x = x.reshape(B, T, -1, D).transpose(1, 2).reshape(-1, T, D)  # (B*S, T, D)
        x = self.attn(x)  # across frames at each position
        return x.reshape(B, -1, T, D).transpose(1, 2).reshape(B, N, D)  # (B, N, D)

    def forward(self, x: Tensor, t6: Tensor, text: Tensor, text_mask: Tensor, plan: Optional[Tensor] = None) -> Tensor:
        ada = t6 + self.ada_table[None]  # (B, 6, D)
        shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp = ada[:, :, None].unbind(1)  # each (B, 1, D)
        if plan is not None and self.plan_ada is not None:
            p_shift_msa, p_scale_msa, p_shift_mlp, p_scale_mlp = self.plan_ada(plan).chunk(4, dim=-1)  # each (B, N, D)
            shift_msa, scale_msa = shift_msa + p_shift_msa, scale_msa + p_scale_msa  # (B, N, D)
            shift_mlp, scale_mlp = shift_mlp + p_shift_mlp, scale_mlp + p_scale_mlp  # (B, N, D)
        x = x + gate_msa * self.self_attention(modulate(self.norm1(x), shift_msa, scale_msa))  # (B, N, D)
        x = x + self.cross(self.norm2(x), text, text_mask)  # (B, N, D)
        return x + gate_mlp * self.mlp(modulate(self.norm3(x), shift_mlp, scale_mlp))  # (B, N, D)


class FinalLayer(nn.Module):
    def __init__(self, cfg: DiTConfig):
        super().__init__()
        self.norm = nn.LayerNorm(cfg.dim, eps=1e-6)
        self.ada = nn.Linear(cfg.dim, 2 * cfg.dim)  # its own adaLN, from c (as DiT)
        self.linear = nn.Linear(cfg.dim, cfg.patch * cfg.patch * cfg.latent_channels)

    def forward(self, x: Tensor, c: Tensor) -> Tensor:
        shift, scale = self.ada(nn.functional.silu(c)).reshape(-1, 2, x.shape[-1]).unbind(1)  # each (B, D)
        return self.linear(modulate(self.norm(x), shift[:, None], scale[:, None]))  # (B, N, p*p*C)


# ----------------------------------------------------------------------------
# The model
# ----------------------------------------------------------------------------


class DiT(nn.Module):
    def __init__(self, cfg: DiTConfig):
        super().__init__()
        self.cfg = cfg
        C, d = cfg.latent_channels, cfg.dim
        # Input = the latent with context frames swapped in, plus the mask channel.
        self.x_embed = PatchEmbed(C + 1, d, cfg.patch)
        self.t_embed = TimestepEmbedder(d)
        # Shared adaLN projection (adaLN-single): one Linear for all blocks.
        self.t_block = nn.Sequential(nn.SiLU(), nn.Linear(d, 6 * d))
        self.text_proj = nn.Sequential(nn.Linear(cfg.text_dim, d), nn.GELU(approximate="tanh"), nn.Linear(d, d))
        if cfg.pooled_text:
            self.pool_proj = nn.Sequential(nn.Linear(cfg.text_dim, d), nn.SiLU(), nn.Linear(d, d))
        if cfg.plan_channels:
            # Bias-free, so a zero raster embeds to exactly zero.
            self.plan_embed = nn.Sequential(
                PatchEmbed(cfg.plan_channels, d, cfg.patch, bias=False), nn.SiLU(), nn.Linear(d, cfg.plan_dim, bias=False))
        if cfg.attention == "full":
            modes = ["full"] * cfg.depth
        else:
            modes = ["spatial" if i % 2 == 0 else "temporal" for i in range(cfg.depth)]
        self.blocks = nn.ModuleList([DiTBlock(cfg, m) for m in modes])
        self.final = FinalLayer(cfg)
        # Fixed sin-cos positions, computed for the input's own grid: no
        # parameters, so one set of weights serves every aspect's latent size
        # (and the exported graph takes any h and w).
        self.initialize_weights()

    def initialize_weights(self) -> None:
        # Transformer layers: xavier-uniform, zero bias (as DiT).
        def _basic(m: nn.Module) -> None:
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

        self.apply(_basic)
        # Patch embedding like a conv: xavier over the flattened patch.
        nn.init.xavier_uniform_(self.x_embed.proj.weight)
        # Timestep MLP: small normal, as DiT.
        nn.init.normal_(self.t_embed.mlp[0].weight, std=0.02)
        nn.init.normal_(self.t_embed.mlp[2].weight, std=0.02)
        # adaLN-Zero: shared projection and every table start at zero, so all
        # shifts, scales and gates are 0 and each block is the identity.
        nn.init.zeros_(self.t_block[1].weight)
        nn.init.zeros_(self.t_block[1].bias)
        for block in self.blocks:
            nn.init.zeros_(block.ada_table)
            if block.plan_ada is not None:  # the plan path starts silent, as adaLN-Zero
                nn.init.zeros_(block.plan_ada.weight)
        # Cross-attention output projections start at zero too, so at init no
        # branch writes to the residual stream at all.
        for block in self.blocks:
            nn.init.zeros_(block.cross.proj.weight)
            nn.init.zeros_(block.cross.proj.bias)
        # Output layer: zero, so the initial velocity prediction is 0.
        nn.init.zeros_(self.final.ada.weight)
        nn.init.zeros_(self.final.ada.bias)
        nn.init.zeros_(self.final.linear.weight)
        nn.init.zeros_(self.final.linear.bias)

    def unpatchify(self, x: Tensor, hp: int, wp: int) -> Tensor:
        """(B, N, p*p*C) -> (B, C, T, h, w) for a grid of hp x wp patches."""
        cfg = self.cfg
        B, p, C = x.shape[0], cfg.patch, cfg.latent_channels
        T = cfg.frames
        x = x.reshape(B, T, hp, wp, C, p, p)
        x = x.permute(0, 4, 1, 2, 5, 3, 6)  # (B, C, T, h/p, p, w/p, p)
        return x.reshape(B, C, T, hp * p, wp * p)

    def forward(
        self,
        x: Tensor,
        t: Tensor,
        text: Tensor,
        text_mask: Tensor,
        context: Optional[Tensor] = None,
        context_mask: Optional[Tensor] = None,
        plan: Optional[Tensor] = None,
    ) -> Tensor:
        """
        x: (B, C, T, h, w) noisy latents; t: (B,) in [0, 1] (1 = pure noise);
        text: (B, L, text_dim) encoder states; text_mask: (B, L) bool;
        context: (B, C, T, h, w) clean latents, read where context_mask
        (B, T, 1 = given) is set; plan: (B, plan_channels, T, h, w) raster
        (zeros = no plan). Returns velocity (B, C, T, h, w), 0 on context
        frames.
        """
        if context_mask is None:
            context_mask = x.new_zeros(x.shape[0], x.shape[2])
        m = context_mask.to(x.dtype)[:, None, :, None, None]  # (B, 1, T, 1, 1)
        if context is not None:
            x = x * (1 - m) + context * m  # (B, C, T, h, w)
        x = torch.cat([x, m.expand(-1, -1, -1, x.shape[3], x.shape[4])], dim=1)  # (B, C+1, T, h, w)
        hp, wp = x.shape[3] // self.cfg.patch, x.shape[4] // self.cfg.patch
        h = self.x_embed(x) + sincos_3d(self.cfg.dim, x.shape[2], hp, wp, x.device)[None]  # (B, N, D)
        c = self.t_embed(t)  # (B, D)
        if self.cfg.pooled_text:
            c = c + self.pool_proj(text[:, 0])  # (B, D): the [CLS] state sums up the prompt
        t6 = self.t_block(c).reshape(-1, 6, self.cfg.dim)  # (B, 6, D)
        y = self.text_proj(text)  # (B, L, D)
        p = self.plan_embed(plan) if plan is not None and self.cfg.plan_channels else None  # (B, N, plan_dim)
        for block in self.blocks:
            h = block(h, t6, y, text_mask, p)  # (B, N, D)
        out = self.unpatchify(self.final(h, c), hp, wp)  # (B, C, T, h, w)
        return out * (1 - m)  # (B, C, T, h, w)


# ----------------------------------------------------------------------------
# Sine/cosine positional embeddings (from DiT / MAE, extended with time)
# ----------------------------------------------------------------------------


def sincos_3d(embed_dim: int, frames, grid_h, grid_w, device: torch.device) -> Tensor:
    """(T*H*W, D) in (t, y, x) order. Half the channels encode the 2D position
    (a quarter each for y and x), the other half the frame index, so space and
    time are separable by the first attention layer. Torch ops, so a traced
    graph computes it from the input's shape."""
    def one_d(dim: int, pos: Tensor) -> Tensor:  # (M,) -> (M, dim)
        omega = 1.0 / 10000 ** (torch.arange(dim // 2, dtype=torch.float32, device=device) / (dim / 2.0))
        out = pos.float()[:, None] * omega[None]  # (M, dim/2)
        return torch.cat([torch.sin(out), torch.cos(out)], dim=1)

    d_space = embed_dim // 2
    gy = torch.arange(grid_h, device=device)[:, None].expand(grid_h, grid_w).reshape(-1)  # (H*W,)
    gx = torch.arange(grid_w, device=device)[None, :].expand(grid_h, grid_w).reshape(-1)  # (H*W,)
    space = torch.cat([one_d(d_space // 2, gy), one_d(d_space // 2, gx)], dim=1)  # (H*W, D/2)
    time = one_d(embed_dim - d_space, torch.arange(frames, device=device))  # (T, D/2)
    n = space.shape[0]
    space = space[None].expand(time.shape[0], n, d_space)  # (T, H*W, D/2)
    time = time[:, None].expand(time.shape[0], n, embed_dim - d_space)  # (T, H*W, D/2)
    return torch.cat([space, time], dim=-1).reshape(-1, embed_dim)  # (T*H*W, D)


# ----------------------------------------------------------------------------
# Presets (layers / width / heads). Latent geometry and text_dim are filled in
# from the autoencoder and text encoder when the model is built.
# ----------------------------------------------------------------------------

DIT_PRESETS: dict[str, DiTConfig] = {
    # CPU development model and tests. Patch 2 and factorized attention: on
    # CPU a 17x128x128 step costs 1.1 s at batch 8 (full 3D attention: 2.1 s).
    # Patch 4 would be 4x cheaper but is a trap: a token then carries
    # 4*4*16 = 256 latent values through a 192-wide stream, too narrow to pass
    # the noise through, and samples kept a layer of latent noise.
    "tiny": DiTConfig(dim=192, depth=6, heads=6, patch=2, attention="factorized", pooled_text=True),
    # Release model: 9.3M parameters; with the text encoder and decoder about
    # 16M, so the shipped directory fits 40 MB once the DiT's and text
    # encoder's MatMul weights are int8 (the CPU speed lever anyway).
    # Attention: factorized. `npm run bench:attention` (tiny, 17x64x64, 144
    # tokens, 1500 steps each, same latents and seeds) gave held-out velocity
    # loss 0.187 factorized vs 0.210 full (0.89x), and at 576 tokens a CPU
    # training step costs 1.1 s factorized vs 3.2 s full (batch 8).
    "base": DiTConfig(dim=256, depth=8, heads=4, text_dim=256, attention="factorized", pooled_text=True),
    # For real GPUs (DiT-B and DiT-XL widths).
    "large": DiTConfig(dim=768, depth=12, heads=12, text_dim=512, pooled_text=True),
    "xl": DiTConfig(dim=1152, depth=28, heads=16, text_dim=512, pooled_text=True),
}
