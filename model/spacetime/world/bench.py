"""Throughput of the procedural world: how many clips per second it can
sample (spec + caption + layout), render, and do both, on a device.

    scripts/py -m spacetime.world.bench [--device cpu|cuda] [--batch N] [--seconds S]

The time budget is split evenly between the three measurements. Sampling is
plain Python on the CPU whatever the device; rendering runs on the device.
"""
from __future__ import annotations

import argparse
import itertools
import time
from typing import Callable

import torch

from .config import WorldConfig
from .render import render
from .sampler import SPLITS, sample


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _measure(step: Callable[[], int], seconds: float, device: torch.device) -> tuple[float, int]:
    """Run `step` (returns clips done) for about `seconds`, warm-up included;
    clips/s over the timed steps, and clips timed. At least one step is timed."""
    deadline = time.perf_counter() + seconds
    step()  # warm-up: allocator, kernels, first-call overheads
    _sync(device)
    clips, steps, start = 0, 0, time.perf_counter()
    while True:
        clips += step()
        steps += 1
        _sync(device)
        now = time.perf_counter()
        if now + (now - start) / steps >= deadline:  # the next step would overrun
            return clips / (now - start), clips


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="spacetime.world.bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    ap.add_argument("--batch", type=int, default=64, help="clips per render call (default 64)")
    ap.add_argument("--seconds", type=float, default=20.0, help="total time budget (default 20)")
    ap.add_argument("--split", choices=SPLITS, default="train")
    ap.add_argument("--frames", type=int, default=WorldConfig.frames)
    ap.add_argument("--height", type=int, default=WorldConfig.height)
    ap.add_argument("--width", type=int, default=WorldConfig.width)
    args = ap.parse_args(argv)
    if args.batch < 1:
        ap.error("--batch must be at least 1")
    if args.seconds <= 0:
        ap.error("--seconds must be positive")
    try:
        cfg = WorldConfig(frames=args.frames, height=args.height, width=args.width)
    except ValueError as e:
        ap.error(str(e))

    if args.device == "cuda" and not torch.cuda.is_available():
        print("cuda requested but not available; using cpu")
        args.device = "cpu"
    device = torch.device(args.device)
    dev_name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"{torch.get_num_threads()} threads"
    print(f"world bench: {cfg.frames}x{cfg.height}x{cfg.width} @ {cfg.fps} fps, split {args.split}, "
          f"device {device.type} ({dev_name}), torch {torch.__version__}")

    seeds = itertools.count()
    B = args.batch

    def sample_batch() -> list:
        return [sample(next(seeds), args.split, cfg) for _ in range(B)]

    def do_sample() -> int:
        sample_batch()
        return B

    # Render a fixed pool of batches so rendering is timed alone.
    t0 = time.perf_counter()
    pool = [sample_batch() for _ in range(4)]
    phase = max(args.seconds - (time.perf_counter() - t0), 0.0) / 3
    cursor = itertools.cycle(pool)

    def do_render() -> int:
        render(next(cursor), cfg, device)
        return B

    def do_both() -> int:
        render(sample_batch(), cfg, device)
        return B

    rows = []
    for name, step, where in (("sample", do_sample, "cpu"), ("render", do_render, device.type),
                              ("both", do_both, device.type)):
        rate, n = _measure(step, phase, device)
        rows.append((name, where, rate, n))
        print(f"{name:<7} {where:<4}  batch {B:<4} {rate:9.1f} clips/s  ({n} clips)", flush=True)
    if device.type == "cuda":
        print(f"peak GPU memory {torch.cuda.max_memory_allocated(device) / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
