"""Is the judge itself right? Three checks on rendered ground truth.

- ground truth: held-out clips scored against their own captions must score
  near 1 on every dimension;
- mismatched: the same clips against a caption with one attribute changed
  (colour, motion, scene, count, relation) must score near chance or lower
  on that attribute's dimension;
- noise: uniform noise must score near 0 everywhere.
"""
from __future__ import annotations

import dataclasses
from collections import defaultdict
from typing import Iterator, Optional

import numpy as np

from ..world import vocab
from ..world.captions import write_caption
from ..world.config import WorldConfig, aspect_sizes
from ..world.render import render
from ..world.sampler import sample
from ..world.spec import ClipSpec, WorldSample
from .judge import DIMENSIONS, ClipScore, judge, observe, prompt_spec, score_clip

# Chance of a random answer on each mismatched dimension (uniform guessing).
CHANCE = {
    "colour": 1 / len(vocab.COLOURS),
    "motion": 1 / len(vocab.MOTIONS),
    "scene": 1 / len(vocab.SCENES),
    "count": 1 / 3,
    "relation": 1 / len(vocab.RELATIONS),
}
RENDER_BATCH = 32


def heldout_clips(n: int, cfg: WorldConfig = WorldConfig(), first_seed: int = 0) -> Iterator[tuple[WorldSample, np.ndarray]]:
    """The first n held-out samples with their rendered clips."""
    for start in range(first_seed, first_seed + n, RENDER_BATCH):
        batch = [sample(seed, "heldout", cfg) for seed in range(start, min(start + RENDER_BATCH, first_seed + n))]
        yield from zip(batch, render(batch, cfg).numpy())


def mean_scores(results: list[ClipScore]) -> dict[str, Optional[float]]:
    per_dim: dict[str, list[float]] = defaultdict(list)
    for r in results:
        for d, v in r.scores.items():
            if v is not None:
                per_dim[d].append(v)
    return {d: (float(np.mean(per_dim[d])) if per_dim[d] else None) for d in DIMENSIONS}


def wrong_specs(spec: ClipSpec, rng: np.random.Generator) -> dict[str, ClipSpec]:
    """One spec per dimension with that attribute made wrong for every subject
    (new values are ones the clip does not show at all)."""
    out: dict[str, ClipSpec] = {}

    def pick(options: list[str], k: int) -> list[str]:
        return [options[i] for i in rng.permutation(len(options))[:k]]

    n = len(spec.subjects)
    colours = pick([c for c in vocab.COLOUR_NAMES if c not in {s.colour for s in spec.subjects}], n)
    out["colour"] = dataclasses.replace(spec, subjects=tuple(
        dataclasses.replace(s, colour=c) for s, c in zip(spec.subjects, colours)))
    motions = [m for m in vocab.MOTIONS if m not in {s.motion for s in spec.subjects}]
    out["motion"] = dataclasses.replace(spec, subjects=tuple(
        dataclasses.replace(s, motion=pick(motions, 1)[0]) for s in spec.subjects))
    out["scene"] = dataclasses.replace(spec, scene=pick([s for s in vocab.SCENES if s != spec.scene], 1)[0])
    first = spec.subjects[0]
    room = 3 - spec.n_objects + first.count
    counts = [c for c in (1, 2, 3) if c != first.count and c <= room]
    if counts and spec.relation is None:
        out["count"] = dataclasses.replace(spec, subjects=(
            dataclasses.replace(first, count=counts[int(rng.integers(len(counts)))]),) + spec.subjects[1:])
    if spec.relation is not None:
        opposite = {"left of": "right of", "right of": "left of", "above": "below", "below": "above"}
        out["relation"] = dataclasses.replace(spec, relation=opposite[spec.relation])
    return out


@dataclasses.dataclass
class ValidityReport:
    ground_truth: dict[str, Optional[float]]
    mismatched: dict[str, Optional[float]]
    noise: dict[str, Optional[float]]
    physics_error: Optional[float]  # the judge's own error on true bounces, px/frame
    clips: int


def run_validity(n: int, *, mismatched: bool = True, noise_clips: int = 8, seed: int = 0,
                 aspect: str = "1:1") -> ValidityReport:
    """WorldBench on the world's own held-out clips, rendered in `aspect`'s frame."""
    rng = np.random.default_rng(seed)
    truth: list[ClipScore] = []
    wrong: dict[str, list[float]] = defaultdict(list)
    errors: list[float] = []
    base = WorldConfig()
    height, width = aspect_sizes(base, 16)[aspect]  # the sizes models make (a DiT patch is 16 px)
    cfg = dataclasses.replace(base, height=height, width=width)
    captions: list[str] = []
    for s, clip in heldout_clips(n, cfg):
        captions.append(s.caption)
        seen = observe(clip, cfg.fps)
        result = judge(seen, prompt_spec(s.caption)[0])
        truth.append(result)
        if result.physics_error is not None:
            errors.append(result.physics_error)
        if mismatched:
            for dim, spec in wrong_specs(s.spec, rng).items():
                # Judge the caption the grammar writes for the wrong spec, so
                # the parser is part of what is checked.
                caption = write_caption(spec, 0, rng)
                wrong[dim].append(judge(seen, prompt_spec(caption)[0]).scores[dim] or 0.0)
    noise = rng.integers(0, 256, (noise_clips, cfg.frames, cfg.height, cfg.width, 3), dtype=np.uint8)
    noise_results = [score_clip(c, captions[i % len(captions)], fps=cfg.fps) for i, c in enumerate(noise)]
    return ValidityReport(
        ground_truth=mean_scores(truth),
        mismatched={d: (float(np.mean(v)) if v else None) for d, v in wrong.items()},
        noise=mean_scores(noise_results),
        physics_error=float(np.mean(errors)) if errors else None,
        clips=n,
    )
