"""Where training batches come from: clips rendered on the fly from the
world's training split, a folder of mp4 + txt pairs (--videos), or a latent
pool of either, encoded once (--latent-pool); and the anchor clips that
--refit-encoder draws from a DiT.

Rendered clips are a pure function of (seed, rank, step), so a resumed run
sees exactly the clips an uninterrupted one would.
"""
from __future__ import annotations

import argparse
import math
import time
from typing import Callable, Iterator, Optional

import numpy as np
import torch
from torch import Tensor

from .checkpoint import load_text_to_video, load_vae
from .nets.vae import latent_frames, video_to_tensor
from .pipeline import TextToVideoPipeline
from .plan import plan_for_sample, rasterize
from .world.config import WorldConfig, aspect_sizes
from .world.render import render
from .world.sampler import sample

# The latent pool's clips are drawn as if at steps from here on: a separate
# seed range that training steps never reach (the refit's anchors start at twice it).
POOL_STEP_OFFSET = 10_000_000
# --pool-refresh draws its clips as if at steps from here on (pools stay far below a million clips).
POOL_REFRESH_OFFSET = POOL_STEP_OFFSET + 1_000_000

# (input, captions, weights, plan rasters): clips or latents; pixel loss
# weights for the autoencoder, object cells for the DiT; None where a source has none.
Batch = tuple[Tensor, list[str], Optional[Tensor], Optional[Tensor]]


def world_clips(cfg: WorldConfig, batch: int, args: argparse.Namespace, rank: int, world: int,
                step: int, device: torch.device) -> tuple[Tensor, list[str], Tensor, Tensor]:
    """A batch of training-split clips, their captions, object cells and plan
    rasters; seeds never repeat across steps or ranks."""
    first = ((args.seed * 100_000_000) + (step * world + rank) * batch)
    samples = [sample(first + i, "train", cfg, long_clips=args.long_clips, camera=args.camera) for i in range(batch)]
    return (render(samples, cfg, device), [s.caption for s in samples], object_cells(samples, cfg).to(device),
            plan_rasters(samples, cfg).to(device))


def plan_rasters(samples: list, cfg: WorldConfig) -> Tensor:
    """(B, plan channels, T', h, w): each clip's own plan, as the DiT reads it."""
    return torch.from_numpy(np.stack([
        rasterize(plan_for_sample(s, cfg), 0, cfg.frames, cfg.height, cfg.width) for s in samples]))


def object_cells(samples: list, cfg: WorldConfig, factor: int = 8) -> Tensor:
    """(B, T', H/factor, W/factor) 1.0 on latent cells that an object's
    bounding box (plus a pixel and a half) touches in any frame the latent frame stands for (frame 0
    for latent 0, frames 2i-1 and 2i for latent i), else 0.0."""
    T1, h, w = latent_frames(cfg.frames), cfg.height // factor, cfg.width // factor
    cells = torch.zeros(len(samples), T1, h, w)
    for b, s in enumerate(samples):
        for tr in s.tracks:
            for f in range(cfg.frames):
                r = tr.diameter[f] / 2 + 1.5  # + anti-aliased rim and the balloon's string tip
                y0, y1 = max(0, int((tr.y[f] - r) // factor)), min(h, int((tr.y[f] + r) // factor) + 1)
                x0, x1 = max(0, int((tr.x[f] - r) // factor)), min(w, int((tr.x[f] + r) // factor) + 1)
                cells[b, (f + 1) // 2, y0:y1, x0:x1] = 1.0
    return cells


def pixel_weights(cells: Tensor, frames: int, factor: int = 8) -> Tensor:
    """Latent-cell object marks (B, T', h, w) -> per-pixel marks
    (B, 1, T, h*factor, w*factor), which the autoencoder's loss weighs by
    1 + --object-weight."""
    per_frame = cells[:, [(f + 1) // 2 for f in range(frames)]]  # (B, T, h, w)
    return per_frame.repeat_interleave(factor, 2).repeat_interleave(factor, 3)[:, None]  # (B, 1, T, H, W)


def folder_clips(args: argparse.Namespace, cfg: WorldConfig, rank: int, world: int,
                 start: int = 0) -> Iterator[tuple[Tensor, list[str], None, None]]:
    """Endless batches from --videos, each rank decoding only its own shard
    (no object cells: real clips come without tracks). The first `start`
    batches of this rank's stream are skipped without decoding anything, so a
    resumed run goes on in the same epoch at the same batch."""
    from .world.realdata import VideoFolderDataset, batch_indices, load_batch

    ds = VideoFolderDataset(args.videos, frames=cfg.frames, height=cfg.height, width=cfg.width, fps=cfg.fps)
    epoch = 0
    while True:
        mine = batch_indices(len(ds), args.batch, seed=args.seed + epoch)[rank::world]
        if not mine:
            raise ValueError(f"--videos has {len(ds)} clips: too few for {world} ranks at --batch {args.batch}")
        for indices in mine[start:]:
            yield (*load_batch(ds, indices), None, None)
        start = max(0, start - len(mine))
        epoch += 1


class TrainingData:
    """The batches of one stage, one per step: `data(step, g)`.

    `encode` maps uint8 clips to the normalised latents the DiT trains on
    (the DiT stage's frozen autoencoder); `step` is the step training starts
    from, so a resumed run takes up the folder where it left it."""

    def __init__(self, stage: str, args: argparse.Namespace, world: WorldConfig, rank: int, world_size: int,
                 device: torch.device, encode: Optional[Callable[[Tensor], Tensor]], step: int):
        self.stage, self.args, self.world, self.device, self.encode = stage, args, world, device, encode
        self.rank, self.world_size = rank, world_size
        self.vae_world = WorldConfig(frames=args.vae_frames, height=args.height, width=args.width, fps=args.fps)
        # Each step takes one batch of the folder, unless the latent pool took them all up front
        # (the pool is built again on resume, from the start): a resumed run skips what it used.
        from_batch = 0 if stage == "dit" and args.latent_pool else step
        self.folder = folder_clips(args, world, rank, world_size, start=from_batch) if args.videos else None
        # Size buckets (--aspects): step s trains on bucket s mod n, a frame of
        # the same short side (aspect_sizes), so every batch has one shape.
        sizes = aspect_sizes(world, 16)  # 16 px: the autoencoder's 8x times the presets' DiT patch of 2
        self.buckets = [WorldConfig(frames=world.frames, height=sizes[a][0], width=sizes[a][1], fps=world.fps)
                        for a in getattr(args, "aspects", ("1:1",))]
        self.pools: list[list] = []  # per bucket: [latents, captions, cells, rasters, next slot to refresh]

    def clips(self, cfg: WorldConfig, step: int) -> Batch:
        """The folder's next batch, or the clips rendered for `step`."""
        if self.folder:
            return next(self.folder)
        return world_clips(cfg, self.args.batch, self.args, self.rank, self.world_size, step, self.device)

    def fill_pool(self) -> int:
        """--latent-pool: encodes that many clips (rendered ones from the
        pool's own seed range), shared among the size buckets, and draws every
        later batch from them; returns how many it holds."""
        assert self.encode is not None
        batches = math.ceil(self.args.latent_pool / self.args.batch / len(self.buckets))
        for b, cfg in enumerate(self.buckets):
            lat, caps, cells, rasters = [], [], [], []
            for i in range(batches):
                video, c, oc, pr = self.clips(cfg, POOL_STEP_OFFSET + b * batches + i)
                lat.append(self.encode(video.to(self.device)).half())  # half: a pool of thousands of clips fits in RAM
                caps += c
                cells.append(oc)
                rasters.append(None if pr is None else pr.half())
            folder = self.folder is not None
            self.pools.append([torch.cat(lat), caps, None if folder else torch.cat(cells),
                               None if folder else torch.cat(rasters), 0])
        return sum(len(p[1]) for p in self.pools)

    def refresh_pool(self, bucket: int, step: int) -> None:
        """--pool-refresh: one new batch of clips replaces the bucket's oldest,
        so a long run keeps meeting clips it has not learned by heart."""
        assert self.encode is not None
        pool = self.pools[bucket]
        video, caps, cells, rasters = self.clips(self.buckets[bucket], POOL_REFRESH_OFFSET + step)
        n = len(pool[1])
        slots = [(pool[4] + i) % n for i in range(min(len(caps), n))]
        index = torch.tensor(slots)
        pool[0][index] = self.encode(video.to(self.device))[:len(slots)].half()
        for slot, caption in zip(slots, caps):
            pool[1][slot] = caption
        if pool[2] is not None:
            pool[2][index] = cells[:len(slots)].to(pool[2].device)
            pool[3][index] = rasters[:len(slots)].half().to(pool[3].device)
        pool[4] = (pool[4] + len(slots)) % n

    def __call__(self, step: int, g: torch.Generator) -> Batch:
        args = self.args
        if self.stage == "vae":
            video, caps, cells, _ = self.clips(self.vae_world, step)
            x = video_to_tensor(video.to(self.device))
            # Pixel weights ride along as a fourth channel through the crop.
            w = 1 + args.object_weight * pixel_weights(cells, x.shape[2]) if cells is not None else torch.ones_like(x[:, :1])
            x = torch.cat([x, w], dim=1)  # (B, 4, T, H, W)
            if args.vae_crop and args.vae_crop < min(x.shape[-2:]):
                c = args.vae_crop
                y0 = int(torch.randint(0, (x.shape[-2] - c) // 8 + 1, (1,), generator=g, device=g.device)) * 8
                x0 = int(torch.randint(0, (x.shape[-1] - c) // 8 + 1, (1,), generator=g, device=g.device)) * 8
                x = x[..., y0:y0 + c, x0:x0 + c]
            if x.shape[2] % 2 == 0:  # folder clips may have 2k frames: the VAE needs 1 + 2k
                x = x[:, :, :-1]
            return x[:, :3], caps, x[:, 3:], None
        assert self.encode is not None
        bucket = step % len(self.buckets)
        if self.pools:
            if args.pool_refresh and step % args.pool_refresh == 0 and not self.folder:
                self.refresh_pool(bucket, step)
            pool = self.pools[bucket]
            idx = torch.randint(0, len(pool[1]), (args.batch,), generator=g, device=g.device).cpu()
            cells = None if pool[2] is None else pool[2][idx.to(pool[2].device)]
            plans = None if pool[3] is None else pool[3][idx.to(pool[3].device)].float()
            return pool[0][idx.to(pool[0].device)].float(), [pool[1][i] for i in idx.tolist()], cells, plans
        video, caps, cells, plans = self.clips(self.buckets[bucket], step)
        return self.encode(video.to(self.device)), caps, cells, plans


@torch.no_grad()
def refit_anchors(ckpt: dict, args: argparse.Namespace, device: torch.device,
                  log: Callable[[dict], None]) -> tuple[Tensor, Tensor]:
    """(videos uint8, normalised latents) of clips the checkpoint's DiT draws
    for training captions: where the refitted encoder must agree with the
    one the DiT was trained on (losses.anchor_loss)."""
    t0 = time.time()
    model, tok = load_text_to_video(ckpt)
    pipe = TextToVideoPipeline(model.to(device), load_vae(ckpt).to(device), tok, WorldConfig(**ckpt["world"]),
                               ckpt["flow"]["shift"])
    videos, latents = [], []
    for i in range(0, args.anchor_clips, 8):
        caps = [sample(POOL_STEP_OFFSET * 2 + i + j, "train", pipe.world).caption for j in range(8)]
        out = pipe(caps, steps=12, guidance=2.0, seed=i)
        videos.append(out.video)
        latents.append(out.latents)
    log({"event": "anchors", "clips": args.anchor_clips, "seconds": round(time.time() - t0, 1)})
    return torch.cat(videos), torch.cat(latents).to(device)
