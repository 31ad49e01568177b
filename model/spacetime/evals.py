"""Measurements of the nets on the world's clips: the autoencoder's latent
statistics and reconstruction PSNR, the DiT's held-out velocity loss, and
WorldBench on sampled clips. Training's eval hook runs them; so do
`npm run eval:vae` and the attention benchmark, on more clips.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import torch

from . import flow
from .data import plan_rasters
from .nets.finer_decoder import FinerDecoder, floor
from .nets.text_to_video import TextToVideo
from .nets.vae import VideoAutoencoder, psnr, video_to_tensor
from .pipeline import DEFAULT_GUIDANCE, TextToVideoPipeline
from .tokenizer import Tokenizer
from .world.config import WorldConfig
from .world.render import render
from .world.sampler import finer_config, sample, sample_finer


@torch.no_grad()
def calibrate_latents(vae: VideoAutoencoder, world: WorldConfig, device: torch.device, clips: int = 32) -> dict:
    """Measures per-channel latent mean and std on training clips and stores
    them in the autoencoder, so the DiT sees unit-scale latents."""
    zs = []
    for i in range(0, clips, 4):
        samples = [sample(10**9 + i + j, "train", world) for j in range(4)]
        zs.append(vae.encode(video_to_tensor(render(samples, world, device))).float())
    z = torch.cat(zs).transpose(0, 1).flatten(1)  # (Z, everything else)
    vae.latent_mean.copy_(z.mean(1))
    vae.latent_std.copy_(z.std(1).clamp(min=1e-4))
    return {"latent_mean_abs": z.mean(1).abs().mean().item(), "latent_std_mean": z.std(1).mean().item()}


@torch.no_grad()
def eval_vae(vae: VideoAutoencoder, world: WorldConfig, device: torch.device, clips: int = 8) -> dict:
    """Reconstruction PSNR on held-out clips at full length and size."""
    samples = [sample(i, "heldout", world) for i in range(clips)]
    scores = []
    for i in range(0, clips, 2):
        x = video_to_tensor(render(samples[i:i + 2], world, device))
        scores.append(psnr(vae(x), x))
    p = torch.cat(scores)
    return {"psnr": p.mean().item(), "psnr_min": p.min().item()}


def ssim(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-clip SSIM of [-1, 1] tensors (B, 3, T, H, W) on the 8-bit scale:
    Wang et al.'s 11-tap Gaussian window (sigma 1.5), every frame and channel."""
    a = (x.clamp(-1, 1) + 1) * 127.5
    b = (y.clamp(-1, 1) + 1) * 127.5
    B, C, T, H, W = a.shape
    a, b = (v.transpose(1, 2).reshape(B * T * C, 1, H, W) for v in (a, b))
    g = torch.exp(-(torch.arange(11, dtype=torch.float32) - 5) ** 2 / (2 * 1.5**2))
    g = (g / g.sum())
    win = (g[:, None] * g[None, :])[None, None]  # (1, 1, 11, 11)
    mu_a, mu_b = torch.nn.functional.conv2d(a, win), torch.nn.functional.conv2d(b, win)
    var_a = torch.nn.functional.conv2d(a * a, win) - mu_a**2
    var_b = torch.nn.functional.conv2d(b * b, win) - mu_b**2
    cov = torch.nn.functional.conv2d(a * b, win) - mu_a * mu_b
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    m = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    return m.reshape(B, -1).mean(1)


@torch.no_grad()
def eval_finer(decoder: FinerDecoder, world: WorldConfig, clips: int = 8) -> dict:
    """PSNR and SSIM of the finer decoder against the world's own render at
    its size and fps, on held-out clips of `world`'s shape, and the same for
    its floor (bilinear upscaling and frame blending of the autoencoder's clip)."""
    cfg, vae = decoder.cfg, decoder.vae
    device = next(decoder.parameters()).device
    fine_world = finer_config(world, cfg.space, cfg.time)
    scores: dict[str, list[torch.Tensor]] = {"psnr": [], "ssim": [], "floor_psnr": [], "floor_ssim": []}
    for i in range(clips):
        x = video_to_tensor(render([sample(i, "heldout", world)], world, device))
        truth = video_to_tensor(render([sample_finer(i, "heldout", world, 0.0, cfg.space, cfg.time)], fine_world, device))
        z = vae.normalize(vae.encode(x))
        base = floor(vae.decode(vae.denormalize(z)), cfg)  # from the autoencoder's own decoder
        out = decoder.decode(z)
        scores["psnr"].append(psnr(out, truth))
        scores["ssim"].append(ssim(out, truth))
        scores["floor_psnr"].append(psnr(base, truth))
        scores["floor_ssim"].append(ssim(base, truth))
    result = {k: torch.cat(v).mean().item() for k, v in scores.items()}
    result["psnr_min"] = torch.cat(scores["psnr"]).min().item()
    return result


@torch.no_grad()
def eval_dit(model: TextToVideo, vae: VideoAutoencoder, tok: Tokenizer, world: WorldConfig,
             shift: float, device: torch.device, clips: int = 8) -> dict:
    """Velocity loss on held-out clips at fixed timesteps (comparable across runs)."""
    samples = [sample(i, "heldout", world) for i in range(clips)]
    x0 = vae.normalize(vae.encode(video_to_tensor(render(samples, world, device))))
    ids, mask = (a.to(device) for a in tok([s.caption for s in samples]))
    g = torch.Generator(device=device).manual_seed(1234)
    noise = torch.randn(x0.shape, generator=g, device=device)
    t = flow.shift_timesteps(torch.linspace(0.05, 0.95, clips, device=device), shift)
    xt, target = flow.interpolate(x0, noise, t), flow.velocity_target(x0, noise)
    record = {"heldout_loss": (model(xt, t, ids, mask) - target).pow(2).mean().item()}
    if model.dit.cfg.plan_channels:
        plans = plan_rasters(samples, world)[:, :model.dit.cfg.plan_channels].to(device)  # later channels (camera, shade) come last
        record["heldout_loss_plan"] = (model(xt, t, ids, mask, None, None, plans) - target).pow(2).mean().item()
    return record


def worldbench_hook(checkpoint: Path, device: torch.device, clips: int = 16, steps: int = 20,
                    guidance: float = DEFAULT_GUIDANCE) -> Optional[dict]:
    """WorldBench on held-out prompts, when --worldbench is given: samples one
    clip per prompt from the checkpoint's EMA weights and averages the judge's
    per-dimension scores. WorldBench (spacetime.worldbench, written apart) is
    imported at call time, so training never depends on it; returns None if
    it is unavailable."""
    try:
        from .worldbench.judge import score_clip
    except ImportError as e:
        print(f"[eval] WorldBench not available ({e}); skipped", flush=True)
        return None
    pipe = TextToVideoPipeline.from_checkpoint(checkpoint, device)
    samples = [sample(i, "heldout", pipe.world) for i in range(clips)]
    out = pipe([s.caption for s in samples], steps=steps, guidance=guidance, seed=0)
    totals: dict[str, list[float]] = {}
    for video, s in zip(out.video, samples):
        for name, value in score_clip(video.numpy(), s.spec, pipe.world.fps).scores.items():
            if value is not None:
                totals.setdefault(name, []).append(float(value))
    return {f"wb_{k}": sum(v) / len(v) for k, v in sorted(totals.items())}
