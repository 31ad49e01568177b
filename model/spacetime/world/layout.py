"""Places each object in its own cell of the frame and computes its path.

Objects never overlap and never leave their cell, so a relation stated in the
caption holds in every frame, and a judge can tell objects apart by
connectivity alone. Cells: one object fills the frame; two split it left/right
(or top/bottom for above/below); three use two cells on one row and a wide
cell on the other.
"""
from __future__ import annotations

import math

import numpy as np

from . import vocab
from .config import GROW_RANGE, WorldConfig
from .spec import ClipSpec, ObjectTrack, Subject

Cell = tuple[float, float, float, float]  # x0, y0, x1, y1
MARGIN = 2.0
FACING_OBJECTS = ("car", "boat", "fish", "bird")


def _cells(spec: ClipSpec, cfg: WorldConfig, rng: np.random.Generator) -> list[Cell]:
    """Cells in instance order (subjects[0] first)."""
    W, H = float(cfg.width), float(cfg.height)
    n = spec.n_objects
    if n == 1:
        return [(0, 0, W, H)]
    if n == 2:
        vertical = spec.relation in ("above", "below") or (spec.relation is None and rng.random() < 0.5)
        a, b = ((0, 0, W, H / 2), (0, H / 2, W, H)) if vertical else ((0, 0, W / 2, H), (W / 2, 0, W, H))
        first_in_a = spec.relation in ("left of", "above") or (spec.relation is None and rng.random() < 0.5)
        return [a, b] if first_in_a else [b, a]
    top = rng.random() < 0.5  # which row holds the two small cells
    r0, r1 = (0.0, H / 2) if top else (H / 2, 0.0)
    cells: list[Cell] = [(0, r0, W / 2, r0 + H / 2), (W / 2, r0, W, r0 + H / 2), (0, r1, W, r1 + H / 2)]
    return [cells[i] for i in rng.permutation(3)]


def _track(s: Subject, cell: Cell, cfg: WorldConfig, rng: np.random.Generator) -> ObjectTrack:
    assert s.colour and s.size and s.motion, "sampled subjects have every attribute"
    T = cfg.frames
    t = np.arange(T, dtype=np.float64)
    d0 = vocab.SIZE_PIXELS[s.size] * cfg.scale
    grow = s.motion in ("growing", "shrinking")
    r_max = d0 / 2 * (GROW_RANGE[1] if grow else 1.0) + MARGIN
    x0, y0, x1, y1 = cell
    lo_x, hi_x, lo_y, hi_y = x0 + r_max, x1 - r_max, y0 + r_max, y1 - r_max
    if hi_x < lo_x or hi_y < lo_y:
        raise ValueError(f"cell {cell} too small for a {s.size} {s.kind}")

    def uniform(lo: float, hi: float) -> float:
        return float(lo + (hi - lo) * rng.random())

    x = np.full(T, uniform(lo_x, hi_x))
    y = np.full(T, uniform(lo_y, hi_y))
    diameter = np.full(T, d0)
    angle = np.zeros(T)
    flip = 1 if rng.random() < 0.5 else -1

    if s.motion in ("left", "right", "up", "down"):
        horizontal = s.motion in ("left", "right")
        lo, hi = (lo_x, hi_x) if horizontal else (lo_y, hi_y)
        travel = min(hi - lo, cfg.speed * (T - 1))
        start = uniform(lo, hi - travel)
        path = start + travel * t / (T - 1)
        if s.motion in ("left", "up"):
            path = path[::-1].copy()
        if horizontal:
            x = path
            flip = 1 if s.motion == "right" else -1
        else:
            y = path
    elif s.motion == "bouncing":
        # Elastic bounce on the cell's floor: y(t) is a chain of parabolas
        # with the world's gravity, touching the floor at least once.
        g = cfg.gravity
        floor = hi_y
        height = min(hi_y - lo_y, 40.0 * cfg.scale) * uniform(0.75, 1.0)
        period = 2.0 * math.sqrt(2.0 * height / g)
        contact = uniform(0.5, min(period, T - 1.5))  # first floor contact time
        phase = np.mod(t - contact, period)  # time since the last contact
        v0 = g * period / 2.0
        y = floor - (v0 * phase - 0.5 * g * phase**2)
        drift = min(0.4 * cfg.speed * (T - 1), hi_x - lo_x)
        start = uniform(lo_x, hi_x - drift)
        x = start + drift * t / (T - 1)
        if rng.random() < 0.5:
            x = x[::-1].copy()
        flip = 1 if x[-1] >= x[0] else -1
    elif s.motion == "spinning":
        direction = 1.0 if rng.random() < 0.5 else -1.0
        angle = uniform(0, 2 * math.pi) + direction * cfg.spin * t
    elif grow:
        a, b = GROW_RANGE if s.motion == "growing" else GROW_RANGE[::-1]
        diameter = d0 * (a + (b - a) * t / (T - 1))
    if s.kind not in FACING_OBJECTS:
        flip = 1
    return ObjectTrack(
        kind=s.kind,
        colour=s.colour,
        x=tuple(float(v) for v in x),
        y=tuple(float(v) for v in y),
        diameter=tuple(float(v) for v in diameter),
        angle=tuple(float(v) for v in angle),
        flip=flip,
    )


def layout(spec: ClipSpec, cfg: WorldConfig, rng: np.random.Generator) -> tuple[ObjectTrack, ...]:
    """Tracks in instance order: subjects[0]'s objects first."""
    cells = _cells(spec, cfg, rng)
    return tuple(_track(s, c, cfg, rng) for s, c in zip(spec.instances(), cells))
