"""Reconstruction PSNR of a checkpoint's autoencoder on held-out clips at full
length and size (training's own eval hook uses 8 clips; this takes more, for a
steadier number).

    npm run eval:vae -- --checkpoint PATH [--clips 192] [--threads N]
    npm run eval:vae -- --checkpoint FINER --vae PATH [--aspects 1:1,16:9,9:16]

PATH: a vae or dit checkpoint, or a --finetune-decoder one. For a finer
decoder (spacetime.train_finer's checkpoint, on top of --vae's autoencoder:
the --checkpoint it was trained from) it reports PSNR and SSIM at its
size and fps against the world's own render there, beside the same figures
for bilinear upscaling with frame blending of the autoencoder's clip, at each
aspect (--aspects 1:1,16:9,9:16).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

from .checkpoint import load_checkpoint, load_finer, load_vae
from .evals import eval_finer, eval_vae
from .runtime import set_cpu_threads
from .world.config import WorldConfig, aspect_sizes
from .world.sampler import finer_config


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="npm run eval:vae --", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", required=True, type=Path)
    p.add_argument("--clips", type=int, default=192)
    p.add_argument("--threads", type=int, default=0, help="CPU threads; 0 = all cores")
    p.add_argument("--vae", type=Path, help="finer decoders: the checkpoint whose autoencoder it extends")
    p.add_argument("--aspects", default="1:1", help="finer decoders: comma-separated aspects to measure")
    args = p.parse_args(argv)
    if args.clips < 2 or args.clips % 2:
        p.error("--clips must be an even number of at least 2")
    for path in (args.checkpoint, args.vae):
        if path is not None and not path.exists():
            print(f"eval:vae: no checkpoint at {path}", file=sys.stderr)
            return 2
    if args.threads:
        set_cpu_threads(args.threads)
    ckpt = load_checkpoint(args.checkpoint)
    world = WorldConfig(**ckpt["world"])
    if ckpt["stage"] == "finer":
        if args.vae is None:
            p.error("a finer decoder's checkpoint needs --vae, the checkpoint whose autoencoder it extends")
        return report_finer(args, ckpt, world)
    result = eval_vae(load_vae(ckpt), world, torch.device("cpu"), clips=args.clips)
    print(f"{args.checkpoint}: PSNR {result['psnr']:.2f} dB mean, {result['psnr_min']:.2f} dB worst, "
          f"{args.clips} held-out clips of {world.frames}x{world.height}x{world.width}")
    return 0


def report_finer(args: argparse.Namespace, ckpt: dict, world: WorldConfig) -> int:
    vae = load_vae(load_checkpoint(args.vae))
    try:
        finer = load_finer(ckpt, vae)
    except ValueError as e:
        print(f"eval:vae: {e} than --vae {args.vae}", file=sys.stderr)
        return 2
    sizes = aspect_sizes(world, vae.cfg.spatial_factor)
    for name in args.aspects.split(","):
        if name not in sizes:
            print(f"eval:vae: unknown aspect {name!r}; known: {', '.join(sizes)}", file=sys.stderr)
            return 2
        h, w = sizes[name]
        shape = WorldConfig(frames=world.frames, height=h, width=w, fps=world.fps)
        fine = finer_config(shape, finer.cfg.space, finer.cfg.time)
        r = eval_finer(finer, shape, clips=args.clips)
        print(f"{args.checkpoint} {name} at {fine.width}x{fine.height} {fine.fps} fps, {args.clips} held-out clips "
              f"of {fine.frames} frames: decoder PSNR {r['psnr']:.2f} dB (worst {r['psnr_min']:.2f}) SSIM {r['ssim']:.4f}; "
              f"bilinear + blend PSNR {r['floor_psnr']:.2f} dB SSIM {r['floor_ssim']:.4f}; "
              f"gain {r['psnr'] - r['floor_psnr']:+.2f} dB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
