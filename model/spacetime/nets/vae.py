"""Causal video autoencoder: 8x in space, 2x in time, first frame on its own.

Read top to bottom: config and presets, causal building blocks, encoder,
decoder, the autoencoder that ties them together.

A clip of T = 1 + 2k frames becomes 1 + k latent frames: latent 0 sees frame 0
alone (so a single image is a valid one-frame clip, as in Wan-VAE and
CogVideoX), latent i >= 1 sees frames up to 2i. Every temporal convolution is
padded on the past side only, by repeating the first frame, and the only
normalisation is per pixel over channels (RMS norm, as Wan-VAE does), so no
operation mixes information from later frames into earlier ones. That is what
lets the DiT condition on clean first frames and extend a clip.

Pixel values live in [-1, 1] as (B, 3, T, H, W); latents are (B, Z, T', H/8,
W/8). The autoencoder is deterministic; `latent_mean` / `latent_std` buffers,
measured after training, normalise latents to unit scale for the DiT.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

# ----------------------------------------------------------------------------
# Config and presets
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class VAEConfig:
    latent_channels: int = 16
    # Pixel-unshuffle factor at the input (and pixel-shuffle at the output):
    # LTX-VAE's trick of starting from patches keeps full-resolution convs,
    # the costliest part of a video autoencoder, out of the network.
    patch: int = 4
    # Width at each spatial level; every level after the first halves H and W.
    # Total spatial factor = patch * 2 ** (len(channels) - 1) must be 8.
    channels: tuple[int, ...] = (64, 128)
    blocks: int = 1  # residual blocks per level, on each side
    # Residual autoencoding (DC-AE): the encoder adds each block's mean colour
    # to latent channels 0-2 and the decoder adds those channels back,
    # bilinearly upsampled, to its output. Smooth regions (most of every
    # world frame) are then right from the first step and the convs only
    # learn edges and detail, which is what makes CPU training converge.
    shortcut: bool = False  # off by default: configs saved before it existed mean False

    def __post_init__(self) -> None:
        # Tuples survive a checkpoint round trip as lists; freeze them back.
        object.__setattr__(self, "channels", tuple(self.channels))
        if self.spatial_factor != 8:
            raise ValueError(f"patch * 2**(levels-1) must be 8, got {self.spatial_factor}")

    @property
    def spatial_factor(self) -> int:
        return self.patch * 2 ** (len(self.channels) - 1)

    temporal_factor = 2  # class constant: the frame grouping is fixed by design

    def to_dict(self) -> dict:
        return asdict(self)


VAE_PRESETS: dict[str, VAEConfig] = {
    # Trains to useful quality in minutes on two CPU cores.
    "tiny": VAEConfig(latent_channels=16, patch=4, channels=(48, 96), blocks=1, shortcut=True),
    # Release autoencoder for GPU training: twice the depth and 1.3x the
    # width of tiny; its 3.6M-parameter decoder keeps the shipped model small.
    "base": VAEConfig(latent_channels=16, patch=4, channels=(64, 128), blocks=2, shortcut=True),
}


def latent_frames(frames: int) -> int:
    if frames < 1 or (frames - 1) % 2:
        raise ValueError(f"the autoencoder needs 1 + 2k frames, got {frames}")
    return 1 + (frames - 1) // 2


# ----------------------------------------------------------------------------
# Causal building blocks
# ----------------------------------------------------------------------------


class RMSNorm(nn.Module):
    """Normalises each pixel over channels: never mixes frames or positions."""

    def __init__(self, dim: int, eps: float = 1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: Tensor) -> Tensor:  # (B, C, T, H, W)
        scale = torch.rsqrt(x.pow(2).mean(dim=1, keepdim=True) + self.eps)
        return x * scale * self.weight.view(1, -1, 1, 1, 1)


class CausalConv3d(nn.Module):
    """3D conv whose output frame t sees input frames t-k+1 .. t only.

    The past side is padded by repeating the first frame (not zeros), so a
    still clip encodes to a still latent. Padding by concatenation rather than
    F.pad(mode="replicate") keeps the ONNX graph to plain Concat nodes.
    """

    def __init__(self, cin: int, cout: int, kernel: int = 3):
        super().__init__()
        self.pad_t = kernel - 1
        self.conv = nn.Conv3d(cin, cout, kernel, padding=(0, kernel // 2, kernel // 2))

    def forward(self, x: Tensor) -> Tensor:  # (B, C, T, H, W)
        if self.pad_t:
            x = torch.cat([x[:, :, :1]] * self.pad_t + [x], dim=2)  # (B, C, T+k-1, H, W)
        return self.conv(x)  # (B, C', T, H, W)


class ResBlock(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.norm1 = RMSNorm(cin)
        self.conv1 = CausalConv3d(cin, cout)
        self.norm2 = RMSNorm(cout)
        self.conv2 = CausalConv3d(cout, cout)
        self.skip = nn.Conv3d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))
        return self.skip(x) + h


def frames_to_space(x: Tensor, r: int) -> Tensor:
    """Pixel-unshuffle every frame: (B, C, T, H, W) -> (B, C*r*r, T, H/r, W/r)."""
    B, C, T, H, W = x.shape
    x = x.reshape(B, C, T, H // r, r, W // r, r)
    x = x.permute(0, 1, 4, 6, 2, 3, 5)  # (B, C, r, r, T, H/r, W/r)
    return x.reshape(B, C * r * r, T, H // r, W // r)


def space_to_frames(x: Tensor, r: int) -> Tensor:
    """Inverse of frames_to_space."""
    B, Crr, T, h, w = x.shape
    C = Crr // (r * r)
    x = x.reshape(B, C, r, r, T, h, w)
    x = x.permute(0, 1, 4, 5, 2, 6, 3)  # (B, C, T, h, r, w, r)
    return x.reshape(B, C, T, h * r, w * r)


class Downsample(nn.Module):
    """Halves H and W with a strided conv; time untouched."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv = nn.Conv3d(cin, cout, (1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1))

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(x)


class Upsample(nn.Module):
    """Doubles H and W: conv to 4x channels, then pixel-shuffle (no checkerboard
    from transposed convs, and it exports as Reshape/Transpose)."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv = nn.Conv3d(cin, cout * 4, (1, 3, 3), padding=(0, 1, 1))

    def forward(self, x: Tensor) -> Tensor:
        return space_to_frames(self.conv(x), 2)


class TimeDown(nn.Module):
    """Frames [0], [1, 2], [3, 4], ... -> one latent frame each.

    Frame 0 is paired with itself so every group has two frames and one 1x1
    conv mixes them: T = 1 + 2k -> 1 + k, and group i holds frames 2i-1, 2i.
    """

    def __init__(self, c: int):
        super().__init__()
        self.mix = nn.Conv3d(2 * c, c, 1)

    def forward(self, x: Tensor) -> Tensor:  # (B, C, 1+2k, H, W)
        B, C, T, H, W = x.shape
        x = torch.cat([x[:, :, :1], x], dim=2)  # (B, C, 2+2k, H, W)
        x = x.reshape(B, C, (T + 1) // 2, 2, H, W).transpose(2, 3)  # (B, C, 2, 1+k, H, W)
        return self.mix(x.reshape(B, 2 * C, (T + 1) // 2, H, W))  # (B, C, 1+k, H, W)


class TimeUp(nn.Module):
    """Inverse of TimeDown: each latent frame unfolds into two frames, and the
    first of latent 0's pair is dropped: 1 + k -> 1 + 2k."""

    def __init__(self, c: int):
        super().__init__()
        self.split = nn.Conv3d(c, 2 * c, 1)

    def forward(self, x: Tensor) -> Tensor:  # (B, C, 1+k, H, W)
        B, C, T, H, W = x.shape
        x = self.split(x).reshape(B, C, 2, T, H, W).transpose(2, 3)  # (B, C, 1+k, 2, H, W)
        return x.reshape(B, C, 2 * T, H, W)[:, :, 1:]  # (B, C, 1+2k, H, W)


# ----------------------------------------------------------------------------
# Encoder and decoder
# ----------------------------------------------------------------------------


class Encoder(nn.Module):
    def __init__(self, cfg: VAEConfig):
        super().__init__()
        ch = cfg.channels
        self.patch = cfg.patch
        self.stem = CausalConv3d(3 * cfg.patch**2, ch[0])
        self.levels = nn.ModuleList()
        for i, c in enumerate(ch):
            layers: list[nn.Module] = [ResBlock(c, c) for _ in range(cfg.blocks)]
            if i + 1 < len(ch):
                layers.append(Downsample(c, ch[i + 1]))
            self.levels.append(nn.Sequential(*layers))
        # Time is compressed at the lowest resolution, where it is cheapest.
        self.time_down = TimeDown(ch[-1])
        self.mid = ResBlock(ch[-1], ch[-1])
        self.norm_out = RMSNorm(ch[-1])
        self.conv_out = CausalConv3d(ch[-1], cfg.latent_channels)

        self.shortcut = cfg.shortcut

    def forward(self, x: Tensor) -> Tensor:  # (B, 3, T, H, W)
        h = self.stem(frames_to_space(x, self.patch))  # (B, c0, T, H/p, W/p)
        for level in self.levels:
            h = level(h)  # (B, c_last, T, H/8, W/8) after the last level
        h = self.mid(self.time_down(h))  # (B, c_last, T', H/8, W/8)
        z = self.conv_out(F.silu(self.norm_out(h)))  # (B, Z, T', H/8, W/8)
        if not self.shortcut:
            return z
        mean = F.avg_pool3d(x, (1, 8, 8))  # (B, 3, T, H/8, W/8)
        mean = torch.cat([mean[:, :, :1], mean], dim=2)  # frame 0 pairs with itself, as in TimeDown
        B, _, T2, h8, w8 = mean.shape
        mean = mean.reshape(B, 3, T2 // 2, 2, h8, w8).mean(3)  # (B, 3, T', H/8, W/8)
        return torch.cat([z[:, :3] + mean, z[:, 3:]], dim=1)  # (B, Z, T', H/8, W/8)


class Decoder(nn.Module):
    def __init__(self, cfg: VAEConfig):
        super().__init__()
        ch = cfg.channels[::-1]
        self.patch = cfg.patch
        self.conv_in = CausalConv3d(cfg.latent_channels, ch[0])
        self.mid = ResBlock(ch[0], ch[0])
        self.time_up = TimeUp(ch[0])
        self.levels = nn.ModuleList()
        for i, c in enumerate(ch):
            layers: list[nn.Module] = [ResBlock(c, c) for _ in range(cfg.blocks)]
            if i + 1 < len(ch):
                layers.append(Upsample(c, ch[i + 1]))
            self.levels.append(nn.Sequential(*layers))
        self.norm_out = RMSNorm(ch[-1])
        self.conv_out = CausalConv3d(ch[-1], 3 * cfg.patch**2)
        self.shortcut = cfg.shortcut

    def features(self, z: Tensor) -> Tensor:
        """Everything but the output layer: (B, Z, T', h, w) -> (B, c0, T, H/p, W/p)."""
        h = self.time_up(self.mid(self.conv_in(z)))  # (B, c_last, T, h, w)
        for level in self.levels:
            h = level(h)  # (B, c0, T, H/p, W/p) after the last level
        return h

    def forward(self, z: Tensor) -> Tensor:  # (B, Z, T', h, w)
        return self.to_pixels(self.features(z), z)

    def to_pixels(self, h: Tensor, z: Tensor) -> Tensor:
        """The output layer (and shortcut): features(z), z -> (B, 3, T, H, W)."""
        h = self.conv_out(F.silu(self.norm_out(h)))  # (B, 3*p*p, T, H/p, W/p)
        x = space_to_frames(h, self.patch)  # (B, 3, T, H, W)
        if not self.shortcut:
            return x
        base = z[:, :3]  # (B, 3, T', h, w): the encoder's block means
        B, _, T1, hh, ww = base.shape
        # Each latent frame stands for two frames (latent 0 for one), as TimeUp.
        base = base[:, :, :, None].expand(B, 3, T1, 2, hh, ww).reshape(B, 3, 2 * T1, hh, ww)[:, :, 1:]
        T = base.shape[2]
        # Bilinear on 4D frames: the Resize form onnxruntime runs everywhere.
        base = F.interpolate(base.transpose(1, 2).reshape(B * T, 3, hh, ww), scale_factor=8.0, mode="bilinear",
                             align_corners=False)  # (B*T, 3, H, W)
        return x + base.reshape(B, T, 3, hh * 8, ww * 8).transpose(1, 2)  # (B, 3, T, H, W)


# ----------------------------------------------------------------------------
# The autoencoder
# ----------------------------------------------------------------------------


class VideoAutoencoder(nn.Module):
    def __init__(self, cfg: VAEConfig):
        super().__init__()
        self.cfg = cfg
        self.encoder = Encoder(cfg)
        self.decoder = Decoder(cfg)
        # Per-channel latent statistics, measured on training clips after the
        # autoencoder is trained (train.py); identity until then.
        self.register_buffer("latent_mean", torch.zeros(cfg.latent_channels))
        self.register_buffer("latent_std", torch.ones(cfg.latent_channels))

    def encode(self, x: Tensor) -> Tensor:
        """Pixels in [-1, 1] (B, 3, T, H, W) -> raw latents (B, Z, T', H/8, W/8)."""
        return self.encoder(x)

    def decode(self, z: Tensor) -> Tensor:
        """Raw latents -> pixels (B, 3, T, H, W), roughly in [-1, 1]."""
        return self.decoder(z)

    def forward(self, x: Tensor) -> Tensor:
        return self.decode(self.encode(x))

    # The DiT works on normalised latents: unit scale per channel.
    def normalize(self, z: Tensor) -> Tensor:
        return (z - self.latent_mean.view(1, -1, 1, 1, 1)) / self.latent_std.view(1, -1, 1, 1, 1)

    def denormalize(self, z: Tensor) -> Tensor:
        return z * self.latent_std.view(1, -1, 1, 1, 1) + self.latent_mean.view(1, -1, 1, 1, 1)


class NormalizedDecoder(nn.Module):
    """What the app runs: normalised latents -> uint8-ready pixels in [0, 1].

    Wraps denormalisation and the final clamp into the exported graph so the
    TypeScript side only multiplies by 255."""

    def __init__(self, vae: VideoAutoencoder):
        super().__init__()
        self.vae = vae

    def forward(self, z: Tensor) -> Tensor:  # (B, Z, T', h, w)
        x = self.vae.decode(self.vae.denormalize(z))  # (B, 3, T, H, W)
        return ((x + 1) * 0.5).clamp(0, 1)


# ----------------------------------------------------------------------------
# Pixel conversions
# ----------------------------------------------------------------------------


def video_to_tensor(video: Tensor) -> Tensor:
    """uint8 (B, T, H, W, 3) from the renderer -> float (B, 3, T, H, W) in [-1, 1]."""
    return video.permute(0, 4, 1, 2, 3).float().div(127.5).sub(1.0)


def tensor_to_video(x: Tensor) -> Tensor:
    """Inverse of video_to_tensor, rounding and clamping."""
    return ((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 4, 1)


def psnr(x: Tensor, y: Tensor) -> Tensor:
    """Per-clip PSNR in dB of [-1, 1] tensors, measured on the 8-bit scale."""
    a = tensor_to_video(x).float()
    b = tensor_to_video(y).float()
    mse = (a - b).pow(2).flatten(1).mean(1).clamp(min=1e-10)
    return 10 * torch.log10(255.0**2 / mse)


def count_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())
