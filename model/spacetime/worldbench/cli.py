"""`npm run eval`: WorldBench from the command line.

  npm run eval -- --videos DIR [--json]        score DIR/NAME.mp4 against DIR/NAME.txt
  npm run eval -- --ground-truth [--n N]       judge validity on rendered held-out clips
  npm run eval -- --mismatched [--n N]         ... plus deliberately wrong prompts
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Optional, Sequence

from ..world.config import ASPECT_RATIOS
from ..world.video_io import FFmpegNotFound, VideoDecodeError, read_video, video_size
from .judge import DIMENSIONS, ClipScore, score_clip
from .validity import CHANCE, mean_scores, run_validity

JUDGE_SIZE = 128  # clips are judged at the world's native size: their short side, keeping the aspect


def judge_size(height: int, width: int) -> tuple[int, int]:
    """(height, width) a clip of this size is judged at: the short side at
    JUDGE_SIZE, the long side scaled with it (even, as the world's sizes are)."""
    short, long = min(height, width), max(height, width)
    scaled = 2 * round(long * JUDGE_SIZE / short / 2)
    return (JUDGE_SIZE, scaled) if height <= width else (scaled, JUDGE_SIZE)


def _fmt(v: Optional[float]) -> str:
    return "   -  " if v is None else f"{v:6.3f}"


def _table(columns: dict[str, dict[str, Optional[float]]]) -> str:
    names = list(columns)
    lines = [f"{'dimension':12s} " + " ".join(f"{n:>12s}" for n in names)]
    for d in DIMENSIONS:
        lines.append(f"{d:12s} " + " ".join(f"{_fmt(columns[n].get(d)):>12s}" for n in names))
    return "\n".join(lines)


def _clip_json(name: str, prompt: str, result: ClipScore, height: int, width: int) -> dict[str, object]:
    def at(o, i: int) -> list[float]:  # noqa: ANN001
        return [round(o.x[i] / width, 4), round(o.y[i] / height, 4)]

    return {
        "name": name,
        "prompt": prompt,
        "scores": result.scores,
        "scene": result.scene,
        "unknown_words": list(result.unknown_words),
        "problems": list(result.problems),
        "physics_error": result.physics_error,
        # Each track the judge saw, with where it was first and last seen (fractions of the frame's
        # width and height), so a test can check where an edited plan's object ended up.
        "objects": [
            {**{k: v for k, v in asdict(o).items() if k not in ("x", "y", "frames")},
             "start": at(o, 0), "end": at(o, -1), "first_frame": o.frames[0], "last_frame": o.frames[-1]}
            for o in result.objects
        ],
    }


def eval_videos(folder: Path, fps: int, as_json: bool) -> int:
    if not folder.is_dir():
        print(f"eval: {folder} is not a folder", file=sys.stderr)
        return 2
    videos = sorted(folder.glob("*.mp4"))
    if not videos:
        print(f"eval: no .mp4 files in {folder}", file=sys.stderr)
        return 2
    results: list[ClipScore] = []
    clips: list[dict[str, object]] = []
    failures: list[dict[str, str]] = []
    for video in videos:
        caption = video.with_suffix(".txt")
        try:
            if not caption.exists():
                raise ValueError(f"missing prompt file {caption.name}")
            prompt = caption.read_text(encoding="utf-8").strip()
            if not prompt:
                raise ValueError(f"empty prompt file {caption.name}")
            height, width = judge_size(*video_size(video))
            clip = read_video(video, height=height, width=width, fps=fps).numpy()
            result = score_clip(clip, prompt, fps=fps)
        except FFmpegNotFound:
            raise
        except (ValueError, VideoDecodeError, UnicodeDecodeError, OSError) as err:
            failures.append({"name": video.name, "error": str(err)})
            continue
        results.append(result)
        clips.append(_clip_json(video.name, prompt, result, height, width))
    means = mean_scores(results)
    if as_json:
        print(json.dumps({"dimensions": means, "clips": clips, "failures": failures}, indent=2))
    else:
        print(_table({f"{len(results)} clips": means}))
        for f in failures:
            print(f"skipped {f['name']}: {f['error']}", file=sys.stderr)
    return 1 if failures else 0


def eval_validity(n: int, mismatched: bool, as_json: bool, aspect: str) -> int:
    report = run_validity(n, mismatched=mismatched, aspect=aspect)
    if as_json:
        print(json.dumps(asdict(report), indent=2))
        return 0
    columns = {"ground truth": report.ground_truth, "noise": report.noise}
    if mismatched:
        columns["wrong prompt"] = report.mismatched
        columns["chance"] = dict(CHANCE)
    print(f"WorldBench validity on {report.clips} held-out clips at {aspect}")
    print(_table(columns))
    if report.physics_error is not None:
        print(f"judge's own physics error on true bounces: {report.physics_error:.3f} px/frame")
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="npm run eval --", description="WorldBench: does a clip follow its prompt?")
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--videos", type=Path, help="folder of NAME.mp4 clips, each with its prompt in NAME.txt")
    mode.add_argument("--ground-truth", action="store_true", help="score rendered held-out clips against their captions")
    mode.add_argument("--mismatched", action="store_true", help="as --ground-truth, plus deliberately wrong prompts")
    ap.add_argument("--n", type=int, default=200, help="held-out clips to render (default 200)")
    ap.add_argument("--fps", type=int, default=8, help="frame rate the clips are judged at (default 8)")
    ap.add_argument("--aspect", default="1:1", choices=tuple(ASPECT_RATIOS),
                    help="--ground-truth / --mismatched: the frame the clips are rendered in")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = ap.parse_args(argv)
    if args.n < 1:
        ap.error("--n must be at least 1")
    if not 1 <= args.fps <= 60:
        ap.error("--fps must be in 1..60")
    try:
        if args.videos is not None:
            return eval_videos(args.videos, args.fps, args.json)
        return eval_validity(args.n, args.mismatched, args.json, args.aspect)
    except FFmpegNotFound as err:
        print(f"eval: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
