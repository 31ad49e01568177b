"""Draws clips: a spec, its caption and its layout, all from one seed.

`sample(seed, split)` is deterministic: the same seed and split always give the
same caption and the same pixels. The training split rejects every held-out
clip; the held-out split keeps only those (see split.py).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Literal

import numpy as np

from . import vocab
from .camera import camera_track, film, shown
from .captions import TEMPLATES, add_camera_phrase, write_caption
from .config import WorldConfig
from .layout import layout
from .spec import ClipSpec, ObjectTrack, Subject, WorldSample
from .split import is_heldout

Split = Literal["train", "heldout", "any"]
SPLITS = ("train", "heldout", "any")

# Shapes of a clip's subject list, as counts per subject, with their weights.
_ARRANGEMENTS: tuple[tuple[tuple[int, ...], float], ...] = (
    ((1,), 0.40),
    ((2,), 0.06),
    ((3,), 0.04),
    ((1, 1), 0.30),
    ((2, 1), 0.05),
    ((1, 2), 0.05),
    ((1, 1, 1), 0.10),
)
RELATION_PROBABILITY = 0.6  # of two single subjects
MAX_SECONDS = 60  # the longest clip a plan describes
FOLLOWABLE = ("left", "right", "up", "down", "bouncing")  # motions a follow shot moves with
MOVE_SHOWN = 0.6  # a filmed move shows at least this share of its full pan or zoom, when a redraw finds one
MOVE_DRAWS = 4


def _subject(rng: np.random.Generator, count: int) -> Subject:
    return Subject(
        kind=vocab.OBJECTS[int(rng.integers(len(vocab.OBJECTS)))],
        colour=vocab.COLOUR_NAMES[int(rng.integers(len(vocab.COLOUR_NAMES)))],
        size=vocab.SIZES[int(rng.integers(len(vocab.SIZES)))],
        motion=vocab.MOTIONS[int(rng.integers(len(vocab.MOTIONS)))],
        count=count,
    )


def sample_spec(rng: np.random.Generator) -> ClipSpec:
    weights = np.array([w for _, w in _ARRANGEMENTS])
    counts = _ARRANGEMENTS[int(rng.choice(len(_ARRANGEMENTS), p=weights / weights.sum()))][0]
    subjects: list[Subject] = []
    for c in counts:
        # Subjects differ in object or colour, so "which one is which" is
        # always decidable from pixels (attribute binding needs that).
        while True:
            s = _subject(rng, c)
            if all((s.kind, s.colour) != (o.kind, o.colour) for o in subjects):
                break
        subjects.append(s)
    relation = None
    if counts == (1, 1) and rng.random() < RELATION_PROBABILITY:
        relation = vocab.RELATIONS[int(rng.integers(len(vocab.RELATIONS)))]
    return ClipSpec(tuple(subjects), vocab.SCENES[int(rng.integers(len(vocab.SCENES)))], relation)


def window(tracks: tuple[ObjectTrack, ...], start: int, frames: int) -> tuple[ObjectTrack, ...]:
    """Frames [start, start + frames) of each track."""
    cut = slice(start, start + frames)
    return tuple(replace(tr, x=tr.x[cut], y=tr.y[cut], diameter=tr.diameter[cut], angle=tr.angle[cut],
                         facing=tr.facing[cut]) for tr in tracks)


def sample(seed: int, split: Split = "train", cfg: WorldConfig = WorldConfig(),
           long_clips: float = 0.0, subframes: int = 1, camera: float = 0.0) -> WorldSample:
    """`long_clips`: the share of samples that are a random window of a clip
    up to MAX_SECONDS long, laid out whole, so training sees the motion of
    every part of a long clip (turning at a cell's edge, a size swinging back).
    `subframes`: tracks sampled that many times per frame of cfg (layout).
    `camera`: the share of samples filmed by a moving camera (camera.py), its
    move said in the caption; their random draws come after all the others,
    so with camera=0 every sample is what it always was."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if seed < 0:
        raise ValueError(f"seed must be non-negative, got {seed}")
    rng = np.random.default_rng([seed, SPLITS.index(split)])
    while True:
        spec = sample_spec(rng)
        template = int(rng.integers(len(TEMPLATES)))
        if split == "any" or is_heldout(spec, template) == (split == "heldout"):
            break
    caption = write_caption(spec, template, rng)
    layout_seed = int(rng.integers(2**32))
    background_seed = int(rng.integers(2**31))
    tracks = None
    if rng.random() < long_clips:
        frames = int(rng.integers(cfg.frames, MAX_SECONDS * cfg.fps + 1))
        start = int(rng.integers(0, frames - cfg.frames + 1))
        try:
            whole = layout(spec, replace(cfg, frames=frames), layout_seed, subframes)
            tracks = window(whole, start * subframes, (cfg.frames - 1) * subframes + 1)
        except ValueError:
            pass  # a relation no minute-long layout keeps (rare): this one is a short clip
    if tracks is None:
        tracks = layout(spec, cfg, layout_seed, subframes)
    view = None
    if camera > 0 and rng.random() < camera:
        # A move the layout leaves little room for (a close-up of objects far apart) would
        # barely show: such a move is drawn again, and the last draw stands.
        for _ in range(MOVE_DRAWS):
            move = vocab.CAMERA_MOVES[1 + int(rng.integers(len(vocab.CAMERA_MOVES) - 1))]
            # A follow is about a subject that moves, when there is one.
            moving = [k for k, sub in enumerate(spec.subjects) if move != "follow" or sub.motion in FOLLOWABLE]
            options = (moving or list(range(len(spec.subjects)))) if move in vocab.TARGETED_CAMERA_MOVES else [0]
            target = options[int(rng.integers(len(options)))]
            moved = replace(spec, camera=move, camera_target=target)
            view = camera_track(move, tracks, cfg, moved.target_instance, subframes)
            if shown(view, cfg, subframes) >= MOVE_SHOWN:
                break
        spec = moved
        caption = add_camera_phrase(caption, spec, rng)
        tracks = film(tracks, view, cfg)
    return WorldSample(seed, spec, caption, template, tracks, background_seed=background_seed, camera=view)


# ----------------------------------------------------------------------------
# The same clip, finer: what a decoder that upsamples is trained against
# ----------------------------------------------------------------------------


def finer_config(cfg: WorldConfig, space: int, time: int) -> WorldConfig:
    """cfg's clip with `space` times the pixels per side and `time` times the fps."""
    return replace(cfg, frames=(cfg.frames - 1) * time + 1, height=cfg.height * space, width=cfg.width * space,
                   fps=cfg.fps * time)


def sample_finer(seed: int, split: Split = "train", cfg: WorldConfig = WorldConfig(), long_clips: float = 0.0,
                 space: int = 2, time: int = 3) -> WorldSample:
    """sample(seed, split, cfg) laid out for finer_config(cfg, space, time):
    the same objects on the same paths, every `time`-th frame at `space` times
    the coordinates; render it with finer_config."""
    s = sample(seed, split, cfg, long_clips, subframes=time)
    scaled = tuple(replace(tr, x=tuple(v * space for v in tr.x), y=tuple(v * space for v in tr.y),
                           diameter=tuple(v * space for v in tr.diameter)) for tr in s.tracks)
    return replace(s, tracks=scaled)
