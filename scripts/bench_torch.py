"""PyTorch eager baseline for `npm run bench:pipeline`: the same clip through
model/spacetime/pipeline.py (TextToVideoPipeline) on a DiT checkpoint, timed
per stage, printed as one JSON line. This is what a user would run without
the ONNX pipeline, so the benchmark reports our speed relative to it.

    scripts/py scripts/bench_torch.py --checkpoint model/runs/tiny/dit/last.pt --steps 20 --guidance 2 --threads 2
"""
from __future__ import annotations

import argparse
import json
import resource
import time

import torch

from spacetime.pipeline import DEFAULT_GUIDANCE, TextToVideoPipeline


def timer(module: torch.nn.Module, key: str, times: dict) -> None:
    """Adds the wall time of every forward of `module` to times[key]."""
    start: list[float] = []
    module.register_forward_pre_hook(lambda *_: start.append(time.perf_counter()))
    module.register_forward_hook(lambda *_: times.__setitem__(key, times[key] + time.perf_counter() - start.pop()))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--prompt", default="a red ball bouncing in the snow")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--guidance", type=float, default=DEFAULT_GUIDANCE)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--runs", type=int, default=2)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    pipe = TextToVideoPipeline.from_checkpoint(args.checkpoint)
    times = {"text": 0.0, "dit": 0.0, "decode": 0.0}
    timer(pipe.model.text, "text", times)
    timer(pipe.model.dit, "dit", times)
    timer(pipe.vae.decoder, "decode", times)

    pipe([args.prompt], steps=1, guidance=args.guidance, seed=args.seed)  # warm-up: allocator, first-call costs
    runs = []
    for _ in range(args.runs):
        for k in times:
            times[k] = 0.0
        t0 = time.perf_counter()
        out = pipe([args.prompt], steps=args.steps, guidance=args.guidance, seed=args.seed)
        total = time.perf_counter() - t0
        runs.append({"total_s": total, "text_s": times["text"], "step_s": times["dit"] / args.steps, "decode_s": times["decode"]})
    best = min(runs, key=lambda r: r["total_s"])
    print(json.dumps({
        **best,
        "frames": int(out.video.shape[1]),
        "size": list(out.video.shape[2:4]),
        "latent": list(out.latents.shape[1:]),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()
