"""Small recognisers fitted on rendered world clips: object class from a shape
descriptor (nearest neighbours), size from area, scene from the row profile.

The prototypes are rendered once per process from the world itself (every
kind, size, facing and scene, spinning so that many angles are seen), which
is why the judge needs no stored weights and follows the world if it changes.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..world import vocab
from ..world.config import WorldConfig
from ..world.layout import layout
from ..world.render import render
from ..world.spec import ClipSpec, ObjectTrack, Subject, WorldSample
from .perceive import background_rows, perceive

PROTOTYPE_FRAMES = 10
NEIGHBOURS = 5
SCENE_ROWS = 32
SCENE_REJECT = 45.0  # mean row-colour distance beyond which no scene is recognised


@dataclass(frozen=True)
class ShapeBank:
    features: np.ndarray  # (N, D) standardised descriptors
    labels: np.ndarray  # (N,) object index
    mean: np.ndarray
    std: np.ndarray
    area_per_d2: np.ndarray  # (8,) area / diameter² of each kind


def _prototype_samples(cfg: WorldConfig) -> list[WorldSample]:
    rng = np.random.default_rng(1234)
    out = []
    for kind in vocab.OBJECTS:
        for size in vocab.SIZES:
            for scene in vocab.SCENES:
                for motion in ("spinning", "growing", "still"):
                    colour = vocab.COLOUR_NAMES[int(rng.integers(len(vocab.COLOUR_NAMES)))]
                    spec = ClipSpec((Subject(kind, colour, size, motion),), scene)
                    tracks = layout(spec, cfg, int(rng.integers(2**32)))
                    out.append(WorldSample(0, spec, "", 0, tracks, int(rng.integers(2**31))))
    return out


# The world modules _prototype_samples runs (with their imports).
_PROTOTYPE_SOURCES = ("config", "layout", "render", "rng", "spec", "vocab")


def _cache_path(height: int, width: int) -> Path:
    """Prototypes depend only on the code that lays out, renders and
    perceives them, so a hash of those sources names the cache entry: any
    change there rebuilds it, while wording and sampling changes do not."""
    here = Path(__file__).resolve().parent
    world = here.parent / "world"
    sources = [world / f"{name}.py" for name in _PROTOTYPE_SOURCES] + [here / "perceive.py", here / "recognise.py"]
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()[:16]
    root = Path(os.environ.get("SPACETIME_CACHE", Path.home() / ".cache" / "spacetime"))
    return root / f"worldbench-shapes-{height}x{width}-{digest}.npz"


@lru_cache(maxsize=4)
def shape_bank(height: int = 128, width: int = 128) -> ShapeBank:
    path = _cache_path(height, width)
    if path.exists():
        with np.load(path) as z:
            return ShapeBank(z["features"], z["labels"], z["mean"], z["std"], z["area_per_d2"])
    bank = _build_shape_bank(height, width)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez(tmp, features=bank.features, labels=bank.labels, mean=bank.mean, std=bank.std,
                 area_per_d2=bank.area_per_d2)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home only costs the rebuild next time
    return bank


def _build_shape_bank(height: int, width: int) -> ShapeBank:
    cfg = WorldConfig(frames=PROTOTYPE_FRAMES, height=height, width=width)
    samples = _prototype_samples(cfg)
    clips = render(samples, cfg).numpy()
    feats, labels, ratios = [], [], [[] for _ in vocab.OBJECTS]
    for sample, clip in zip(samples, clips):
        track: ObjectTrack = sample.tracks[0]
        k = vocab.OBJECTS.index(track.kind)
        for tr in perceive(clip).tracks:
            for det in tr.detections:
                feats.append(det.descriptor)
                labels.append(k)
                ratios[k].append(det.area / track.diameter[det.frame] ** 2)
    x = np.array(feats, dtype=np.float32)
    # Patch pixels share one unit, so no per-feature scaling.
    mean, std = np.zeros(x.shape[1], np.float32), np.ones(x.shape[1], np.float32)
    return ShapeBank(x, np.array(labels), mean, std,
                     np.array([np.median(r) for r in ratios]))


def classify_shape(descriptor: np.ndarray, bank: ShapeBank) -> int:
    """Object index by majority of the nearest prototypes."""
    z = ((descriptor - bank.mean) / bank.std).astype(np.float32)
    d = ((bank.features - z) ** 2).sum(1)
    nearest = bank.labels[np.argpartition(d, NEIGHBOURS)[:NEIGHBOURS]]
    return int(np.bincount(nearest, minlength=len(vocab.OBJECTS)).argmax())


def size_name(area: float, kind: int, bank: ShapeBank, scale: float) -> str:
    """Nearest named size (on a log scale) for an object of this kind and area."""
    diameter = np.sqrt(area / bank.area_per_d2[kind]) / scale
    names = list(vocab.SIZE_PIXELS)
    logs = np.log([vocab.SIZE_PIXELS[n] for n in names])
    return names[int(np.abs(logs - np.log(max(diameter, 1e-3))).argmin())]


# ----------------------------------------------------------------------------
# Scenes
# ----------------------------------------------------------------------------


def _profile(rows: np.ndarray) -> np.ndarray:
    """(H,3) → (SCENE_ROWS,3) by averaging bands, so any height compares."""
    H = len(rows)
    edges = np.linspace(0, H, SCENE_ROWS + 1).astype(int)
    return np.stack([rows[a:max(b, a + 1)].mean(0) for a, b in zip(edges[:-1], edges[1:])])


@lru_cache(maxsize=4)
def scene_profiles(height: int = 128, width: int = 128) -> np.ndarray:
    """(6, SCENE_ROWS, 3) mean row profile of each scene, from empty renders."""
    cfg = WorldConfig(frames=4, height=height, width=width)
    subject = (Subject("ball", "red", "medium", "still"),)
    out = []
    for scene in vocab.SCENES:
        samples = [WorldSample(0, ClipSpec(subject, scene), "", 0, (), seed) for seed in range(6)]
        clips = render(samples, cfg).numpy().astype(np.float32)
        out.append(np.mean([_profile(background_rows(c)) for c in clips], axis=0))
    return np.stack(out)


def classify_scene(background: np.ndarray, height: int, width: int) -> tuple[str | None, float]:
    """Nearest scene by row profile, or None when nothing is close (noise)."""
    refs = scene_profiles(height, width)
    d = np.sqrt(((refs - _profile(background)[None]) ** 2).sum(-1)).mean(-1)  # (6,)
    best = int(d.argmin())
    return (vocab.SCENES[best] if d[best] < SCENE_REJECT else None), float(d[best])
