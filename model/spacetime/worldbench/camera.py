"""WorldBench's camera check: how the background moved, from pixels only,
against the camera move the prompt asks for.

1. Background blocks (8 x 8 px at 128 px) that show texture (the scene's
   soft shading, waves, grass, a horizon) and no object are matched from
   each frame to the frame a quarter of a second later, by the integer shift of least absolute
   difference, refined to sub-pixel by a parabola. A block counts along an
   axis only when its cost rises clearly on both sides there (a stripe
   cannot say how it moved along itself).
2. The shifts are fitted, robustly, by a zoom about the frame's centre plus a
   translation: flow = a * (p - centre) + t, so a pan is t, a zoom is a.
3. The move passes when the fitted motion is the one asked for: a pan's
   translation along its axis, a zoom's rate, a follow's background moving
   against its subject's travel, a static camera's stillness.

A clip whose background gives too few measurable blocks (an empty sky) has
no camera score (None), as a prompt without a relation has no relation score.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
from scipy import ndimage

from ..world.spec import ClipSpec
from .perceive import Perception

BLOCK_128 = 8  # block side at 128 px
SEARCH_128 = 6  # largest shift searched per quarter second, px at 128 (a pan moves 3.5)
GAP_SECONDS = 0.25
BLUR_128 = 1.5  # px of Gaussian blur at 128 px
MEDIAN_128 = 5  # px: the median's side at 128 px, wider than a snowflake (2 px)
TEXTURE = 2.0  # a block's grey-level spread that counts as texture
CONFIDENT = 0.5  # cost rise (grey levels) either side of the best shift that makes an axis measurable
MIN_BLOCKS = 8  # measurable blocks per axis over the clip, or no score
SPREAD = 0.15  # blocks must spread this share of the frame (std) along an axis to measure a zoom on it
OUTLIER_128 = 1.5  # px; shifts further from the fit are dropped and it is refitted
PAN_PX_PER_S_128 = 4.0  # translation that counts as a pan (the world pans at 14 px/s)
ZOOM_PER_S = 0.05  # zoom rate (a per second) that counts as a zoom (the world zooms at about 0.2)
STILL_PX_PER_S_128 = 2.0  # a static camera moves the background less than this
# The scenes' own texture motion under a static camera, px/s at 128 (the median over 12 of
# the world's held-out clips): wave crests travel (falling snow is taken out by the median).
SCENE_DRIFT = {"sea": (0.0, 3.1)}


@dataclass(frozen=True)
class CameraMotion:
    """The fitted background motion, per second: translation (px at 128) and zoom rate."""

    tx: Optional[float]
    ty: Optional[float]
    zoom: Optional[float]


def _grey(clip: np.ndarray, scale: float) -> np.ndarray:
    """Grey levels of the scene's large structure: a median drops points and flakes (stars
    twinkle and snow falls whatever the camera does), then a blur keeps texture finer than a
    few pixels (grass blades) from aliasing into a false shift."""
    grey = clip.astype(np.float32).mean(-1)  # (T,H,W)
    side = 2 * round(MEDIAN_128 / 2 * scale) + 1
    grey = ndimage.median_filter(grey, size=(1, side, side))
    return ndimage.gaussian_filter(grey, sigma=(0, BLUR_128 * scale, BLUR_128 * scale))


def _object_mask(perception: Perception, H: int, W: int, scale: float) -> np.ndarray:
    """(T,H,W) True on and around every detected object."""
    mask = np.zeros((perception.frames, H, W), dtype=bool)
    yy, xx = np.mgrid[0:H, 0:W]
    for tr in perception.tracks:
        for d in tr.detections:
            r = np.sqrt(d.area / np.pi) * 1.4 + 3 * scale
            mask[d.frame] |= (xx + 0.5 - d.x) ** 2 + (yy + 0.5 - d.y) ** 2 <= r * r
    return mask


def _block_shifts(a: np.ndarray, b: np.ndarray, usable: np.ndarray, block: int, search: int):
    """Per block of frame a: the sub-pixel shift to frame b and whether each axis is measurable.
    usable: (h, w) blocks to match. Returns centres (n,2), shifts (n,2), confident (n,2)."""
    H, W = a.shape
    h, w = H // block, W // block
    pad = np.pad(b, search, mode="edge")
    costs = np.empty((2 * search + 1, 2 * search + 1, h, w), dtype=np.float32)
    ac = a[:h * block, :w * block]
    for i, dy in enumerate(range(-search, search + 1)):
        for j, dx in enumerate(range(-search, search + 1)):
            moved = pad[search + dy:search + dy + h * block, search + dx:search + dx + w * block]
            costs[i, j] = np.abs(moved - ac).reshape(h, block, w, block).mean((1, 3))
    flat = costs.reshape(-1, h, w)
    best = flat.argmin(0)
    bi, bj = np.divmod(best, 2 * search + 1)
    centres, shifts, confident = [], [], []
    for v in range(h):
        for u in range(w):
            if not usable[v, u]:
                continue
            i, j = bi[v, u], bj[v, u]
            if not (0 < i < 2 * search and 0 < j < 2 * search):
                continue  # at the search's edge: moved further, or not matched
            c = costs[:, :, v, u]
            c0 = c[i, j]
            step = []
            ok = []
            for lo, hi in ((c[i, j - 1], c[i, j + 1]), (c[i - 1, j], c[i + 1, j])):
                curve = lo + hi - 2 * c0
                step.append(0.5 * (lo - hi) / curve if curve > 1e-6 else 0.0)
                ok.append(min(lo, hi) - c0 > CONFIDENT)
            centres.append(((u + 0.5) * block, (v + 0.5) * block))
            shifts.append((j - search + step[0], i - search + step[1]))
            confident.append(ok)
    return np.array(centres).reshape(-1, 2), np.array(shifts).reshape(-1, 2), np.array(confident).reshape(-1, 2)


def _robust_fit(p: np.ndarray, f: np.ndarray, limit: float, side: float) -> Optional[tuple[Optional[float], float]]:
    """f = a * p + t by least squares, refitted without outliers; (a, t), or None with too few
    blocks. a is None (and t a plain shift) when the blocks lie too close together to tell a
    zoom from a shift (a horizon alone)."""
    keep = np.ones(len(p), dtype=bool)
    a: Optional[float] = None
    t = 0.0
    for _ in range(3):
        if keep.sum() < MIN_BLOCKS:
            return None
        spread = p[keep].std() >= SPREAD * side
        A = np.stack([p[keep], np.ones(keep.sum())], 1) if spread else np.ones((keep.sum(), 1))
        coef, *_ = np.linalg.lstsq(A, f[keep], rcond=None)
        a, t = (float(coef[0]), float(coef[1])) if spread else (None, float(coef[0]))
        keep = np.abs((a or 0.0) * p + t - f) <= limit
    return a, t


def camera_motion(clip: np.ndarray, perception: Perception, fps: int) -> CameraMotion:
    """The background's motion per second in a uint8 (T,H,W,3) clip."""
    T, H, W = perception.frames, perception.height, perception.width
    scale = min(H, W) / 128.0
    gap = max(1, round(GAP_SECONDS * fps))
    block = max(4, round(BLOCK_128 * scale))
    search = max(2, round(SEARCH_128 * scale * gap / (GAP_SECONDS * fps)))
    if T <= gap:
        return CameraMotion(None, None, None)
    grey = _grey(clip, scale)
    objects = _object_mask(perception, H, W, scale)
    h, w = H // block, W // block
    rows: dict[str, list[np.ndarray]] = {"px": [], "py": [], "fx": [], "fy": [], "cx": [], "cy": []}
    for t in range(T - gap):
        a = grey[t]
        spread = a[:h * block, :w * block].reshape(h, block, w, block).std((1, 3))
        near = (objects[t] | objects[t + gap])[:h * block, :w * block].reshape(h, block, w, block).any((1, 3))
        centres, shifts, confident = _block_shifts(a, grey[t + gap], (spread > TEXTURE) & ~near, block, search)
        rows["px"].append(centres[:, 0] - W / 2)
        rows["py"].append(centres[:, 1] - H / 2)
        rows["fx"].append(shifts[:, 0])
        rows["fy"].append(shifts[:, 1])
        rows["cx"].append(confident[:, 0])
        rows["cy"].append(confident[:, 1])
    cat = {k: np.concatenate(v) if v else np.zeros(0) for k, v in rows.items()}
    per_second = fps / gap
    fx, fy = cat["cx"].astype(bool), cat["cy"].astype(bool)
    fit_x = _robust_fit(cat["px"][fx], cat["fx"][fx], OUTLIER_128 * scale, W)
    fit_y = _robust_fit(cat["py"][fy], cat["fy"][fy], OUTLIER_128 * scale, H)
    tx = fit_x[1] * per_second / scale if fit_x else None
    ty = fit_y[1] * per_second / scale if fit_y else None
    zooms = [f[0] * per_second for f in (fit_x, fit_y) if f is not None and f[0] is not None]
    return CameraMotion(tx, ty, float(np.mean(zooms)) if zooms else None)


def camera_score(motion: CameraMotion, spec: ClipSpec, scene: Optional[str]) -> Optional[float]:
    """1 when the background moved as spec.camera asks (None: static), 0 when not; None when
    unmeasurable. `scene`: the scene the clip shows, whose own texture motion is taken out."""
    drift_x, drift_y = SCENE_DRIFT.get(scene or "", (0.0, 0.0))
    motion = CameraMotion(None if motion.tx is None else motion.tx - drift_x,
                          None if motion.ty is None else motion.ty - drift_y, motion.zoom)
    move = spec.camera or "static"
    pans = {"pan-left": ("x", 1.0), "pan-right": ("x", -1.0), "pan-up": ("y", 1.0), "pan-down": ("y", -1.0)}
    if move == "follow":
        target = spec.subjects[spec.camera_target].motion
        along = {"left": ("x", 1.0), "right": ("x", -1.0), "up": ("y", 1.0), "down": ("y", -1.0),
                 "bouncing": ("x", 0.0)}
        if target not in along:
            move = "static"  # following what does not travel holds the camera still
        else:
            axis, sign = along[target]
            v = motion.tx if axis == "x" else motion.ty
            if v is None:
                return None
            return float(abs(v) >= PAN_PX_PER_S_128 and (sign == 0.0 or v * sign > 0))
    if move in pans:
        axis, sign = pans[move]
        along, across = (motion.tx, motion.ty) if axis == "x" else (motion.ty, motion.tx)
        if along is None:
            return None
        return float(along * sign >= PAN_PX_PER_S_128 and (across is None or abs(across) < abs(along)))
    if move in ("zoom-in", "zoom-out"):
        if motion.zoom is None:
            return None
        return float(motion.zoom >= ZOOM_PER_S if move == "zoom-in" else motion.zoom <= -ZOOM_PER_S)
    measured = [abs(v) for v in (motion.tx, motion.ty) if v is not None]
    if not measured:
        return None
    return float(max(measured) < STILL_PX_PER_S_128 and (motion.zoom is None or abs(motion.zoom) < ZOOM_PER_S))
