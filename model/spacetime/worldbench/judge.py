"""WorldBench's judges: score one clip against its prompt, from pixels only.

Dimensions follow VBench and T2V-CompBench, restated for this world. Each is
in [0, 1] per clip, or None when the prompt says nothing it could be judged
on (a relation score needs a relation in the prompt):

  object, colour, size, motion   per prompted object, matched to a track
  scene                          background classified from its row profile
  count                          per subject: exactly that many matching objects
  relation                       share of frames where the relation holds
  binding                        multi-subject prompts: object AND colour right
  consistency                    each matched track keeps identity and colour
  flicker                        1 - temporal jitter that motion does not explain
  dynamic                        moves when asked to, stays still when asked to
  physics                        a bouncing object falls with the world's gravity
  camera                         prompts with a camera move: the background moves as
                                 it asks (camera.py)
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Optional, Union

import numpy as np
from scipy.optimize import linear_sum_assignment

from ..world import vocab
from ..world.config import WorldConfig
from ..world.parser import parse
from ..world.spec import ClipSpec, Subject
from .camera import CameraMotion, camera_motion, camera_score
from .perceive import Track, perceive
from .recognise import NEIGHBOURS, ShapeBank, classify_scene, shape_bank, size_name

DIMENSIONS = ("object", "colour", "size", "motion", "scene", "count", "relation",
              "binding", "consistency", "flicker", "dynamic", "physics", "camera")

GROW_RATIO = 1.6  # area change over the clip that counts as growing/shrinking
MOVE_PX_128 = 6.0  # net displacement that counts as moving
BOUNCE_SPEED_128 = 0.3  # px/frame either side of a floor contact
SPIN_MIN_BINS = 2  # 10 degrees per frame
SPIN_SEARCH_BINS = 8  # +-40 degrees: below the star's 72-degree symmetry
GRAVITY_TOLERANCE = 0.25  # relative error of the fitted gravity that still passes
FLICKER_DEAD_ZONE = 4.0  # second differences this small are texture motion (waves), not flicker
FLICKER_SCALE = 16.0  # median excess second difference (0..255) that scores 0


@dataclass
class SeenObject:
    """What the judge made of one track."""

    kind: str
    colour: Optional[str]
    size: str
    motion: str
    frames: list[int]
    x: list[float]
    y: list[float]
    consistency: float
    gravity: Optional[float] = None  # fitted px/frame², bouncing tracks only
    physics_error: Optional[float] = None  # mean |Δv - g| in px/frame


@dataclass
class ClipScore:
    scores: dict[str, Optional[float]]
    scene: Optional[str]
    objects: list[SeenObject]
    unknown_words: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    physics_error: Optional[float] = None
    details: dict[str, object] = field(default_factory=dict)


# ----------------------------------------------------------------------------
# Reading one track
# ----------------------------------------------------------------------------


def _slope(t: np.ndarray, v: np.ndarray) -> float:
    if len(t) < 2:
        return 0.0
    return float(np.polyfit(t, v, 1)[0])


def _spin_shifts(track: Track) -> list[int]:
    """Rotation between consecutive frames, in angle bins, from signatures."""
    shifts = []
    dets = track.detections
    for a, b in zip(dets[:-1], dets[1:]):
        if b.frame != a.frame + 1:
            continue
        # Centred but not rescaled: a flat row (a ball's outline) must not
        # drown the row that carries the rotation (its seam).
        sa = a.signature - a.signature.mean(1, keepdims=True)
        sb = b.signature - b.signature.mean(1, keepdims=True)
        best, best_k = -np.inf, 0
        for k in range(-SPIN_SEARCH_BINS, SPIN_SEARCH_BINS + 1):
            c = float((np.roll(sa, k, axis=1) * sb).sum())
            if c > best + 1e-9 or (abs(c - best) <= 1e-9 and abs(k) < abs(best_k)):
                best, best_k = c, k
        shifts.append(best_k)
    return shifts


def _gravity(t: np.ndarray, y: np.ndarray) -> tuple[Optional[float], Optional[float]]:
    """Fitted gravity and mean velocity error (px/frame) of a bouncing track.

    On every parabolic arc the change of vertical velocity per frame equals g.
    A floor contact corrupts the velocity of the frame interval it falls in,
    which is either side of where the motion turns from falling to rising, so
    the changes touching those intervals are left out.
    """
    if len(t) < 4 or np.any(np.diff(t) != 1):
        return None, None  # gaps in the track: velocities are not per frame
    v = np.diff(y)
    dv = np.diff(v)  # dv[i] = v[i+1] - v[i]
    keep = np.ones(len(dv), dtype=bool)
    for j in range(len(v) - 1):
        if v[j] > 0 and v[j + 1] <= 0:  # falling, then not: a contact in interval j or j+1
            keep[max(j - 1, 0):j + 2] = False
    if keep.sum() < 3:
        return None, None
    arcs = dv[keep]
    g = float(np.median(arcs))
    return g, float(np.abs(arcs - g).mean())


def _motion(track: Track, frames: int, scale: float) -> str:
    t = track.frames.astype(np.float64)
    x, y, area = track.series("x"), track.series("y"), track.series("area")
    span = frames - 1
    growth = math.exp(_slope(t, np.log(np.maximum(area, 1.0))) * span)
    if growth > GROW_RATIO:
        return "growing"
    if growth < 1 / GROW_RATIO:
        return "shrinking"
    consecutive = np.diff(t) == 1
    v = np.diff(y)
    falls_then_rises = any(
        consecutive[i] and consecutive[i + 1] and v[i] > BOUNCE_SPEED_128 * scale and v[i + 1] < -BOUNCE_SPEED_128 * scale
        or (i + 2 < len(v) and all(consecutive[i:i + 3]) and v[i] > BOUNCE_SPEED_128 * scale and v[i + 2] < -BOUNCE_SPEED_128 * scale)
        for i in range(len(v) - 1)
    )
    if falls_then_rises and np.ptp(y) > MOVE_PX_128 * scale:
        return "bouncing"
    dx, dy = _slope(t, x) * span, _slope(t, y) * span
    if max(abs(dx), abs(dy)) > MOVE_PX_128 * scale:
        if abs(dx) >= abs(dy):
            return "right" if dx > 0 else "left"
        return "down" if dy > 0 else "up"
    shifts = _spin_shifts(track)
    if shifts:
        med = float(np.median(shifts))
        same = np.mean([np.sign(s) == np.sign(med) for s in shifts])
        if abs(med) >= SPIN_MIN_BINS and same >= 0.7:
            return "spinning"
    return "still"


def _read_track(track: Track, frames: int, bank: ShapeBank, scale: float, gravity: float) -> SeenObject:
    votes = []
    per_frame = []
    for d in track.detections:
        z = ((d.descriptor - bank.mean) / bank.std).astype(np.float32)
        dist = ((bank.features - z) ** 2).sum(1)
        nearest = bank.labels[np.argpartition(dist, NEIGHBOURS)[:NEIGHBOURS]]
        votes.append(np.bincount(nearest, minlength=len(vocab.OBJECTS)))
        per_frame.append(int(votes[-1].argmax()))
    kind = Counter(per_frame).most_common(1)[0][0]
    colours = [d.colour for d in track.detections]
    colour = Counter(colours).most_common(1)[0][0]
    # Identity holds in a frame when its nearest prototypes still give the
    # track's class a real share of votes and its colour is unchanged.
    steady = [v[kind] >= 2 and c == colour for v, c in zip(votes, colours)]
    consistency = sum(steady) / frames
    t = track.frames.astype(np.float64)
    log_area = np.log(np.maximum(track.series("area"), 1.0))
    mid_area = math.exp(np.polyval(np.polyfit(t, log_area, 1), (frames - 1) / 2)) if len(t) > 1 else math.exp(log_area[0])
    motion = _motion(track, frames, scale)
    g, err = _gravity(t, track.series("y")) if motion == "bouncing" else (None, None)
    return SeenObject(
        kind=vocab.OBJECTS[kind],
        colour=vocab.COLOUR_NAMES[colour] if colour >= 0 else None,
        size=size_name(mid_area, kind, bank, scale),
        motion=motion,
        frames=[int(f) for f in track.frames],
        x=[float(v) for v in track.series("x")],
        y=[float(v) for v in track.series("y")],
        consistency=consistency,
        gravity=g,
        physics_error=err,
    )


# ----------------------------------------------------------------------------
# Prompt against what was seen
# ----------------------------------------------------------------------------


def _agreement(want: Subject, seen: SeenObject) -> float:
    return (2.0 * (want.kind == seen.kind) + 2.0 * (want.colour in (None, seen.colour))
            + (want.size in (None, seen.size)) + (want.motion in (None, seen.motion)))


def _relation_share(rel: str, a: SeenObject, b: SeenObject) -> float:
    pa = dict(zip(a.frames, zip(a.x, a.y)))
    pb = dict(zip(b.frames, zip(b.x, b.y)))
    common = sorted(set(pa) & set(pb))
    if not common:
        return 0.0
    hold = 0
    for f in common:
        dx, dy = pb[f][0] - pa[f][0], pb[f][1] - pa[f][1]
        along, across = {"left of": (dx, dy), "right of": (-dx, dy), "above": (dy, dx), "below": (-dy, dx)}[rel]
        hold += along > 0 and abs(along) > abs(across)
    return hold / len(common)


def _flicker(clip: np.ndarray) -> float:
    """Median over pixels of the second temporal difference, per frame.

    Smooth motion and sparse movers (snowflakes, object edges) leave the
    median at zero; frame-wide jitter does not.
    """
    if clip.shape[0] < 3:
        return 1.0
    x = clip.astype(np.float32)
    d2 = np.maximum(np.abs(x[2:] - 2 * x[1:-1] + x[:-2]).max(-1) - FLICKER_DEAD_ZONE, 0)  # (T-2,H,W)
    energy = float(np.median(d2.reshape(len(d2), -1), axis=1).mean())
    return max(0.0, 1.0 - energy / FLICKER_SCALE)


def _mean(values: list[float]) -> Optional[float]:
    return float(np.mean(values)) if values else None


@dataclass
class Observation:
    """Everything the judge saw in a clip, before reading any prompt."""

    objects: list[SeenObject]
    scene: Optional[str]
    flicker: float
    gravity: float  # the world's gravity at this frame size and fps, px/frame²
    camera: Optional[CameraMotion] = None  # the background's motion, when observed with camera=True


def observe(clip: np.ndarray, fps: int = 8, camera: bool = False) -> Observation:
    """Perceive a uint8 (T,H,W,3) clip once; judge() can then read it against many prompts.
    `camera`: also measure the background's motion (for prompts with a camera move)."""
    clip = np.asarray(clip)
    perception = perceive(clip)
    T, H, W = perception.frames, perception.height, perception.width
    scale = min(H, W) / 128.0
    bank = shape_bank(H, W)
    gravity = WorldConfig(frames=max(T, 2), height=H, width=W, fps=fps).gravity
    seen = [_read_track(tr, T, bank, scale, gravity) for tr in perception.tracks]
    scene, _ = classify_scene(perception.background, H, W)
    return Observation(seen, scene, _flicker(clip), gravity, camera_motion(clip, perception, fps) if camera else None)


def judge(observation: Observation, spec: ClipSpec) -> ClipScore:
    seen, scene, gravity = observation.objects, observation.scene, observation.gravity
    wanted = spec.instances()
    match: list[Optional[SeenObject]] = [None] * len(wanted)
    if seen:
        cost = np.array([[-_agreement(w, s) for s in seen] for w in wanted])
        for i, j in zip(*linear_sum_assignment(cost)):
            match[i] = seen[j]

    def per_instance(ok) -> list[float]:  # noqa: ANN001
        return [float(m is not None and ok(w, m)) for w, m in zip(wanted, match)]

    scores: dict[str, Optional[float]] = {d: None for d in DIMENSIONS}
    scores["object"] = _mean(per_instance(lambda w, m: m.kind == w.kind))
    if any(w.colour for w in wanted):
        scores["colour"] = _mean([v for v, w in zip(per_instance(lambda w, m: m.colour == w.colour), wanted) if w.colour])
    if any(w.size for w in wanted):
        scores["size"] = _mean([v for v, w in zip(per_instance(lambda w, m: m.size == w.size), wanted) if w.size])
    if any(w.motion for w in wanted):
        scores["motion"] = _mean([v for v, w in zip(per_instance(lambda w, m: m.motion == w.motion), wanted) if w.motion])
        scores["dynamic"] = _mean([
            v for v, w in zip(per_instance(lambda w, m: (m.motion == "still") == (w.motion == "still")), wanted) if w.motion
        ])
    bouncers = [(w, m) for w, m in zip(wanted, match) if w.motion == "bouncing"]
    if bouncers:
        scores["physics"] = _mean([
            float(m is not None and m.gravity is not None and abs(m.gravity - gravity) <= GRAVITY_TOLERANCE * gravity)
            for _, m in bouncers
        ])
    if spec.scene is not None:
        scores["scene"] = float(scene == spec.scene)
    scores["count"] = _mean([
        float(sum(s.kind == sub.kind and sub.colour in (None, s.colour) for s in seen) == sub.count)
        for sub in spec.subjects
    ])
    if spec.relation is not None:
        a, b = match[0], match[1]
        scores["relation"] = _relation_share(spec.relation, a, b) if a and b else 0.0
    if len(spec.subjects) > 1:
        scores["binding"] = _mean(per_instance(lambda w, m: m.kind == w.kind and w.colour in (None, m.colour)))
    scores["consistency"] = _mean([m.consistency if m else 0.0 for m in match])
    scores["flicker"] = observation.flicker
    if spec.camera is not None:
        if observation.camera is None:
            raise ValueError("a prompt with a camera move needs a clip observed with camera=True")
        scores["camera"] = camera_score(observation.camera, spec, scene)

    errors = [m.physics_error for _, m in bouncers if m is not None and m.physics_error is not None]
    return ClipScore(scores, scene, seen, physics_error=_mean(errors))


def score_clip(clip: np.ndarray, prompt: Union[str, ClipSpec], fps: int = 8) -> ClipScore:
    """Score a uint8 (T,H,W,3) clip against a prompt (text or spec)."""
    unknown: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    if isinstance(prompt, str):
        spec, unknown, problems = prompt_spec(prompt)
    else:
        spec = prompt
    result = judge(observe(clip, fps, camera=spec.camera is not None), spec)
    result.unknown_words, result.problems = unknown, problems
    return result


def prompt_spec(prompt: str) -> tuple[ClipSpec, tuple[str, ...], tuple[str, ...]]:
    """The spec a prompt asks for, or a ValueError saying why it cannot be judged."""
    parsed = parse(prompt)
    if parsed.spec is None:
        raise ValueError(f"WorldBench cannot judge this prompt: {'; '.join(parsed.problems) or 'nothing understood'}")
    return parsed.spec, parsed.unknown, parsed.problems
