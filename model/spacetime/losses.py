"""The training objectives: the autoencoder's reconstruction loss (and the
refit's anchor loss), the DiT's velocity loss with its context frames,
plan dropout and caption dropout, and its guidance distillation. Every
random draw comes from the step's generator `g`, so a resumed run draws what
an uninterrupted one would.
"""
from __future__ import annotations

import argparse
from typing import Optional

import torch
import torch.nn as nn
from torch import Tensor

from . import flow
from .nets.vae import VideoAutoencoder, video_to_tensor


def vae_loss(vae: nn.Module, x: Tensor, weight: Optional[Tensor] = None) -> Tensor:
    """L1 keeps flat colours and edges crisp; MSE is what PSNR measures.
    `weight` (B, 1, T, H, W) weighs pixels, e.g. more on objects: they are
    where reconstruction error concentrates and what prompts are about."""
    y = vae(x)
    err = (y - x).abs() + (y - x).pow(2)  # (B, 3, T, H, W)
    if weight is None:
        return err.mean()
    return (err * weight).sum() / (weight.sum() * err.shape[1])


def anchor_loss(vae: VideoAutoencoder, anchors: tuple[Tensor, Tensor], g: torch.Generator, batch: int = 2) -> Tensor:
    """MSE between the encoder's normalised latents of decoded DiT samples
    and the latents they were decoded from (data.refit_anchors)."""
    video, z = anchors
    idx = torch.randint(0, len(z), (batch,), generator=g, device=g.device).cpu()
    return (vae.normalize(vae.encode(video_to_tensor(video[idx].to(z.device)))) - z[idx]).pow(2).mean()


def context_mask_for(batch: int, frames: int, prob: float, g: torch.Generator, device: torch.device) -> Tensor:
    """(B, T) 0/1: which latent frames are given clean. Of the clips that get
    context, a third get frame 0 only (animate an image), a third the first k
    for k in 1..T-1 (extend a clip), and a third the first k and the last j,
    k + j < T (close a loop: the clip must lead back into its own start); the
    rest none (plain text-to-video)."""
    r = torch.rand(batch, generator=g, device=device)
    k = torch.randint(1, max(2, frames), (batch,), generator=g, device=device)
    k_end = torch.randint(1, max(2, frames - 1), (batch,), generator=g, device=device)
    j = 1 + (torch.rand(batch, generator=g, device=device) * (frames - 1 - k_end).clamp(min=1)).long()
    both = (r >= 2 * prob / 3) & (r < prob) & (frames >= 3)
    k = torch.where(r < prob / 3, torch.ones_like(k), torch.where(both, k_end, k))
    k = torch.where(r < prob, k, torch.zeros_like(k))
    j = torch.where(both, j, torch.zeros_like(j))
    t = torch.arange(frames, device=device)[None]  # (1, T)
    return ((t < k[:, None]) | (t >= frames - j[:, None])).float()


def noised_batch(x0: Tensor, args: argparse.Namespace, shift: float, g: torch.Generator,
                 plans: Optional[Tensor] = None) -> tuple[Tensor, Tensor, Tensor, Tensor, Optional[Tensor]]:
    """The DiT's training input for clean latents `x0`: (x_t, t, noise,
    context mask, plans after plan dropout), each drawn from `g`."""
    B, T = x0.shape[0], x0.shape[2]
    t = flow.sample_timesteps(B, shift, args.logit_mean, args.logit_std, generator=g, device=x0.device)
    noise = torch.randn(x0.shape, generator=g, device=x0.device)
    cmask = context_mask_for(B, T, args.context_prob, g, x0.device)  # (B, T)
    if plans is not None:  # plan dropout: some clips from text alone
        keep = torch.rand(B, generator=g, device=x0.device) >= args.plan_dropout
        plans = plans * keep[:, None, None, None, None].to(plans.dtype)  # (B, P, T, h, w)
    return flow.interpolate(x0, noise, t), t, noise, cmask, plans


def generated_mean(err: Tensor, cmask: Tensor, args: argparse.Namespace, cells: Optional[Tensor]) -> Tensor:
    """Mean of `err` (B, T, h, w) over the frames the model must generate.
    `cells` (B, T, h, w) marks latent cells under objects; they weigh 1 +
    --object-weight, because objects cover a few percent of a clip yet carry
    most of what a prompt asks for (object, colour, size, motion), and a plain
    mean leaves them to the last of training."""
    w = (1 - cmask)[:, :, None, None].expand_as(err)  # (B, T, h, w): context frames are given
    if cells is not None and args.object_weight:
        w = w * (1 + args.object_weight * cells)
    return (err * w).sum() / w.sum().clamp(min=1)


def velocity_error(v: Tensor, target: Tensor, args: argparse.Namespace) -> Tensor:
    """(B, T, h, w) squared velocity error per latent cell, plus --coarse-weight times that
    of the error averaged over 2x2 cells (Hoogeboom et al., 2023, simple diffusion's
    multiscale loss): averaging cancels much of the cell-to-cell noise in the error, so
    broad structure the plan dictates (the scene's shading, whole objects) weighs more
    against it."""
    diff = v.float() - target  # (B, C, T, h, w)
    err = diff.pow(2).mean(dim=1)  # (B, T, h, w)
    if not args.coarse_weight:
        return err
    h, w = diff.shape[-2:]
    coarse = nn.functional.avg_pool3d(diff, (1, 2, 2), ceil_mode=True).pow(2).mean(dim=1)  # (B, T, h/2, w/2)
    coarse = coarse.repeat_interleave(2, dim=-2).repeat_interleave(2, dim=-1)[..., :h, :w]  # (B, T, h, w)
    return err + args.coarse_weight * coarse


def dit_loss(model: nn.Module, x0: Tensor, ids: Tensor, mask: Tensor, args: argparse.Namespace,
             shift: float, g: torch.Generator, cells: Optional[Tensor] = None,
             plans: Optional[Tensor] = None) -> Tensor:
    """Velocity MSE over the frames the model must generate (generated_mean)."""
    xt, t, noise, cmask, plans = noised_batch(x0, args, shift, g, plans)
    v = model(xt, t, ids, mask, x0, cmask, plans)  # (B, C, T, h, w)
    return generated_mean(velocity_error(v, flow.velocity_target(x0, noise), args), cmask, args, cells)


def guidance_distill_loss(student: nn.Module, teacher: nn.Module, x0: Tensor, ids: Tensor, mask: Tensor,
                          empty: tuple[Tensor, Tensor], guidance: float, args: argparse.Namespace, shift: float,
                          g: torch.Generator, cells: Optional[Tensor] = None, plans: Optional[Tensor] = None) -> Tensor:
    """Guidance distillation (Meng et al., 2023): the student's one velocity
    matches the teacher's guided one, v_u + w (v_c - v_u), so sampling needs
    no unconditional half. The unconditional row has the empty caption
    `empty` (ids, mask) and the same plan and context, as the pipeline's
    guidance does by default (plan_guidance false)."""
    xt, t, _, cmask, plans = noised_batch(x0, args, shift, g, plans)
    two = lambda a: None if a is None else torch.cat([a, a])  # noqa: E731
    with torch.no_grad():
        both = teacher(two(xt), two(t), torch.cat([ids, empty[0]]), torch.cat([mask, empty[1]]),
                       two(x0), two(cmask), two(plans)).float()  # (2B, C, T, h, w)
        v_c, v_u = both.chunk(2)  # (B, C, T, h, w) each
        target = v_u + guidance * (v_c - v_u)
    v = student(xt, t, ids, mask, x0, cmask, plans)  # (B, C, T, h, w)
    return generated_mean(velocity_error(v, target, args), cmask, args, cells)


def drop_captions(captions: list[str], rate: float, g: torch.Generator) -> list[str]:
    """Empties each caption with probability `rate`: the unconditional half
    that classifier-free guidance needs."""
    keep = torch.rand(len(captions), generator=g, device=g.device) >= rate
    return [c if k else "" for c, k in zip(captions, keep.tolist())]
