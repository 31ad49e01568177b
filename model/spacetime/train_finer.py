"""Trains the finer decoder (nets/finer_decoder.py): the frozen autoencoder's
latents of clips rendered at the model's own size and fps, against the same
clips rendered `space` times larger at `time` times the fps.

    scripts/py -m spacetime.train_finer --checkpoint model/checkpoints/plan-tiny.pt \\
        --out model/runs/finer --minutes 60 --threads 1

--checkpoint is the DiT (or autoencoder) checkpoint whose autoencoder the app
ships: its encoder and decoder stay frozen, so the DiT's latent space is
untouched, and the result (out/last.pt, stage "finer") holds that
autoencoder beside the head, which export.py checks before it writes
vae_decoder_24.onnx. Training samples random crops of a pool of clips held in
memory (rendering a 256 px, 24 fps clip costs more than a step on it).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Optional

import torch
import torch.nn.functional as F

from .checkpoint import (CHECKPOINT_FORMAT, check_finer_vae, load_checkpoint, load_vae, save_checkpoint,
                         vae_fingerprint, world_dict)
from .evals import eval_finer
from .nets.finer_decoder import FINER_PRESETS, FinerConfig, FinerDecoder, floor
from .nets.vae import video_to_tensor
from .runtime import set_cpu_threads
from .train import lr_at
from .world.config import WorldConfig, aspect_sizes
from .world.render import render
from .world.sampler import finer_config, sample, sample_finer


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="spacetime.train_finer", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", required=True, type=Path, help="dit or vae checkpoint of the autoencoder to extend")
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--preset", default="tiny", choices=tuple(FINER_PRESETS))
    p.add_argument("--resume", type=Path, help="a finer checkpoint to continue (a slim one: from its EMA, "
                                                  "with a fresh optimizer)")
    p.add_argument("--init", type=Path, help="a finer checkpoint whose tuned trunk starts this one "
                                                "(its head, if it has one, is left out): a new preset, fine-tuned")
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--minutes", type=float, default=0, help="stop (and save) after this much wall time; 0 = no limit")
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--warmup", type=int, default=50)
    p.add_argument("--min-lr-ratio", type=float, default=0.1, help="cosine decay ends at lr * this")
    p.add_argument("--pool", type=int, default=256, help="clips held in memory, drawn across the aspects")
    p.add_argument("--crop", type=int, default=8, help="latent crop side (8 = 64 px at the model's size)")
    p.add_argument("--long-clips", type=float, default=0.3)
    p.add_argument("--save-every", type=int, default=200)
    p.add_argument("--eval-every", type=int, default=0, help="0 = only at the end")
    p.add_argument("--eval-clips", type=int, default=8)
    p.add_argument("--log-every", type=int, default=10)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--device", default=None, help="default: cuda if available, else cpu (the pool is rendered there)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    if args.init and args.resume:
        p.error("--init starts a new run and --resume continues one: give one of them")
    for name in ("steps", "batch", "pool", "crop", "save_every", "log_every"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


def build_pool(decoder: FinerDecoder, world: WorldConfig, n: int, long_clips: float,
               device: torch.device = torch.device("cpu")) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """n (normalised latent, fine uint8 clip) pairs from the train split, the aspects in turn,
    rendered and kept on `device`."""
    cfg = decoder.cfg
    vae = decoder.vae
    aspects = list(aspect_sizes(world, vae.cfg.spatial_factor).values())
    pool = []
    for i in range(n):
        h, w = aspects[i % len(aspects)]
        base = WorldConfig(frames=world.frames, height=h, width=w, fps=world.fps)
        x = video_to_tensor(render([sample(i, "train", base, long_clips)], base, device))  # (1, 3, T, H, W)
        with torch.no_grad():
            z = vae.normalize(vae.encode(x))[0]  # (Z, T', h, w)
        fine = render([sample_finer(i, "train", base, long_clips, cfg.space, cfg.time)],
                      finer_config(base, cfg.space, cfg.time), device)[0]  # (T*, sH, sW, 3) uint8
        pool.append((z, fine))
    return pool


def crop_batch(pool, batch: int, crop: int, factor: int, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Random latent crops and the matching fine pixels, whole clips in time."""
    zs, xs = [], []
    for _ in range(batch):
        z, fine = pool[int(torch.randint(len(pool), (1,), generator=g))]
        _, _, h, w = z.shape
        y0 = int(torch.randint(h - crop + 1, (1,), generator=g))
        x0 = int(torch.randint(w - crop + 1, (1,), generator=g))
        zs.append(z[:, :, y0:y0 + crop, x0:x0 + crop])
        xs.append(fine[:, y0 * factor:(y0 + crop) * factor, x0 * factor:(x0 + crop) * factor])
    return torch.stack(zs), video_to_tensor(torch.stack(xs))


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    if args.threads:
        set_cpu_threads(args.threads)
    torch.manual_seed(args.seed)
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    source = load_checkpoint(args.checkpoint)
    world = WorldConfig(**source["world"])
    vae = load_vae(source).to(device)
    resume = load_checkpoint(args.resume) if args.resume else None
    init = load_checkpoint(args.init) if args.init else None
    for flag, given in (("--resume", resume), ("--init", init)):
        if given is None:
            continue
        if given["stage"] != "finer":
            print(f"train_finer: {flag} is a {given['stage']} checkpoint, not finer", file=sys.stderr)
            return 2
        try:
            check_finer_vae(given, vae)
        except ValueError as e:
            print(f"train_finer: {flag}: {e} than --checkpoint {args.checkpoint}", file=sys.stderr)
            return 2
    cfg = FinerConfig(**resume["configs"]["finer"]) if resume else FINER_PRESETS[args.preset]
    preset = resume.get("preset", args.preset) if resume else args.preset
    decoder = FinerDecoder(vae, cfg).to(device)
    if init is not None:
        trunk = {k: v for k, v in init["ema"]["finer"].items() if k.startswith("trunk.")}
        if not (trunk and cfg.tune_trunk):
            print("train_finer: --init needs a tuned trunk in the checkpoint and in the preset", file=sys.stderr)
            return 2
        decoder.load_state_dict(trunk, strict=False)
    params = [p for name, p in decoder.named_parameters() if not name.startswith("vae.")]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.0)
    step = 0
    frozen = {f"vae.{k}": v for k, v in vae.state_dict().items()}
    if resume is not None:
        decoder.load_state_dict({**frozen, **(resume["model"].get("finer") or resume["ema"]["finer"])})
        if "optimizer" in resume:  # a slim (committed) checkpoint has none
            opt.load_state_dict(resume["optimizer"])
        step = resume["step"]
    ema = {k: v.detach().float().clone().to(device) for k, v in (resume["ema"]["finer"] if resume else decoder.trainable()).items()}
    args.out.mkdir(parents=True, exist_ok=True)
    log_file = open(args.out / "log.jsonl", "a")

    def log(record: dict) -> None:
        print(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in record.items()), flush=True)
        log_file.write(json.dumps(record) + "\n")
        log_file.flush()

    def save(name: str) -> Path:
        path = args.out / name
        save_checkpoint(path, {
            "format": CHECKPOINT_FORMAT, "stage": "finer", "preset": preset,
            "configs": {"vae": vae.cfg.to_dict(), "finer": cfg.to_dict()}, "world": world_dict(world),
            "vae_fingerprint": vae_fingerprint(vae), "model": {"finer": decoder.trainable()}, "ema": {"finer": ema},
            "optimizer": opt.state_dict(), "step": step, "args": {k: str(v) for k, v in vars(args).items()},
        })
        return path

    def evaluate() -> None:
        shadow = FinerDecoder(vae, cfg).to(device).eval()
        shadow.load_state_dict({**frozen, **ema})
        log({"event": "eval", "step": step, **eval_finer(shadow, world, clips=args.eval_clips)})

    t0 = time.time()
    pool = build_pool(decoder, world, args.pool, args.long_clips, device)
    log({"event": "pool", "clips": len(pool), "seconds": round(time.time() - t0, 1),
         "params": sum(p.numel() for p in params)})
    g = torch.Generator().manual_seed(args.seed + step)
    factor = vae.cfg.spatial_factor * cfg.space
    start, last_log = time.time(), time.time()
    while step < args.steps:
        for group in opt.param_groups:
            group["lr"] = lr_at(step, args, args.lr)
        z, target = crop_batch(pool, args.batch, args.crop, factor, g)
        with torch.set_grad_enabled(cfg.tune_trunk):
            base, h = decoder.floor_and_features(z)
        out = base if decoder.head is None else base + decoder.head(h, base)
        loss = F.l1_loss(out, target)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        with torch.no_grad():
            d = min(0.999, (1 + step) / (10 + step))
            for k, v in decoder.trainable().items():
                ema[k].lerp_(v, 1 - d)
        if step % args.log_every == 0:
            with torch.no_grad():  # the floor of the autoencoder's own decoder, for comparison
                floor_loss = F.l1_loss(floor(vae.decode(vae.denormalize(z)), cfg), target).item()
            now = time.time()
            log({"step": step, "loss": loss.item(), "floor_loss": floor_loss, "lr": lr_at(step, args, args.lr),
                 "s_per_step": (now - last_log) / args.log_every})
            last_log = now
        if step % args.save_every == 0:
            save("last.pt")
        if args.eval_every and step % args.eval_every == 0:
            evaluate()
        if args.minutes and time.time() - start > args.minutes * 60:
            break
    save("last.pt")
    evaluate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
