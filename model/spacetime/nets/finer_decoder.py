"""A decoder that writes more pixels and more frames than the autoencoder
encodes: the same latents, `space` times the size and `time` times the fps.

Read top to bottom: config and presets, the floor, the refinement head, the
decoder that ties them together.

The DiT's cost is set by its latents, so output size and frame rate are
cheapest to raise in the decoder (LTX-Video's decoder does the last step of
the work). This one is the trained autoencoder's own decoder, frozen, plus a
head that corrects the plain answer:

- the floor: the autoencoder's decoded clip, bilinearly upsampled `space`
  times and blended linearly between neighbouring frames `time` times (what
  any player would do), so training starts there and can only improve on it;
- the head: the decoder's last features, split into `time` frames each and
  upsampled, beside the floor cut into patches; a few causal residual blocks
  at patch resolution predict a correction added to the floor. Its last layer
  starts at zero, so an untrained head is exactly the floor.

The autoencoder's own reconstruction at 128 px (26-32 dB on held-out clips)
bounds a floor built on it, so with `tune_trunk` the decoder trunk under the
head is a trainable copy of the autoencoder's (which stays as it is for the
8 fps output): it starts where the autoencoder is and learns with the head.

The head works at the output's size and fps, so it cost 85% of the decode; on
12 held-out clips it added 0.07 dB over its tuned trunk alone. Preset "trunk"
(`head=False`) is that trunk without the head, trained on: the floor of its
own clip, 4-6x cheaper to run.

Frame j of the autoencoder's clip becomes frames time*j - time + 1 .. time*j
(frame 0 becomes frame 0 alone), so T = 1 + 2k frames become 1 + 2k*time,
and every output frame depends only on latents up to its own, as in the
autoencoder: extending a clip decodes the same frames as decoding it whole.
"""
from __future__ import annotations

import copy
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from .vae import CausalConv3d, ResBlock, RMSNorm, Upsample, VideoAutoencoder, frames_to_space, space_to_frames

# ----------------------------------------------------------------------------
# Config and presets
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FinerConfig:
    space: int = 2  # output pixels per side, per autoencoder pixel
    time: int = 3  # output frames per autoencoder frame
    width: int = 32  # channels of the head
    blocks: int = 1  # residual blocks of the head
    patch: int = 4  # the head works on patch x patch blocks of output pixels
    tune_trunk: bool = False  # train a copy of the autoencoder's decoder under the head (configs before it: False)
    head: bool = True  # False: the tuned trunk's clip, upscaled and blended, with no head (configs before it: True)

    def __post_init__(self) -> None:
        if self.space not in (1, 2) or self.time not in (1, 2, 3):
            raise ValueError(f"space must be 1 or 2 and time 1, 2 or 3, got {self.space}, {self.time}")
        if not (self.head or self.tune_trunk):
            raise ValueError("a finer decoder with neither a head nor a tuned trunk has nothing to train")

    def to_dict(self) -> dict:
        return asdict(self)


FINER_PRESETS: dict[str, FinerConfig] = {
    # 24 fps at 256 px from the 8 fps, 128 px autoencoder; trains on CPU in an hour.
    "tiny": FinerConfig(space=2, time=3, width=48, blocks=1, tune_trunk=True),
    # The tuned trunk alone: the head worked at the output's size and fps, cost 85% of the
    # decode and added 0.07 dB (27.73 vs 27.66 on 12 held-out clips), so this drops it.
    "trunk": FinerConfig(space=2, time=3, tune_trunk=True, head=False),
}


def finer_frames(frames: int, time: int) -> int:
    """Output frames for an autoencoder clip of `frames` frames."""
    return (frames - 1) * time + 1


# ----------------------------------------------------------------------------
# The floor: bilinear upscaling and frame blending
# ----------------------------------------------------------------------------


def split_frames(x: Tensor, time: int) -> Tensor:
    """(B, C, T, ...) -> (B, C, time*(T-1)+1, ...): frame j -> time frames that
    blend linearly from frame j-1 to frame j; frame 0 stays one frame."""
    prev = torch.cat([x[:, :, :1], x[:, :, :-1]], dim=2)  # (B, C, T, ...): frame j-1 (0 for 0)
    parts = [prev + (x - prev) * ((i + 1) / time) for i in range(time)]  # the last part is x itself
    B, C, T = x.shape[:3]
    out = torch.stack(parts, dim=3)  # (B, C, T, time, ...)
    return out.reshape(B, C, T * time, *x.shape[3:])[:, :, time - 1:]  # (B, C, time*(T-1)+1, ...)


def upscale(x: Tensor, space: int) -> Tensor:
    """Bilinear, frame by frame: (B, C, T, H, W) -> (B, C, T, space*H, space*W)."""
    if space == 1:
        return x
    B, C, T, H, W = x.shape
    frames = x.transpose(1, 2).reshape(B * T, C, H, W)
    # 4D Resize: the form onnxruntime runs everywhere.
    up = F.interpolate(frames, scale_factor=float(space), mode="bilinear", align_corners=False)  # (B*T, C, sH, sW)
    return up.reshape(B, T, C, H * space, W * space).transpose(1, 2)


def floor(x: Tensor, cfg: FinerConfig) -> Tensor:
    """The plain answer the head improves on, for a decoded clip x (B, 3, T, H, W).
    Both steps are linear, so they commute: blending first does it on space^2
    times fewer pixels (the blend's arithmetic was most of the decode outside
    its convolutions)."""
    return upscale(split_frames(x, cfg.time), cfg.space)  # (B, 3, T*, sH, sW)


# ----------------------------------------------------------------------------
# The refinement head
# ----------------------------------------------------------------------------


class TimeSplit(nn.Module):
    """Features of frame j -> `time` frames of their own (a 1x1 conv makes
    each), in split_frames' order; frame 0 keeps only the last."""

    def __init__(self, c: int, time: int):
        super().__init__()
        self.time = time
        self.split = nn.Conv3d(c, c * time, 1)

    def forward(self, h: Tensor) -> Tensor:  # (B, C, T, H, W)
        B, C, T, H, W = h.shape
        h = self.split(h).reshape(B, C, self.time, T, H, W).transpose(2, 3)  # (B, C, T, time, H, W)
        return h.reshape(B, C, T * self.time, H, W)[:, :, self.time - 1:]  # (B, C, time*(T-1)+1, H, W)


class Head(nn.Module):
    def __init__(self, features: int, cfg: FinerConfig):
        super().__init__()
        self.cfg = cfg
        self.time_split = TimeSplit(features, cfg.time)
        self.up = Upsample(features, cfg.width) if cfg.space == 2 else nn.Conv3d(features, cfg.width, 1)
        self.mix = nn.Conv3d(cfg.width + 3 * cfg.patch**2, cfg.width, 1)
        self.blocks = nn.Sequential(*[ResBlock(cfg.width, cfg.width) for _ in range(cfg.blocks)])
        self.norm_out = RMSNorm(cfg.width)
        self.conv_out = CausalConv3d(cfg.width, 3 * cfg.patch**2)

    def forward(self, h: Tensor, base: Tensor) -> Tensor:
        """h: decoder features (B, c0, T, H/4, W/4); base: the floor (B, 3, T*, sH, sW)
        -> the correction (B, 3, T*, sH, sW)."""
        p = self.cfg.patch
        h = self.up(self.time_split(h))  # (B, width, T*, sH/p, sW/p)
        h = self.mix(torch.cat([h, frames_to_space(base, p)], dim=1))  # (B, width, T*, sH/p, sW/p)
        h = self.blocks(h)
        h = self.conv_out(F.silu(self.norm_out(h)))  # (B, 3*p*p, T*, sH/p, sW/p)
        return space_to_frames(h, p)  # (B, 3, T*, sH, sW)


# ----------------------------------------------------------------------------
# The decoder
# ----------------------------------------------------------------------------


class FinerDecoder(nn.Module):
    """Normalised latents -> pixels in [0, 1] at space x the size, time x the
    fps: the graph the app runs for that output (vae_decoder_24.onnx).

    `vae` is the trained autoencoder, frozen: it defines the latent space.
    What trains (`trainable`) is the head, and the trunk if cfg.tune_trunk."""

    def __init__(self, vae: VideoAutoencoder, cfg: FinerConfig):
        super().__init__()
        if vae.cfg.patch * cfg.space % cfg.patch:
            raise ValueError(f"head patch {cfg.patch} does not divide {vae.cfg.patch * cfg.space}")
        self.cfg = cfg
        self.vae = vae.requires_grad_(False)
        self.trunk = copy.deepcopy(vae.decoder).requires_grad_(True) if cfg.tune_trunk else None
        self.head = Head(vae.cfg.channels[0], cfg) if cfg.head else None
        self.initialize_weights()

    def trainable(self) -> dict[str, Tensor]:
        """The state that training changes and a checkpoint stores: everything but the autoencoder."""
        return {k: v for k, v in self.state_dict().items() if not k.startswith("vae.")}

    def initialize_weights(self) -> None:
        # A zero last layer: the untrained decoder is the floor.
        if self.head is not None:
            nn.init.zeros_(self.head.conv_out.conv.weight)
            nn.init.zeros_(self.head.conv_out.conv.bias)

    def trunk_pixels(self, z: Tensor) -> tuple[Tensor, Tensor]:
        """Normalised latents -> the trunk's clip in [-1, 1] at the autoencoder's size and fps,
        and its features. Clamped before the floor: blending and upscaling mix neighbours with
        weights that sum to 1, so the floor stays in range, and the graph can finish the
        pixels here, on space^2 * time times fewer values (export.FinerDecoderGraph)."""
        raw = self.vae.denormalize(z)  # (B, Z, T', h, w)
        trunk = self.trunk if self.trunk is not None else self.vae.decoder
        h = trunk.features(raw)  # (B, c0, T, H/4, W/4)
        return trunk.to_pixels(h, raw).clamp(-1, 1), h  # (B, 3, T, H, W), features

    def floor_and_features(self, z: Tensor) -> tuple[Tensor, Tensor]:
        """Normalised latents -> the floor in [-1, 1] and the decoder's features."""
        x, h = self.trunk_pixels(z)
        return floor(x, self.cfg), h

    def decode(self, z: Tensor) -> Tensor:
        """Normalised latents (B, Z, T', h, w) -> pixels in about [-1, 1] (B, 3, T*, sH, sW)."""
        base, h = self.floor_and_features(z)
        return base if self.head is None else base + self.head(h, base)

    def forward(self, z: Tensor) -> Tensor:  # (B, Z, T', h, w)
        return ((self.decode(z) + 1) * 0.5).clamp(0, 1)  # (B, 3, T*, sH, sW)
