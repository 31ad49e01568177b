"""How WorldBench sees: background, objects and their tracks, from pixels only.

1. Background: each row's colour, the median over time and width of the
   pixels that do not look like an object colour (scenes are vertical
   gradients plus small texture, so a row profile describes them).
2. Objects: pixels far from their row's background, grouped into connected
   components per frame; specks (stars, snowflakes) and frame-filling blobs
   (noise) are dropped.
3. Tracks: components linked frame to frame by nearest centroid; only tracks
   present in most frames count as objects.
Each detection carries what the judges need: soft centroid, area, colour
votes, a shape descriptor and an angular signature for spin.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage
from scipy.optimize import linear_sum_assignment

from ..world import vocab

PALETTE = np.array([vocab.COLOURS[c] for c in vocab.COLOUR_NAMES], dtype=np.float32)  # (8,3)
OBJECT_LIKE = 45.0  # pixels this close to a palette colour are kept out of the background estimate
FOREGROUND = 40.0  # distance from the row background that makes a pixel foreground
COLOUR_VOTE = 60.0  # a pixel votes for its nearest palette colour when this close
MIN_AREA_128 = 10  # smallest object area at 128 px (a small bird shrunk to 0.7 is ~25)
MAX_AREA_128 = 2600  # larger blobs are not world objects (noise, broken frames)
MAX_JUMP_128 = 24.0  # largest centroid move between frames for one track
MIN_TRACK_FRACTION = 0.6  # a track must be seen in this share of frames
ANGLE_BINS = 72
EIGHT = np.ones((3, 3), dtype=bool)
GRID = 16  # shape descriptor patch size
GRID_SPAN = 1.9  # the patch spans this many equivalent radii each way
DARK_WEIGHT = 0.5  # dark details count half as much as the silhouette


@dataclass
class Detection:
    frame: int
    x: float
    y: float
    area: float
    colour: int  # palette index by majority vote, -1 when no pixel votes
    colour_share: float  # share of the component's pixels voting for it
    descriptor: np.ndarray  # silhouette and details on a normalised patch
    signature: np.ndarray  # (2, ANGLE_BINS) extent and darkness by angle, for spin


@dataclass
class Track:
    detections: list[Detection] = field(default_factory=list)

    @property
    def frames(self) -> np.ndarray:
        return np.array([d.frame for d in self.detections])

    def series(self, name: str) -> np.ndarray:
        return np.array([getattr(d, name) for d in self.detections], dtype=np.float64)


@dataclass
class Perception:
    frames: int
    height: int
    width: int
    background: np.ndarray  # (H, 3) row colours
    tracks: list[Track]


def palette_distance(img: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(..., 3) float → nearest palette index and distance to it."""
    d = np.sqrt(((img[..., None, :] - PALETTE) ** 2).sum(-1))  # (..., 8)
    return d.argmin(-1), d.min(-1)


def background_rows(clip: np.ndarray) -> np.ndarray:
    """(T,H,W,3) float → (H,3) robust row colours of the scene."""
    _, dist = palette_distance(clip)
    masked = np.where((dist >= OBJECT_LIKE)[..., None], clip, np.nan)
    with warnings.catch_warnings():  # all-NaN rows are expected and handled below
        warnings.simplefilter("ignore", RuntimeWarning)
        rows = np.nanmedian(masked.transpose(1, 0, 2, 3).reshape(clip.shape[1], -1, 3), axis=1)  # (H,3)
    valid = ~np.isnan(rows).any(1)
    if not valid.any():
        return np.median(clip, axis=(0, 2))
    idx = np.arange(len(rows))
    for c in range(3):  # rows fully covered by objects: interpolate from neighbours
        rows[:, c] = np.interp(idx, idx[valid], rows[valid, c])
    return rows


def _shape_features(mask: np.ndarray, dark: np.ndarray, cx: float, cy: float,
                    oy: int, ox: int) -> tuple[np.ndarray, np.ndarray]:
    """Shape descriptor and angular signature of one component.

    The descriptor is the object's silhouette and dark details resampled to a
    GRID x GRID patch centred on it and scaled by its area, so that one
    nearest-neighbour bank serves every size; rotations are covered by the
    bank's spinning prototypes. The signature (extent and darkness by angle
    around the centroid) is what spin is measured from.
    """
    area = float(mask.sum())
    radius = math.sqrt(area / math.pi)
    # Patch coordinates: GRID cells span +-GRID_SPAN equivalent radii.
    g = (np.arange(GRID) + 0.5) / GRID * 2 - 1
    gy, gx = np.meshgrid(g * GRID_SPAN * radius + cy - oy - 0.5, g * GRID_SPAN * radius + cx - ox - 0.5, indexing="ij")
    coords = np.stack([gy.ravel(), gx.ravel()])
    m = ndimage.map_coordinates(mask.astype(np.float32), coords, order=1, cval=0.0)
    d = ndimage.map_coordinates((dark * mask).astype(np.float32), coords, order=1, cval=0.0)
    descriptor = np.concatenate([m, DARK_WEIGHT * d]).astype(np.float32)

    ys, xs = np.nonzero(mask)
    py = ys + oy + 0.5 - cy
    px = xs + ox + 0.5 - cx
    r = np.sqrt(px * px + py * py) / radius
    bins = ((np.arctan2(py, px) + math.pi) / (2 * math.pi) * ANGLE_BINS).astype(int) % ANGLE_BINS
    extent = np.zeros(ANGLE_BINS)
    np.maximum.at(extent, bins, r)
    counts = np.bincount(bins, minlength=ANGLE_BINS)
    darkness = np.bincount(bins, weights=dark[ys, xs] * r, minlength=ANGLE_BINS) / np.maximum(counts, 1)
    empty = counts == 0  # thin parts and tiny objects leave bins empty: borrow the neighbours'
    if empty.any() and not empty.all():
        good = np.nonzero(~empty)[0]
        extent[empty] = np.interp(np.nonzero(empty)[0], good, extent[good], period=ANGLE_BINS)
    kernel = np.exp(-0.5 * (np.arange(-3, 4) / 1.2) ** 2)
    kernel /= kernel.sum()
    smooth = lambda a: np.convolve(np.concatenate([a[-3:], a, a[:3]]), kernel, mode="valid")  # noqa: E731
    return descriptor, np.stack([smooth(extent), smooth(darkness)])


def _detect(frame: np.ndarray, t: int, background: np.ndarray, scale: float) -> list[Detection]:
    diff = np.sqrt(((frame - background[:, None, :]) ** 2).sum(-1))  # (H,W)
    fg = diff > FOREGROUND
    # Specks (stars, snowflakes) go first, so that joining cannot chain them.
    specks, n_specks = ndimage.label(fg, structure=EIGHT)
    sizes = np.bincount(specks.ravel(), minlength=n_specks + 1)
    fg &= (sizes >= MIN_AREA_128 * scale**2)[specks]
    # Parts of one object split by a dark rim that matches the scene are
    # joined across gaps of up to 4 px; layout keeps objects farther apart.
    joined, n = ndimage.label(ndimage.binary_dilation(fg, structure=EIGHT, iterations=2), structure=EIGHT)
    if n == 0:
        return []
    idx, dist = palette_distance(frame)
    out = []
    for k, sl in enumerate(ndimage.find_objects(joined), start=1):
        if sl is None:
            continue
        # Closing the joined region (erode back what joining grew, after
        # filling holes) restores seams and rims that match the scene, so
        # shape and area do not depend on the background.
        region = ndimage.binary_fill_holes(joined[sl] == k)
        mask = ndimage.binary_erosion(np.pad(region, 2), structure=EIGHT, iterations=2)[2:-2, 2:-2] & region
        area = int(mask.sum())
        if area < MIN_AREA_128 * scale**2 or area > MAX_AREA_128 * scale**2:
            continue
        # Soft weights make the centroid sub-pixel exact under anti-aliasing.
        w = np.clip((diff[sl] - 20.0) / 40.0, 0, 1) * (joined[sl] == k)
        ys, xs = np.mgrid[sl[0], sl[1]]
        cy = float((w * (ys + 0.5)).sum() / w.sum())
        cx = float((w * (xs + 0.5)).sum() / w.sum())
        votes = idx[sl][mask & (dist[sl] < COLOUR_VOTE)]
        if len(votes):
            counts = np.bincount(votes, minlength=len(PALETTE))
            colour, share = int(counts.argmax()), float(counts.max() / area)
        else:
            colour, share = -1, 0.0
        fill = PALETTE[colour] if colour >= 0 else np.median(frame[sl][mask], axis=0)
        dark_ref = fill * vocab.OUTLINE_DARKEN
        pix = frame[sl]
        dark = (np.linalg.norm(pix - dark_ref, axis=-1) < np.linalg.norm(pix - fill, axis=-1)).astype(np.float64)
        descriptor, signature = _shape_features(mask, dark, cx, cy, sl[0].start, sl[1].start)
        out.append(Detection(t, cx, cy, float(area), colour, share, descriptor, signature))
    return out


def _link(per_frame: list[list[Detection]], scale: float) -> list[Track]:
    tracks: list[Track] = []
    open_tracks: list[Track] = []
    for dets in per_frame:
        if open_tracks and dets:
            last = np.array([[tr.detections[-1].x, tr.detections[-1].y] for tr in open_tracks])
            cur = np.array([[d.x, d.y] for d in dets])
            cost = np.sqrt(((last[:, None] - cur[None]) ** 2).sum(-1))
            rows, cols = linear_sum_assignment(cost)
            taken = set()
            next_open = []
            for r, c in zip(rows, cols):
                if cost[r, c] <= MAX_JUMP_128 * scale:
                    open_tracks[r].detections.append(dets[c])
                    taken.add(c)
                    next_open.append(open_tracks[r])
            for c, d in enumerate(dets):
                if c not in taken:
                    tr = Track([d])
                    tracks.append(tr)
                    next_open.append(tr)
            open_tracks = next_open
        else:
            open_tracks = [Track([d]) for d in dets]
            tracks.extend(open_tracks)
    return tracks


def perceive(clip: np.ndarray) -> Perception:
    """clip: uint8 (T,H,W,3) RGB."""
    if clip.ndim != 4 or clip.shape[-1] != 3:
        raise ValueError(f"expected a (T,H,W,3) clip, got shape {clip.shape}")
    T, H, W, _ = clip.shape
    scale = min(H, W) / 128.0
    x = clip.astype(np.float32)
    background = background_rows(x)
    per_frame = [_detect(x[t], t, background, scale) for t in range(T)]
    tracks = [tr for tr in _link(per_frame, scale) if len(tr.detections) >= MIN_TRACK_FRACTION * T]
    return Perception(T, H, W, background, tracks)
