"""Reconstruction PSNR of a checkpoint's autoencoder on held-out clips at full
length and size (training's own eval hook uses 8 clips; this takes more, for a
steadier number).

    npm run eval:vae -- --checkpoint PATH [--clips 192] [--threads N]

PATH: a vae or dit checkpoint, or a --finetune-decoder one.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

from .checkpoint import load_checkpoint, load_vae
from .evals import eval_vae
from .runtime import set_cpu_threads
from .world.config import WorldConfig


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="npm run eval:vae --", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", required=True, type=Path)
    p.add_argument("--clips", type=int, default=192)
    p.add_argument("--threads", type=int, default=0, help="CPU threads; 0 = all cores")
    args = p.parse_args(argv)
    if args.clips < 2 or args.clips % 2:
        p.error("--clips must be an even number of at least 2")
    if not args.checkpoint.exists():
        print(f"eval:vae: no checkpoint at {args.checkpoint}", file=sys.stderr)
        return 2
    if args.threads:
        set_cpu_threads(args.threads)
    ckpt = load_checkpoint(args.checkpoint)
    world = WorldConfig(**ckpt["world"])
    result = eval_vae(load_vae(ckpt), world, torch.device("cpu"), clips=args.clips)
    print(f"{args.checkpoint}: PSNR {result['psnr']:.2f} dB mean, {result['psnr_min']:.2f} dB worst, "
          f"{args.clips} held-out clips of {world.frames}x{world.height}x{world.width}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
