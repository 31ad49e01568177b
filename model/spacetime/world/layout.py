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
from .config import CLIP_FRAMES, GROW_RANGE, WorldConfig
from .rng import PlanRng
from .spec import ClipSpec, ObjectTrack, Subject

Cell = tuple[float, float, float, float]  # x0, y0, x1, y1
MARGIN = 3.5  # objects in neighbouring cells stay 7 px apart, so judges can tell them apart
FACING_OBJECTS = ("car", "boat", "fish", "bird")


def _cells(spec: ClipSpec, cfg: WorldConfig, rng: PlanRng) -> list[Cell]:
    """Cells in instance order (subjects[0] first)."""
    W, H = float(cfg.width), float(cfg.height)
    n = spec.n_objects
    if n == 1:
        return [(0.0, 0.0, W, H)]
    if n == 2:
        vertical = spec.relation in ("above", "below") or (spec.relation is None and rng.random() < 0.5)
        a, b = ((0.0, 0.0, W, H / 2), (0.0, H / 2, W, H)) if vertical else ((0.0, 0.0, W / 2, H), (W / 2, 0.0, W, H))
        first_in_a = spec.relation in ("left of", "above") or (spec.relation is None and rng.random() < 0.5)
        return [a, b] if first_in_a else [b, a]
    top = rng.random() < 0.5  # which row holds the two small cells
    r0, r1 = (0.0, H / 2) if top else (H / 2, 0.0)
    cells: list[Cell] = [(0.0, r0, W / 2, r0 + H / 2), (W / 2, r0, W, r0 + H / 2), (0.0, r1, W, r1 + H / 2)]
    return [cells[i] for i in rng.permutation(3)]


def ping_pong(start: float, lo: float, hi: float, distance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions (and directions, +1 or -1) after travelling `distance` from
    `start` towards `hi`, turning back at either end of [lo, hi]: how an
    object keeps moving for a minute without leaving its cell. Equal to
    start + distance while that stays inside."""
    span = hi - lo
    if span <= 0:
        return np.full_like(distance, lo), np.ones_like(distance)
    u = np.mod(start - lo + distance, 2 * span)  # (T,) along the unfolded path
    outward = u <= span  # at the far end itself it still faces the way it came
    return lo + np.where(outward, u, 2 * span - u), np.where(outward, 1.0, -1.0)


def _sweep(start: float, lo: float, hi: float, distance: np.ndarray, forward: bool) -> tuple[np.ndarray, np.ndarray]:
    """ping_pong towards hi (forward) or, mirrored, towards lo from `start`."""
    if forward:
        return ping_pong(start, lo, hi, distance)
    p, d = ping_pong(lo + hi - start, lo, hi, distance)
    return lo + hi - p, -d


def _track(s: Subject, cell: Cell, cfg: WorldConfig, rng: PlanRng, subframes: int = 1) -> ObjectTrack:
    assert s.colour and s.size and s.motion, "sampled subjects have every attribute"
    # Times in frames of cfg; with subframes k, k - 1 more between each pair,
    # so a clip laid out once can be rendered at k times the frame rate.
    t = np.arange((cfg.frames - 1) * subframes + 1, dtype=np.float64) / subframes
    T = len(t)
    # Motions are defined over one training clip (CLIP_FRAMES), whatever the
    # length, and continue periodically past it: every window of a long clip
    # moves as a clip does, and a longer plan starts with the shorter one.
    span = float(CLIP_FRAMES - 1)
    d0 = vocab.SIZE_PIXELS[s.size] * cfg.scale
    grow = s.motion in ("growing", "shrinking")
    r_max = d0 / 2 * (GROW_RANGE[1] if grow else 1.0) + MARGIN
    x0, y0, x1, y1 = cell
    lo_x, hi_x, lo_y, hi_y = x0 + r_max, x1 - r_max, y0 + r_max, y1 - r_max
    if hi_x < lo_x or hi_y < lo_y:
        raise ValueError(f"cell {cell} too small for a {s.size} {s.kind}")

    x = np.full(T, rng.uniform(lo_x, hi_x))
    y = np.full(T, rng.uniform(lo_y, hi_y))
    diameter = np.full(T, d0)
    angle = np.zeros(T)
    facing = np.full(T, 1.0 if rng.random() < 0.5 else -1.0)

    if s.motion in ("left", "right", "up", "down"):
        horizontal = s.motion in ("left", "right")
        lo, hi = (lo_x, hi_x) if horizontal else (lo_y, hi_y)
        travel = min(hi - lo, cfg.speed * span)  # in the first clip length
        start = rng.uniform(lo, hi - travel)
        forward = s.motion in ("right", "down")
        # Past one clip it patrols the stretch a clip covers, so every window
        # keeps the clip's positions (and a relation that held, holds).
        path, direction = _sweep(start if forward else start + travel, start, start + travel, travel / span * t, forward)
        if horizontal:
            x, facing = path, direction
        else:
            y = path
    elif s.motion == "bouncing":
        # Elastic bounce on the cell's floor: y(t) is a chain of parabolas
        # with the world's gravity, touching the floor at least once.
        g = cfg.gravity
        floor = hi_y
        height = min(hi_y - lo_y, 40.0 * cfg.scale) * rng.uniform(0.75, 1.0)
        period = 2.0 * math.sqrt(2.0 * height / g)
        # First floor contact, with at least one frame falling before it and
        # one rising after it, so the bounce is visible in the frames.
        contact = rng.uniform(1.5, max(1.5, min(period, span - 1.5)))
        phase = np.mod(t - contact, period)  # time since the last contact
        v0 = g * period / 2.0
        y = floor - (v0 * phase - 0.5 * g * phase**2)
        drift = min(0.4 * cfg.speed * span, hi_x - lo_x)
        start = rng.uniform(lo_x, hi_x - drift)
        forward = not rng.random() < 0.5
        x, facing = _sweep(start if forward else start + drift, start, start + drift, drift / span * t, forward)
    elif s.motion == "spinning":
        direction = 1.0 if rng.random() < 0.5 else -1.0
        angle = rng.uniform(0, 2 * math.pi) + direction * cfg.spin * t
    elif grow:
        # A minute of growing would leave the cell: the size swings between
        # the range's ends, one clip length each way.
        small, big = GROW_RANGE
        growing = s.motion == "growing"
        scale, _ = _sweep(small if growing else big, small, big, (big - small) / span * t, growing)
        diameter = d0 * scale
    if s.kind not in FACING_OBJECTS:
        facing = np.ones(T)
    return ObjectTrack(
        kind=s.kind,
        colour=s.colour,
        x=tuple(float(v) for v in x),
        y=tuple(float(v) for v in y),
        diameter=tuple(float(v) for v in diameter),
        angle=tuple(float(v) for v in angle),
        facing=tuple(int(v) for v in facing),
    )


def sampled(tr: ObjectTrack, every: int) -> ObjectTrack:
    """Every `every`-th frame of a track."""
    if every == 1:
        return tr
    cut = slice(None, None, every)
    return ObjectTrack(kind=tr.kind, colour=tr.colour, x=tr.x[cut], y=tr.y[cut], diameter=tr.diameter[cut],
                       angle=tr.angle[cut], facing=tr.facing[cut])


def _relation_holds(rel: str, a: ObjectTrack, b: ObjectTrack) -> bool:
    """The judges' rule (T2V-CompBench): A left of B when xA < xB and
    |dx| > |dy|; checked in every frame with a small margin."""
    for xa, ya, xb, yb in zip(a.x, a.y, b.x, b.y):
        dx, dy = xb - xa, yb - ya
        along, across = {"left of": (dx, dy), "right of": (-dx, dy), "above": (dy, dx), "below": (-dy, dx)}[rel]
        if not (along > 4.0 and abs(along) > abs(across) + 2.0):
            return False
    return True


def layout(spec: ClipSpec, cfg: WorldConfig, seed: int, subframes: int = 1) -> tuple[ObjectTrack, ...]:
    """Tracks in instance order: subjects[0]'s objects first.

    A relation must hold in every frame by the judges' rule, so relation
    layouts are redrawn until it does (the cells alone guarantee the order
    but not |dx| > |dy| once objects bounce or move across their cell).

    `subframes` k > 1 samples the same motion k times per frame of cfg
    ((frames - 1) k + 1 values per track); the random draws and the relation
    check (on cfg's own frames) are those of k = 1, so it is the same clip.
    """
    if subframes < 1:
        raise ValueError(f"subframes must be at least 1, got {subframes}")
    rng = PlanRng(seed)
    for _ in range(200):
        cells = _cells(spec, cfg, rng)
        tracks = tuple(_track(s, c, cfg, rng, subframes) for s, c in zip(spec.instances(), cells))
        own = tuple(sampled(tr, subframes) for tr in tracks[:2])
        if spec.relation is None or _relation_holds(spec.relation, *own):
            return tracks
    raise ValueError(f"could not lay out {spec} so that its relation holds")
