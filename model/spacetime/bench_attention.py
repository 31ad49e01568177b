"""Full 3D vs factorised (spatial / temporal) self-attention in the DiT,
measured side by side: one small autoencoder, then the same DiT preset trained
twice for the same steps on the same latents and seeds, once with each kind of
attention. Prints held-out velocity loss (the training objective, on clips of
held-out compositions at fixed timesteps) and seconds per step of both, and
their ratios.

    npm run bench:attention -- [--preset tiny] [--frames 17] [--size 64] [--steps 2000] [--threads 1]
"""
from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import torch

from . import train
from .checkpoint import load_checkpoint, load_text_to_video, load_vae
from .evals import eval_dit
from .world.config import WorldConfig

EVAL_CLIPS = 64


def held_out_loss(checkpoint: Path, world: WorldConfig) -> float:
    """evals.eval_dit on more clips than training's own eval hook uses: the
    two variants differ by a few percent, so the estimate must be steadier."""
    ckpt = load_checkpoint(checkpoint)
    model, tok = load_text_to_video(ckpt)
    vae = load_vae(ckpt)
    return eval_dit(model, vae, tok, world, ckpt["flow"]["shift"], torch.device("cpu"), clips=EVAL_CLIPS)["heldout_loss"]


def main() -> None:
    p = argparse.ArgumentParser(prog="npm run bench:attention --", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", default="tiny")
    p.add_argument("--frames", type=int, default=17)
    p.add_argument("--size", type=int, default=64, help="frame height and width")
    p.add_argument("--vae-steps", type=int, default=1000)
    p.add_argument("--steps", type=int, default=2000, help="DiT steps of each variant")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    geometry = ["--frames", str(args.frames), "--height", str(args.size), "--width", str(args.size),
                "--threads", str(args.threads), "--log-every", "100", "--save-every", "1000000"]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        train.main(["--stage", "vae", "--preset", args.preset, "--out", str(root / "vae"), "--steps", str(args.vae_steps),
                    "--batch", "16", *geometry])
        results = {}
        for attention in ("full", "factorized"):
            run = root / attention
            train.main(["--stage", "dit", "--preset", args.preset, "--vae", str(root / "vae" / "last.pt"),
                        "--attention", attention, "--out", str(run), "--steps", str(args.steps),
                        "--latent-pool", "4096", "--lr", "8e-4", *geometry])
            log = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
            speeds = [r["s_per_step"] for r in log if "s_per_step" in r][1:]  # the first window holds warm-up
            world = WorldConfig(frames=args.frames, height=args.size, width=args.size)
            results[attention] = (held_out_loss(run / "last.pt", world), sum(speeds) / len(speeds))
    print(f"\nDiT preset {args.preset}, {args.frames} frames of {args.size}x{args.size}, {args.steps} steps each")
    print(f"{'attention':12} {'held-out loss':>14} {'s/step':>8}")
    for attention, (loss, speed) in results.items():
        print(f"{attention:12} {loss:14.4f} {speed:8.3f}")
    (full_loss, full_speed), (fact_loss, fact_speed) = results["full"], results["factorized"]
    print(f"factorized / full: loss {fact_loss / full_loss:.3f}x, time per step {fact_speed / full_speed:.3f}x")


if __name__ == "__main__":
    main()
