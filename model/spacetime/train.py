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

This file is the loop and its command line. Data is rendered on the fly from
the world's training split on the training device (`--videos DIR` trains on a
folder of mp4 + txt pairs instead): data.py. The objectives: losses.py. The
eval hook: evals.py. Every checkpoint holds the configs of every net it
contains, the tokenizer, the world geometry, the flow settings and the
arguments, so the sampler and the exporter rebuild everything from the file
alone (as nanoGPT does): checkpoint.py, which inference imports instead of
this file.

Randomness is a pure function of (seed, rank, step): resuming from a
checkpoint replays exactly what an uninterrupted run would have done.
"""
from __future__ import annotations

import argparse
import copy
import json
import math
import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Optional

import torch
import torch.distributed as dist
import torch.nn as nn
from torch import Tensor

from . import flow
from .checkpoint import (CHECKPOINT_FORMAT, flow_dict, load_checkpoint, load_dit_checkpoint, load_text_to_video, load_vae,
                         save_checkpoint, world_dict)
from .data import TrainingData, refit_anchors
from .evals import calibrate_latents, eval_dit, eval_vae, worldbench_hook
from .losses import anchor_loss, dit_loss, drop_captions, guidance_distill_loss, vae_loss
from .nets.dit import DIT_PRESETS, DiTConfig
from .nets.text_encoder import TEXT_PRESETS, TextEncoderConfig
from .nets.text_to_video import PRESETS, TextToVideo
from .nets.vae import VAE_PRESETS, VAEConfig, VideoAutoencoder, latent_frames, video_to_tensor
from .plan import RASTER_CHANNELS
from .runtime import autocast, set_cpu_threads
from .tokenizer import Tokenizer
from .world.config import ASPECT_RATIOS, WorldConfig


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
    p.add_argument("--distill-guidance", type=float, default=0.0, metavar="W",
                   help="--stage dit: learn the --teacher's velocity guided at scale W, so that sampling at "
                        "guidance 1 (one DiT row per step) matches the teacher's guided sampling; 0 = plain training")
    p.add_argument("--teacher", metavar="CHECKPOINT", help="--distill-guidance: the dit checkpoint to distil (its EMA)")
    p.add_argument("--long-clips", type=float, default=0.3,
                   help="share of training clips that are windows of clips up to a minute long")
    p.add_argument("--camera", type=float, default=0.0,
                   help="share of training clips filmed by a moving camera, the move said in the caption "
                        "(world/camera.py)")
    p.add_argument("--object-weight", type=float, default=4.0,
                   help="extra loss weight on objects, in both stages (rendered clips only); 0 = plain mean")
    p.add_argument("--coarse-weight", type=float, default=0.0,
                   help="--stage dit: extra loss weight on the velocity error averaged over 2x2 latent cells "
                        "(losses.velocity_error); 0 = per cell only")
    p.add_argument("--attention", choices=("full", "factorized"),
                   help="the DiT's self-attention over space and time; default: the preset's")
    p.add_argument("--aspects", default="1:1",
                   help="--stage dit: comma-separated size buckets (1:1, 16:9, 9:16), one per step in turn, so one "
                        "DiT learns every aspect; clips keep the frame's short side")
    p.add_argument("--latent-pool", type=int, default=0,
                   help="encode this many clips once and draw batches from them (saves the encoder on CPU); 0 = fresh clips every step")
    p.add_argument("--pool-refresh", type=int, default=0, metavar="N",
                   help="--latent-pool: every N steps one new batch of rendered clips replaces the oldest in the pool "
                        "(costs about one batch's render and encode); 0 = the pool never changes")
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
    known = tuple(ASPECT_RATIOS)
    args.aspects = tuple(a.strip() for a in args.aspects.split(","))
    if not args.aspects or any(a not in known for a in args.aspects):
        p.error(f"--aspects takes a comma-separated list of {', '.join(known)}")
    if args.aspects != ("1:1",) and (args.stage == "vae" or args.videos):
        p.error("--aspects is for --stage dit on rendered clips")
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


def step_generator(args: argparse.Namespace, rank: int, step: int, device: torch.device) -> torch.Generator:
    """The only source of training randomness: a function of (seed, rank, step)."""
    g = torch.Generator(device=device)
    g.manual_seed((args.seed * 1_000_003 + rank * 10_007 + step) % (2**63))
    return g


# ----------------------------------------------------------------------------
# Models and EMA
# ----------------------------------------------------------------------------


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


def widen_plan_input(state: dict[str, Tensor], cfg: DiTConfig) -> dict[str, Tensor]:
    """A state dict whose plan input reads more raster channels than it was
    trained on (the camera's, appended last): their weights start at zero, so
    the model starts as it was."""
    key = "dit.plan_embed.0.proj.weight"
    if key not in state:
        return state
    w = state[key]  # (D, C_old * p * p), features in (channel, y, x) order
    grown = cfg.plan_channels * cfg.patch**2 - w.shape[1]
    if grown < 0:
        raise ValueError(f"the checkpoint's plan input reads {w.shape[1] // cfg.patch**2} channels, more than "
                         f"today's raster's {cfg.plan_channels}")
    return {**state, key: torch.cat([w, w.new_zeros(w.shape[0], grown)], dim=1)} if grown else state


def dit_configs(preset: str, tok: Tokenizer, vae_cfg: VAEConfig, world: WorldConfig) -> tuple[TextEncoderConfig, DiTConfig]:
    """The configs of a fresh text encoder + DiT of model preset `preset`,
    sized to the autoencoder's latents of `world`'s clips."""
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
            weights = widen_plan_input(remap_embeddings(init["ema"]["t2v"], Tokenizer.from_dict(init["tokenizer"]), tok),
                                       dit_cfg)
            missing, unexpected = model.load_state_dict(weights, strict=False)
            new = [k for k in missing if "plan" not in k]
            if new or unexpected:
                raise ValueError(f"--init {args.init} does not fit this model: missing {new}, unexpected {unexpected}")
            log({"event": "init", "from": args.init, "new_params": len(missing)})
        configs = {"vae": frozen_vae.cfg.to_dict(), "text": text_cfg.to_dict(), "dit": dit_cfg.to_dict()}
        shift = args.shift or (init["flow"]["shift"] if init else
                               flow.resolution_shift(dit_cfg.frames, dit_cfg.height, dit_cfg.width))
    teacher = None
    if stage == "dit" and args.distill_guidance:
        if not args.teacher:
            raise ValueError("--distill-guidance needs --teacher CHECKPOINT (the dit checkpoint to distil)")
        teacher, teacher_tok = load_text_to_video(load_dit_checkpoint(args.teacher, "--teacher"))
        if teacher_tok.to_dict() != tok.to_dict():
            raise ValueError(f"--teacher {args.teacher} has another tokenizer than the student's")
        teacher = teacher.to(device)
        empty = tuple(a.to(device) for a in tok([""] * args.batch))
        log({"event": "teacher", "from": args.teacher, "guidance": args.distill_guidance})
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
    def encode(video: Tensor) -> Tensor:
        assert frozen_vae is not None
        with torch.no_grad(), autocast(device):
            return frozen_vae.normalize(frozen_vae.encode(video_to_tensor(video))).float()

    data = TrainingData(stage, args, world, rank, world_size, device, encode if frozen_vae is not None else None, step)
    if stage == "dit" and args.latent_pool:
        t0 = time.time()
        pooled = data.fill_pool()
        log({"event": "pool", "clips": pooled, "seconds": round(time.time() - t0, 1)})
    anchors = refit_anchors(load_checkpoint(args.refit_encoder), args, device, log) if args.refit_encoder else None

    # ---- 3. saving and evaluating, at the step the loop hands them
    def save(step: int, final: bool) -> Path:
        ckpt = {
            "format": CHECKPOINT_FORMAT,
            "stage": stage,
            "preset": args.preset,
            "configs": configs,
            "world": world_dict(world),
            "tokenizer": tok.to_dict(),
            "flow": flow_dict(shift, args.logit_mean, args.logit_std),
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

    def evaluate(step: int) -> None:
        ema.model.eval()
        if stage == "vae":
            record = eval_vae(ema.model, world, device)
        else:
            assert frozen_vae is not None
            record = eval_dit(ema.model, frozen_vae, tok, world, shift, device)
        log({"event": "eval", "step": step, **record})

    # ---- 4. loop
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
        x, caps, cells, plans = data(step, g)
        with autocast(device):
            if stage == "vae":
                loss = vae_loss(train_model, x, cells)
                if anchors is not None:
                    loss = loss + anchor_loss(unwrap(train_model), anchors, g)
            else:
                ids, mask = (a.to(device) for a in tok(drop_captions(caps, args.caption_dropout, g)))
                if teacher is not None:
                    e = (empty[0][: len(caps)], empty[1][: len(caps)])
                    loss = guidance_distill_loss(train_model, teacher, x, ids, mask, e, args.distill_guidance,
                                                 args, shift, g, cells, plans)
                else:
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
            evaluate(step)
        if rank == 0 and step % args.save_every == 0:
            last_path = save(step, final=False)
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
        evaluate(step)
        last_path = save(step, final=True)
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
