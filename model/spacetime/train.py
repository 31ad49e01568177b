"""Trains Spacetime's nets: `--stage vae` (the video autoencoder), then
`--stage dit` (text encoder + diffusion transformer on the frozen autoencoder's
latents), or `--stage both`.

    scripts/py -m spacetime.train --stage vae --preset tiny --out model/runs/tiny-vae
    scripts/py -m spacetime.train --stage dit --preset tiny --vae model/runs/tiny-vae/last.pt \\
        --out model/runs/tiny
    torchrun --nproc_per_node 8 -m spacetime.train --stage dit --preset base ...   # DDP

(Debian's torch 1.13 on Python 3.11 cannot run torchrun's agent: its
Std.from_str("0") returns None. Start the ranks yourself with RANK,
WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT set, as test_train does.)

Data is rendered on the fly from the world's training split on the training
device (`--videos DIR` trains on a folder of mp4 + txt pairs instead). Every
checkpoint holds the configs of every net it contains, the tokenizer, the
world geometry, the flow settings and the arguments, so the sampler and the
exporter rebuild everything from the file alone (as nanoGPT does).

Randomness is a pure function of (seed, rank, step): resuming from a
checkpoint replays exactly what an uninterrupted run would have done.
"""
from __future__ import annotations

import argparse
import contextlib
import copy
import ctypes
import json
import math
import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Iterator, Optional

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
from torch import Tensor

from . import flow
from .nets.dit import DIT_PRESETS, DiT, DiTConfig
from .nets.text_encoder import TEXT_PRESETS, TextEncoder, TextEncoderConfig
from .nets.vae import VAE_PRESETS, VAEConfig, VideoAutoencoder, latent_frames, psnr, video_to_tensor
from .tokenizer import Tokenizer
from .world.config import WorldConfig
from .world.render import render
from .world.sampler import sample
from .plan import RASTER_CHANNELS, plan_for_sample, rasterize

CHECKPOINT_FORMAT = "spacetime-checkpoint/1"
# The latent pool's clips are drawn as if at steps from here on: a separate
# seed range that training steps never reach.
POOL_STEP_OFFSET = 10_000_000

# A model preset names one preset of each net. The autoencoder is shared by
# the bigger models: it is cheap next to the DiT and its latent is the contract.
PRESETS: dict[str, dict[str, str]] = {
    "tiny": {"vae": "tiny", "text": "tiny", "dit": "tiny"},
    "base": {"vae": "base", "text": "base", "dit": "base"},
    "large": {"vae": "base", "text": "large", "dit": "large"},
    "xl": {"vae": "base", "text": "large", "dit": "xl"},
}

# ----------------------------------------------------------------------------
# Arguments
# ----------------------------------------------------------------------------


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stage", choices=("vae", "dit", "both"), required=True)
    p.add_argument("--preset", default="tiny", choices=tuple(PRESETS))
    p.add_argument("--out", required=True, help="run directory: checkpoints and log.jsonl")
    p.add_argument("--vae", help="autoencoder checkpoint for --stage dit")
    p.add_argument("--finetune-decoder", metavar="CHECKPOINT",
                   help="--stage vae: train only the decoder of this checkpoint's autoencoder (vae or dit "
                        "stage); its encoder and latent statistics, which a DiT depends on, stay as they are")
    p.add_argument("--refit-encoder", metavar="CHECKPOINT",
                   help="--stage vae: train only the encoder of this checkpoint's autoencoder, against its frozen "
                        "decoder and latent statistics (a checkpoint imported from a model directory has none)")
    p.add_argument("--anchor-clips", type=int, default=64,
                   help="--refit-encoder: clips the checkpoint's DiT generates; the encoder also learns to map their "
                        "decoded pixels back to the DiT's latents, so it inverts the decoder where the DiT samples")
    p.add_argument("--init", metavar="CHECKPOINT",
                   help="--stage dit: start from this dit checkpoint's text encoder and DiT weights (fine-tune); "
                        "layers it lacks keep their initialisation")
    p.add_argument("--resume", help="checkpoint to continue from (same stage)")
    p.add_argument("--videos", help="folder of NAME.mp4 + NAME.txt pairs instead of rendered clips")
    # World geometry of the clips the DiT is trained on (and the VAE is evaluated on).
    p.add_argument("--frames", type=int, default=WorldConfig.frames)
    p.add_argument("--height", type=int, default=WorldConfig.height)
    p.add_argument("--width", type=int, default=WorldConfig.width)
    p.add_argument("--fps", type=int, default=WorldConfig.fps)
    # Optimisation.
    p.add_argument("--steps", type=int, default=1000, help="total optimizer steps of this stage")
    p.add_argument("--minutes", type=float, default=0, help="stop (and save) after this much wall time; 0 = no limit")
    p.add_argument("--batch", type=int, default=8, help="clips per step per process")
    p.add_argument("--lr", type=float, default=None, help="default 2e-3 (vae) / 5e-4 (dit)")
    p.add_argument("--warmup", type=int, default=50)
    p.add_argument("--min-lr-ratio", type=float, default=0.1, help="cosine decay ends at lr * this")
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--grad-clip", type=float, default=1.0)
    p.add_argument("--ema", type=float, default=0.999, help="EMA decay (warmed up over the first steps)")
    p.add_argument("--seed", type=int, default=0)
    # Autoencoder stage: short clips and random crops are much cheaper per step
    # and the nets are convolutional and causal, so they transfer to full clips.
    # Measured on one CPU core: 3 frames of 32x32 at batch 32 reached 26.9 dB
    # held-out PSNR in 17 minutes; 5 frames of 64x64 at batch 8 needed 42.
    p.add_argument("--vae-frames", type=int, default=3)
    p.add_argument("--vae-crop", type=int, default=32, help="square crop side; 0 = whole frame")
    # DiT stage.
    p.add_argument("--caption-dropout", type=float, default=0.1, help="empty caption rate, for CFG")
    p.add_argument("--context-prob", type=float, default=0.3, help="rate of clips with clean context frames")
    p.add_argument("--plan-dropout", type=float, default=0.2,
                   help="rate of clips trained without their scene plan, so text alone still works")
    p.add_argument("--long-clips", type=float, default=0.3,
                   help="share of training clips that are windows of clips up to a minute long")
    p.add_argument("--object-weight", type=float, default=4.0,
                   help="extra loss weight on objects, in both stages (rendered clips only); 0 = plain mean")
    p.add_argument("--attention", choices=("full", "factorized"),
                   help="the DiT's self-attention over space and time; default: the preset's")
    p.add_argument("--latent-pool", type=int, default=0,
                   help="encode this many clips once and draw batches from them (saves the encoder on CPU); 0 = fresh clips every step")
    p.add_argument("--logit-mean", type=float, default=0.0)
    p.add_argument("--logit-std", type=float, default=1.0)
    p.add_argument("--shift", type=float, default=None, help="timestep shift; default from the latent size")
    # Bookkeeping.
    p.add_argument("--log-every", type=int, default=10)
    p.add_argument("--eval-every", type=int, default=0, help="0 = only at the end")
    p.add_argument("--save-every", type=int, default=500)
    p.add_argument("--worldbench", action="store_true", help="run WorldBench in the eval hook (slow)")
    p.add_argument("--threads", type=int, default=0, help="CPU threads; 0 = all cores")
    p.add_argument("--device", default=None, help="default: cuda if available, else cpu")
    args = p.parse_args(argv)
    if args.stage == "dit" and not (args.vae or args.resume):
        p.error("--stage dit needs --vae CHECKPOINT (or --resume)")
    if args.finetune_decoder and (args.stage != "vae" or args.resume):
        p.error("--finetune-decoder starts a --stage vae run (not a resumed one)")
    if args.refit_encoder and (args.stage != "vae" or args.resume or args.finetune_decoder):
        p.error("--refit-encoder starts a --stage vae run (not a resumed one, nor with --finetune-decoder)")
    if args.init and (args.stage != "dit" or args.resume):
        p.error("--init starts a --stage dit run (not a resumed one)")
    if args.stage == "both" and args.resume:
        p.error("--resume continues one stage; pass --stage vae or --stage dit")
    return args


# ----------------------------------------------------------------------------
# Distributed setup (torchrun sets RANK / WORLD_SIZE / LOCAL_RANK)
# ----------------------------------------------------------------------------


def setup_distributed(args: argparse.Namespace) -> tuple[int, int, torch.device]:
    rank, world = int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))
    if args.device:
        device = torch.device(args.device)
        if device.type == "cuda" and device.index is None:  # set_device needs an index
            device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
    elif torch.cuda.is_available():
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
    else:
        device = torch.device("cpu")
    if device.type == "cuda":
        torch.cuda.set_device(device)
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    else:
        cores = os.cpu_count() or 1
        set_cpu_threads(args.threads or max(1, cores // world))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return rank, world, device


def set_cpu_threads(n: int) -> None:
    """torch's threads, and OpenBLAS's too: Debian's torch calls OpenBLAS for
    matmuls, whose own thread pool ignores torch.set_num_threads and
    spin-waits when the cores are shared, which made attention's batched
    matmuls 20x slower on our 2-core machines."""
    torch.set_num_threads(n)
    for name in ("libopenblas.so.0", "libopenblas.so"):
        try:
            ctypes.CDLL(name).openblas_set_num_threads(n)
            return
        except (OSError, AttributeError):
            continue


def autocast(device: torch.device) -> contextlib.AbstractContextManager:
    """bf16 autocast on CUDA; nothing on CPU (torch 1.13's CPU build cannot
    even construct a disabled CUDA autocast, and CPU bf16 is slower)."""
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def step_generator(args: argparse.Namespace, rank: int, step: int, device: torch.device) -> torch.Generator:
    """The only source of training randomness: a function of (seed, rank, step)."""
    g = torch.Generator(device=device)
    g.manual_seed((args.seed * 1_000_003 + rank * 10_007 + step) % (2**63))
    return g


# ----------------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------------


def world_clips(cfg: WorldConfig, batch: int, args: argparse.Namespace, rank: int, world: int,
                step: int, device: torch.device) -> tuple[Tensor, list[str], Tensor, Tensor]:
    """A batch of training-split clips, their captions, object cells and plan
    rasters; seeds never repeat across steps or ranks."""
    first = ((args.seed * 100_000_000) + (step * world + rank) * batch)
    samples = [sample(first + i, "train", cfg, long_clips=args.long_clips) for i in range(batch)]
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


# ----------------------------------------------------------------------------
# Models, EMA and checkpoints
# ----------------------------------------------------------------------------


class TextToVideo(nn.Module):
    """The trained half of the DiT stage: text encoder + DiT, one module so
    DDP can wrap it and one forward computes the velocity."""

    def __init__(self, text_cfg: TextEncoderConfig, dit_cfg: DiTConfig):
        super().__init__()
        self.text = TextEncoder(text_cfg)
        self.dit = DiT(dit_cfg)

    def forward(self, x: Tensor, t: Tensor, ids: Tensor, mask: Tensor, context: Optional[Tensor] = None,
                context_mask: Optional[Tensor] = None, plan: Optional[Tensor] = None) -> Tensor:
        return self.dit(x, t, self.text(ids, mask), mask, context, context_mask, plan)


def remap_embeddings(state: dict[str, Tensor], old: Tokenizer, new: Tokenizer) -> dict[str, Tensor]:
    """A text-to-video state dict for the `new` vocabulary: every word both
    know keeps its learned embedding; a word only `new` knows starts as the
    old [UNK], which is what the model saw for it so far."""
    key = "text.embed.weight"
    if old.vocab == new.vocab:
        return state
    emb = state[key]  # (old vocab, D)
    rows = [emb[old.vocab.get(word, old.unk_id)] for word in sorted(new.vocab, key=new.vocab.get)]
    return {**state, key: torch.stack(rows)}  # (new vocab, D)


def dit_configs(preset: str, tok: Tokenizer, vae_cfg: VAEConfig, world: WorldConfig) -> tuple[TextEncoderConfig, DiTConfig]:
    names = PRESETS[preset]
    text_cfg = replace(TEXT_PRESETS[names["text"]], vocab_size=tok.vocab_size, max_length=tok.max_length)
    dit_cfg = replace(
        DIT_PRESETS[names["dit"]],
        latent_channels=vae_cfg.latent_channels,
        frames=latent_frames(world.frames),
        height=world.height // vae_cfg.spatial_factor,
        width=world.width // vae_cfg.spatial_factor,
        text_dim=text_cfg.dim,
        plan_channels=len(RASTER_CHANNELS),
    )
    return text_cfg, dit_cfg


class EMA:
    """Exponential moving average of a model's weights (fp32 shadow copy)."""

    def __init__(self, model: nn.Module, decay: float):
        self.decay = decay
        self.model = copy.deepcopy(model).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, model: nn.Module, step: int) -> None:
        # Warm-up (as in TF's ExponentialMovingAverage with num_updates): short
        # runs would otherwise average in the random initialisation.
        d = min(self.decay, (1 + step) / (10 + step))
        for e, p in zip(self.model.parameters(), model.parameters()):
            e.lerp_(p.detach(), 1 - d)
        for e, b in zip(self.model.buffers(), model.buffers()):
            e.copy_(b)


def unwrap(m: nn.Module) -> nn.Module:
    return m.module if isinstance(m, nn.parallel.DistributedDataParallel) else m


def world_dict(cfg: WorldConfig) -> dict:
    return {"frames": cfg.frames, "height": cfg.height, "width": cfg.width, "fps": cfg.fps}


def save_checkpoint(path: Path, ckpt: dict) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(ckpt, tmp)
    os.replace(tmp, path)  # never leave a half-written checkpoint behind


def load_checkpoint(path: str | Path) -> dict:
    # weights_only=False: torch >= 2.6 defaults to True, and a checkpoint
    # carries plain configs and arguments beside its tensors.
    ckpt = torch.load(path, map_location="cpu", weights_only=False)
    if ckpt.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{path} is not a {CHECKPOINT_FORMAT} file (format={ckpt.get('format')!r})")
    return ckpt


def load_vae(ckpt: dict, ema: bool = True) -> VideoAutoencoder:
    vae = VideoAutoencoder(VAEConfig(**ckpt["configs"]["vae"]))
    weights = ckpt["ema"]["vae"] if ema and "vae" in ckpt.get("ema", {}) else ckpt["model"]["vae"]
    vae.load_state_dict(weights)
    return vae.eval().requires_grad_(False)


def load_text_to_video(ckpt: dict, ema: bool = True) -> tuple[TextToVideo, Tokenizer]:
    """Rebuilds text encoder + DiT from the configs stored in a DiT checkpoint."""
    model = TextToVideo(TextEncoderConfig(**ckpt["configs"]["text"]), DiTConfig(**ckpt["configs"]["dit"]))
    model.load_state_dict(ckpt["ema"]["t2v"] if ema else ckpt["model"]["t2v"])
    return model.eval().requires_grad_(False), Tokenizer.from_dict(ckpt["tokenizer"])


# ----------------------------------------------------------------------------
# Losses
# ----------------------------------------------------------------------------


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
    and the latents they were decoded from."""
    video, z = anchors
    idx = torch.randint(0, len(z), (batch,), generator=g, device=g.device).cpu()
    return (vae.normalize(vae.encode(video_to_tensor(video[idx].to(z.device)))) - z[idx]).pow(2).mean()


@torch.no_grad()
def refit_anchors(ckpt: dict, args: argparse.Namespace, device: torch.device, log) -> tuple[Tensor, Tensor]:
    """(videos uint8, normalised latents) of clips the checkpoint's DiT draws
    for training captions: where the refitted encoder must agree with the
    one the DiT was trained on."""
    from .pipeline import TextToVideoPipeline

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


def pixel_weights(cells: Tensor, frames: int, factor: int = 8) -> Tensor:
    """Latent-cell object marks (B, T', h, w) -> per-pixel loss weights
    (B, 1, T, h*factor, w*factor) of 1 + --object-weight on objects."""
    per_frame = cells[:, [(f + 1) // 2 for f in range(frames)]]  # (B, T, h, w)
    return per_frame.repeat_interleave(factor, 2).repeat_interleave(factor, 3)[:, None]  # (B, 1, T, H, W)


def context_mask_for(batch: int, frames: int, prob: float, g: torch.Generator, device: torch.device) -> Tensor:
    """(B, T) 0/1: which latent frames are given clean. Of the clips that get
    context, half get frame 0 only (animate an image), half the first k for
    k in 1..T-1 (extend a clip); the rest none (plain text-to-video)."""
    r = torch.rand(batch, generator=g, device=device)
    k = torch.randint(1, max(2, frames), (batch,), generator=g, device=device)
    k = torch.where(r < prob / 2, torch.ones_like(k), k)
    k = torch.where(r < prob, k, torch.zeros_like(k))
    return (torch.arange(frames, device=device)[None] < k[:, None]).float()


def dit_loss(model: nn.Module, x0: Tensor, ids: Tensor, mask: Tensor, args: argparse.Namespace,
             shift: float, g: torch.Generator, cells: Optional[Tensor] = None,
             plans: Optional[Tensor] = None) -> Tensor:
    """Velocity MSE over the frames the model must generate. `cells` (B, T,
    h, w) marks latent cells under objects; they weigh 1 + --object-weight,
    because objects cover a few percent of a clip yet carry most of what a
    prompt asks for (object, colour, size, motion), and a plain mean leaves
    them to the last of training."""
    B, T = x0.shape[0], x0.shape[2]
    t = flow.sample_timesteps(B, shift, args.logit_mean, args.logit_std, generator=g, device=x0.device)
    noise = torch.randn(x0.shape, generator=g, device=x0.device)
    cmask = context_mask_for(B, T, args.context_prob, g, x0.device)  # (B, T)
    if plans is not None:  # plan dropout: some clips from text alone
        keep = torch.rand(B, generator=g, device=x0.device) >= args.plan_dropout
        plans = plans * keep[:, None, None, None, None].to(plans.dtype)  # (B, P, T, h, w)
    v = model(flow.interpolate(x0, noise, t), t, ids, mask, x0, cmask, plans)  # (B, C, T, h, w)
    err = (v.float() - flow.velocity_target(x0, noise)).pow(2).mean(dim=1)  # (B, T, h, w)
    w = (1 - cmask)[:, :, None, None].expand_as(err)  # (B, T, h, w): context frames are given
    if cells is not None and args.object_weight:
        w = w * (1 + args.object_weight * cells)
    return (err * w).sum() / w.sum().clamp(min=1)


def drop_captions(captions: list[str], rate: float, g: torch.Generator) -> list[str]:
    keep = torch.rand(len(captions), generator=g, device=g.device) >= rate
    return [c if k else "" for c, k in zip(captions, keep.tolist())]


# ----------------------------------------------------------------------------
# Evaluation hooks
# ----------------------------------------------------------------------------


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
        plans = plan_rasters(samples, world).to(device)
        record["heldout_loss_plan"] = (model(xt, t, ids, mask, None, None, plans) - target).pow(2).mean().item()
    return record


def worldbench_hook(checkpoint: Path, device: torch.device, clips: int = 16, steps: int = 20,
                    guidance: float = 2.0) -> Optional[dict]:
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
    from .pipeline import TextToVideoPipeline

    pipe = TextToVideoPipeline.from_checkpoint(checkpoint, device)
    samples = [sample(i, "heldout", pipe.world) for i in range(clips)]
    out = pipe([s.caption for s in samples], steps=steps, guidance=guidance, seed=0)
    totals: dict[str, list[float]] = {}
    for video, s in zip(out.video, samples):
        for name, value in score_clip(video.numpy(), s.spec, pipe.world.fps).scores.items():
            if value is not None:
                totals.setdefault(name, []).append(float(value))
    return {f"wb_{k}": sum(v) / len(v) for k, v in sorted(totals.items())}


# ----------------------------------------------------------------------------
# Training
# ----------------------------------------------------------------------------


def lr_at(step: int, args: argparse.Namespace, base: float) -> float:
    """Linear warm-up, then cosine decay to base * min_lr_ratio at --steps."""
    if step < args.warmup:
        return base * (step + 1) / args.warmup
    progress = min(1.0, (step - args.warmup) / max(1, args.steps - args.warmup))
    return base * (args.min_lr_ratio + (1 - args.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress)))


class Logger:
    def __init__(self, out: Path, enabled: bool):
        self.enabled = enabled
        self.file = open(out / "log.jsonl", "a") if enabled else None

    def __call__(self, record: dict) -> None:
        if not self.enabled:
            return
        print(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in record.items()), flush=True)
        assert self.file is not None
        self.file.write(json.dumps(record) + "\n")
        self.file.flush()


def train_stage(stage: str, args: argparse.Namespace) -> Path:
    """Runs one stage to --steps (or --minutes); returns the last checkpoint."""
    rank, world_size, device = setup_distributed(args)
    out = Path(args.out)
    if rank == 0:
        out.mkdir(parents=True, exist_ok=True)
    log = Logger(out, enabled=rank == 0)  # one voice: rank 0 logs and saves
    world = WorldConfig(frames=args.frames, height=args.height, width=args.width, fps=args.fps)
    resume = load_checkpoint(args.resume) if args.resume else None
    if resume is not None and resume["stage"] != stage:
        raise ValueError(f"--resume {args.resume} is a {resume['stage']} checkpoint, not {stage}")
    cuda = device.type == "cuda"
    names = PRESETS[args.preset]

    # ---- 1. models
    configs: dict[str, dict] = {}
    tok = Tokenizer.from_world()
    finetune = stage == "vae" and bool(args.finetune_decoder or args.refit_encoder)
    if finetune:
        model: nn.Module = load_vae(load_checkpoint(args.finetune_decoder or args.refit_encoder)).to(device).train()
        if args.finetune_decoder:
            model.decoder.requires_grad_(True)  # the encoder stays frozen: the DiT's latent space
        else:
            model.encoder.requires_grad_(True)  # the decoder and statistics are the DiT's latent space
        configs["vae"] = model.cfg.to_dict()
        frozen_vae = None
        shift = 0.0
    elif stage == "vae":
        vae_cfg = VAEConfig(**resume["configs"]["vae"]) if resume else VAE_PRESETS[names["vae"]]
        torch.manual_seed(args.seed)
        model = VideoAutoencoder(vae_cfg).to(device)
        configs["vae"] = vae_cfg.to_dict()
        frozen_vae = None
        shift = 0.0
    else:
        vae_ckpt = resume if resume else load_checkpoint(args.vae)
        init = load_checkpoint(args.init) if args.init else None
        frozen_vae = load_vae(vae_ckpt).to(device)
        if resume:
            tok = Tokenizer.from_dict(resume["tokenizer"])
            text_cfg = TextEncoderConfig(**resume["configs"]["text"])
            dit_cfg = DiTConfig(**resume["configs"]["dit"])
        elif init:
            # Today's grammar, which may know more words than the checkpoint's tokenizer.
            text_cfg = replace(TextEncoderConfig(**init["configs"]["text"]), vocab_size=tok.vocab_size)
            dit_cfg = replace(DiTConfig(**init["configs"]["dit"]), plan_channels=len(RASTER_CHANNELS))
        else:
            text_cfg, dit_cfg = dit_configs(args.preset, tok, frozen_vae.cfg, world)
        if args.attention and not resume:
            dit_cfg = replace(dit_cfg, attention=args.attention)
        torch.manual_seed(args.seed)
        model = TextToVideo(text_cfg, dit_cfg).to(device)
        if init:
            weights = remap_embeddings(init["ema"]["t2v"], Tokenizer.from_dict(init["tokenizer"]), tok)
            missing, unexpected = model.load_state_dict(weights, strict=False)
            new = [k for k in missing if "plan" not in k]
            if new or unexpected:
                raise ValueError(f"--init {args.init} does not fit this model: missing {new}, unexpected {unexpected}")
            log({"event": "init", "from": args.init, "new_params": len(missing)})
        configs = {"vae": frozen_vae.cfg.to_dict(), "text": text_cfg.to_dict(), "dit": dit_cfg.to_dict()}
        shift = args.shift or (init["flow"]["shift"] if init else
                               flow.resolution_shift(dit_cfg.frames, dit_cfg.height, dit_cfg.width))
    key = "vae" if stage == "vae" else "t2v"
    ema = EMA(model, args.ema)
    base_lr = args.lr or (2e-3 if stage == "vae" else 5e-4)
    fused = {"fused": True} if cuda and "fused" in torch.optim.AdamW.__init__.__code__.co_varnames else {}
    trained = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(trained, lr=base_lr, betas=(0.9, 0.99), weight_decay=args.weight_decay, **fused)
    step = 0
    if resume:
        model.load_state_dict(resume["model"][key])
        ema.model.load_state_dict(resume["ema"][key])
        opt.load_state_dict(resume["optimizer"])
        step = resume["step"]
    train_model = nn.parallel.DistributedDataParallel(model) if world_size > 1 else model
    n_params = sum(p.numel() for p in trained)
    log({"event": "start", "stage": stage, "preset": args.preset, "params": n_params, "step": step,
         "device": str(device), "world_size": world_size, "threads": torch.get_num_threads()})

    # ---- 2. data
    # Each step takes one batch of the folder, unless the latent pool took them all up front
    # (the pool is built again on resume, from the start): a resumed run skips what it used.
    from_batch = 0 if stage == "dit" and args.latent_pool else step
    folder = folder_clips(args, world, rank, world_size, start=from_batch) if args.videos else None
    vae_world = WorldConfig(frames=args.vae_frames, height=args.height, width=args.width, fps=args.fps)
    pool: Optional[tuple[Tensor, list[str], Optional[Tensor]]] = None

    def encode(video: Tensor) -> Tensor:
        assert frozen_vae is not None
        with torch.no_grad(), autocast(device):
            return frozen_vae.normalize(frozen_vae.encode(video_to_tensor(video))).float()

    if stage == "dit" and args.latent_pool:
        t0 = time.time()
        lat, caps, cells, rasters = [], [], [], []
        for i in range(math.ceil(args.latent_pool / args.batch)):
            video, c, oc, pr = next(folder) if folder else world_clips(world, args.batch, args, rank, world_size, POOL_STEP_OFFSET + i, device)
            lat.append(encode(video.to(device)).half())  # half: a pool of thousands of clips fits in RAM
            caps += c
            cells.append(oc)
            rasters.append(None if pr is None else pr.half())
        pool = (torch.cat(lat), caps, None if folder else torch.cat(cells), None if folder else torch.cat(rasters))
        log({"event": "pool", "clips": len(caps), "seconds": round(time.time() - t0, 1)})

    def next_batch(g: torch.Generator) -> tuple[Tensor, list[str], Optional[Tensor], Optional[Tensor]]:
        """(input, captions, weights, plan rasters): pixel loss weights for the
        VAE, object cells for the DiT."""
        if stage == "vae":
            video, caps, cells, _ = next(folder) if folder else world_clips(vae_world, args.batch, args, rank, world_size, step, device)
            x = video_to_tensor(video.to(device))
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
        if pool is not None:
            idx = torch.randint(0, len(pool[1]), (args.batch,), generator=g, device=g.device).cpu()
            cells = None if pool[2] is None else pool[2][idx.to(pool[2].device)]
            plans = None if pool[3] is None else pool[3][idx.to(pool[3].device)].float()
            return pool[0][idx.to(pool[0].device)].float(), [pool[1][i] for i in idx.tolist()], cells, plans
        video, caps, cells, plans = next(folder) if folder else world_clips(world, args.batch, args, rank, world_size, step, device)
        return encode(video.to(device)), caps, cells, plans

    def checkpoint(final: bool) -> Path:
        ckpt = {
            "format": CHECKPOINT_FORMAT,
            "stage": stage,
            "preset": args.preset,
            "configs": configs,
            "world": world_dict(world),
            "tokenizer": tok.to_dict(),
            "flow": {"type": "rectified-flow", "prediction": "velocity", "shift": shift,
                     "logit_mean": args.logit_mean, "logit_std": args.logit_std},
            "model": {key: unwrap(model).state_dict()},
            "ema": {key: ema.model.state_dict()},
            "optimizer": opt.state_dict(),
            "step": step,
            "args": vars(args),
        }
        if frozen_vae is not None:  # the DiT checkpoint is self-contained: it carries its autoencoder
            ckpt["model"]["vae"] = frozen_vae.state_dict()
        path = out / "last.pt"
        save_checkpoint(path, ckpt)
        if final:
            log({"event": "saved", "path": str(path), "step": step})
        return path

    def evaluate() -> None:
        ema.model.eval()
        if stage == "vae":
            record = eval_vae(ema.model, world, device)
        else:
            assert frozen_vae is not None
            record = eval_dit(ema.model, frozen_vae, tok, world, shift, device)
        log({"event": "eval", "step": step, **record})

    anchors = refit_anchors(load_checkpoint(args.refit_encoder), args, device, log) if args.refit_encoder else None

    # ---- 3. loop
    t_start = time.time()
    t_log, steps_since = time.time(), 0
    if stage == "vae":
        tokens_per_clip = latent_frames(args.vae_frames) * (min(args.vae_crop or args.height, args.height) // 8) ** 2
    else:
        tokens_per_clip = DiTConfig(**configs["dit"]).tokens
    last_path = out / "last.pt"
    while step < args.steps:
        g = step_generator(args, rank, step, device)
        lr = lr_at(step, args, base_lr)
        for group in opt.param_groups:
            group["lr"] = lr
        x, caps, cells, plans = next_batch(g)
        with autocast(device):
            if stage == "vae":
                loss = vae_loss(train_model, x, cells)
                if anchors is not None:
                    loss = loss + anchor_loss(unwrap(train_model), anchors, g)
            else:
                ids, mask = (a.to(device) for a in tok(drop_captions(caps, args.caption_dropout, g)))
                loss = dit_loss(train_model, x, ids, mask, args, shift, g, cells, plans)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(trained, args.grad_clip)
        opt.step()
        ema.update(model, step)
        step += 1
        steps_since += 1

        if step % args.log_every == 0 or step == args.steps:
            dt = time.time() - t_log
            clips = steps_since * x.shape[0] * world_size  # all ranks together
            log({"step": step, "loss": loss.item(), "grad_norm": float(grad_norm), "lr": lr,
                 "clips_per_s": clips / dt, "tokens_per_s": clips * tokens_per_clip / dt,
                 "s_per_step": dt / steps_since, "elapsed_s": round(time.time() - t_start, 1)})
            t_log, steps_since = time.time(), 0
        out_of_time = args.minutes and time.time() - t_start > args.minutes * 60
        if rank == 0 and args.eval_every and step % args.eval_every == 0 and step < args.steps and not out_of_time:
            evaluate()
        if rank == 0 and step % args.save_every == 0:
            last_path = checkpoint(final=False)
        if out_of_time:
            # Every rank reaches the same decision at the same step only if
            # they agree on the clock; rank 0 decides for all.
            flag = torch.tensor([1.0], device=device)
        else:
            flag = torch.tensor([0.0], device=device)
        if world_size > 1:
            dist.broadcast(flag, 0)
        if flag.item():
            log({"event": "time-limit", "step": step, "minutes": args.minutes})
            break
    if rank == 0:
        if stage == "vae" and not finetune:
            stats = calibrate_latents(ema.model, world, device)
            model.latent_mean.copy_(ema.model.latent_mean)
            model.latent_std.copy_(ema.model.latent_std)
            log({"event": "latent-stats", **stats})
        evaluate()
        last_path = checkpoint(final=True)
        if stage == "dit" and args.worldbench:
            result = worldbench_hook(last_path, device)
            if result is not None:
                log({"event": "worldbench", "step": step, **result})
    if world_size > 1:
        dist.barrier()
    return last_path


def main(argv: Optional[list[str]] = None) -> None:
    args = parse_args(argv)
    if args.stage == "both":
        root = Path(args.out)
        vae_args = argparse.Namespace(**{**vars(args), "out": str(root / "vae")})
        vae_path = train_stage("vae", vae_args)
        dit_args = argparse.Namespace(**{**vars(args), "out": str(root / "dit"), "vae": str(vae_path)})
        train_stage("dit", dit_args)
    else:
        train_stage(args.stage, args)
    if dist.is_initialized():
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
