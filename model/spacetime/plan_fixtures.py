"""Writes the fixtures that prove lib/plan/ (the app's TypeScript planner)
makes the plans and rasters this package makes, and the world's vocabulary
table that lib/plan/ reads instead of retyping it.

    scripts/py -m spacetime.plan_fixtures

Rerun after changing world/rng.py, world/layout.py, world/config.py,
world/vocab.py or plan.py; model/tests/test_plan_fixtures.py fails while a
committed file differs from what this writes.
"""
from __future__ import annotations

import base64
import gzip
import json
from dataclasses import replace
from pathlib import Path
from typing import Any, Optional

import numpy as np

from . import plan
from .world import camera, config, layout, sampler, shading, vocab
from .world.config import WorldConfig
from .world.rng import PlanRng
from .world.spec import ClipSpec, Subject

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "model" / "tests" / "fixtures"
VOCAB_JSON = ROOT / "lib" / "plan" / "vocab.json"

RNG_SEEDS = (0, 1, 42, 123456789, 2**31, 2**32 - 1)


def world_vocab() -> dict[str, Any]:
    """The world's attributes and named constants, for lib/plan/vocab.ts."""
    return {
        "objects": list(vocab.OBJECTS),
        "colours": list(vocab.COLOUR_NAMES),
        "sizes": list(vocab.SIZES),
        "size_pixels": dict(vocab.SIZE_PIXELS),
        "motions": list(vocab.MOTIONS),
        "scenes": list(vocab.SCENES),
        "relations": list(vocab.RELATIONS),
        "facing_objects": list(layout.FACING_OBJECTS),
        "margin": layout.MARGIN,
        "gravity_px_per_s2_at_128": config.GRAVITY_PX_PER_S2_AT_128,
        "speed_px_per_s_at_128": config.SPEED_PX_PER_S_AT_128,
        "spin_rad_per_s": config.SPIN_RAD_PER_S,
        "grow_range": list(config.GROW_RANGE),
        "clip_frames": config.CLIP_FRAMES,
        "max_seconds": sampler.MAX_SECONDS,
        "plan_version": plan.PLAN_VERSION,
        "max_objects": plan.MAX_OBJECTS,
        "raster_channels": list(plan.RASTER_CHANNELS),
        "camera_channels": list(plan.CAMERA_CHANNELS),
        "shade_channels": list(plan.SHADE_CHANNELS),
        "shade_waves": shading.SHADE_WAVES,
        "shade_wavelengths": list(shading.SHADE_WAVELENGTHS),
        "camera_moves": list(vocab.CAMERA_MOVES),
        "targeted_camera_moves": list(vocab.TARGETED_CAMERA_MOVES),
        "camera_speed_px_per_s_at_128": camera.CAMERA_SPEED_PX_PER_S_AT_128,
        "zoom_range": camera.ZOOM_RANGE,
        "camera_margin": camera.MARGIN,
        "zoom_limits": list(plan.ZOOM_LIMITS),
        "latent_factor": plan.LATENT_FACTOR,
    }


def rng_cases() -> dict[str, Any]:
    cases = []
    for seed in RNG_SEEDS:
        rng = PlanRng(seed)
        cases.append({
            "seed": seed,
            "random": [rng.random() for _ in range(16)],
            "uniform": [rng.uniform(-3.0, 5.5) for _ in range(4)],
            "permutation_3": rng.permutation(3),
            "permutation_10": rng.permutation(10),
            "state": rng.state,
        })
    return {"cases": cases}


def _s(kind: str, colour: str, motion: str, size: str = "medium", count: int = 1) -> Subject:
    return Subject(kind, colour, size, motion, count)


# (name, spec, (frames, width, height, fps), seed). Every motion, every
# arrangement of counts, every relation, three frame shapes, 17 to 481
# frames at 8 fps and up to 20 s at 24 fps.
def _layout_specs() -> list[tuple[str, ClipSpec, tuple[int, int, int, int], int]]:
    one = lambda s, scene="sky": ClipSpec((s,), scene)  # noqa: E731
    cases: list[tuple[str, ClipSpec, tuple[int, int, int, int], int]] = []
    for i, m in enumerate(vocab.MOTIONS):
        kind = vocab.OBJECTS[i % len(vocab.OBJECTS)]
        size = vocab.SIZES[i % 3]
        cases.append((f"{m}-17", one(_s(kind, vocab.COLOUR_NAMES[i % 8], m, size), vocab.SCENES[i % 6]),
                      (17, 128, 128, 8), 1000 + i))
        cases.append((f"{m}-481", one(_s(vocab.OBJECTS[(i + 3) % 8], "blue", m, "big")), (481, 128, 128, 8), 2000 + i))
    for kind in layout.FACING_OBJECTS:
        cases.append((f"{kind}-left-49-wide", one(_s(kind, "red", "left", "small"), "sea"), (49, 256, 144, 8), 7))
    cases += [
        ("pair-bouncing-49", ClipSpec((_s("ball", "red", "bouncing", "big", 2),), "field"), (49, 128, 128, 8), 11),
        ("trio-17", ClipSpec((_s("star", "yellow", "spinning", "small", 3),), "night"), (17, 128, 128, 8), 12),
        ("two-singles-17", ClipSpec((_s("car", "green", "right"), _s("boat", "white", "down")), "sea"),
         (17, 128, 128, 8), 13),
        ("two-one-49-tall", ClipSpec((_s("fish", "orange", "up", count=2), _s("bird", "pink", "growing")), "sky"),
         (49, 144, 256, 8), 14),
        ("one-two-49-wide", ClipSpec((_s("cube", "purple", "shrinking", "big"), _s("balloon", "red", "left", count=2)),
                                     "snow"), (49, 256, 144, 8), 15),
        ("three-singles-481", ClipSpec((_s("ball", "red", "bouncing"), _s("car", "blue", "left", "big"),
                                        _s("bird", "white", "up", "small")), "sunset"), (481, 128, 128, 8), 16),
        ("three-singles-24fps", ClipSpec((_s("boat", "yellow", "right"), _s("fish", "green", "bouncing", "small"),
                                          _s("star", "pink", "growing", "big")), "sea"), (145, 256, 144, 24), 17),
        ("bouncing-24fps-20s", one(_s("ball", "orange", "bouncing", "big")), (481, 144, 256, 24), 18),
        ("still-64", one(_s("cube", "white", "still", "big"), "snow"), (9, 64, 64, 8), 19),
        ("three-moving-64", ClipSpec((_s("car", "red", "left"), _s("star", "blue", "spinning", "small"),
                                      _s("balloon", "green", "bouncing", "big")), "sky"), (9, 64, 64, 8), 20),
        ("seed-max", ClipSpec((_s("ball", "red", "right", count=2),), "sky"), (17, 128, 128, 8), 2**32 - 1),
        ("seed-zero", ClipSpec((_s("ball", "red", "left", count=3),), "sky"), (17, 128, 128, 8), 0),
    ]
    # Every camera move: one subject, two or three, long and short, every shape.
    camera_specs = (
        ClipSpec((_s("car", "red", "right"),), "field"),
        ClipSpec((_s("ball", "blue", "bouncing", "small"), _s("fish", "green", "left")), "sea", "left of"),
        ClipSpec((_s("bird", "yellow", "up"), _s("star", "pink", "growing", "big"), _s("cube", "white", "still")),
                 "night"),
    )
    shapes = ((17, 128, 128, 8), (49, 256, 144, 8), (145, 144, 256, 24), (481, 128, 128, 8))
    for i, move in enumerate(vocab.CAMERA_MOVES):
        for j, spec in enumerate(camera_specs):
            target = (i + j) % len(spec.subjects) if move in vocab.TARGETED_CAMERA_MOVES else 0
            shape = shapes[(i + j) % len(shapes)]
            cases.append((f"camera-{move}-{j}-{shape[0]}", replace(spec, camera=move, camera_target=target), shape,
                          40 + i * 3 + j))
    relation_motions = (("right", "bouncing"), ("spinning", "still"), ("bouncing", "up"), ("growing", "down"))
    for rel, (ma, mb) in zip(vocab.RELATIONS, relation_motions):
        spec = ClipSpec((_s("car", "red", ma), _s("ball", "blue", mb, "small")), "field", rel)
        cases.append((f"{rel.replace(' ', '-')}-17", spec, (17, 128, 128, 8), 30))
        cases.append((f"{rel.replace(' ', '-')}-49-wide", spec, (49, 256, 144, 8), 31))
        cases.append((f"{rel.replace(' ', '-')}-481-tall", spec, (481, 144, 256, 8), 32))
    return cases


# Specs the world cannot lay out: the planner must refuse them as Python does.
def _unlayable_specs() -> list[tuple[str, ClipSpec, tuple[int, int, int, int], int]]:
    # In a frame eight times taller than wide, two big objects side by side
    # (a car going up, a ball bouncing) are further apart in y than in x at
    # some frame in every one of the 200 draws.
    spec = ClipSpec((_s("car", "red", "up", "big"), _s("ball", "blue", "bouncing", "big")), "field", "left of")
    return [("left-of-narrow-49", spec, (49, 64, 512, 8), 0)]


def _spec_dict(spec: ClipSpec) -> dict[str, Any]:
    camera = {"camera": spec.camera, "camera_target": spec.camera_target} if spec.camera is not None else {}
    return {"subjects": [{"kind": s.kind, "colour": s.colour, "size": s.size, "motion": s.motion, "count": s.count}
                         for s in spec.subjects], "scene": spec.scene, "relation": spec.relation, **camera}


def _cfg(shape: tuple[int, int, int, int]) -> WorldConfig:
    frames, width, height, fps = shape
    return WorldConfig(frames=frames, height=height, width=width, fps=fps)


def _words(spec: ClipSpec) -> Optional[list[str]]:
    """Some cases name each object's phrase, the others leave words empty."""
    if len(spec.subjects) < 2:
        return None
    return [f"a {s.colour} {s.kind} {s.motion}" for s in spec.instances()]


def layout_cases() -> dict[str, Any]:
    cases = []
    for name, spec, shape, seed in _layout_specs():
        words = _words(spec)
        p = plan.make_plan(spec, _cfg(shape), seed, background_seed=seed % 2**31, words=words)
        cases.append({"name": name, "spec": _spec_dict(spec), "frames": shape[0], "width": shape[1],
                      "height": shape[2], "fps": shape[3], "seed": seed, "background_seed": seed % 2**31,
                      "words": words, "plan": p.to_dict()})
    for name, spec, shape, seed in _unlayable_specs():
        try:
            plan.make_plan(spec, _cfg(shape), seed)
        except ValueError as e:
            error = str(e)
        else:
            raise AssertionError(f"{name} was expected not to lay out")
        cases.append({"name": name, "spec": _spec_dict(spec), "frames": shape[0], "width": shape[1],
                      "height": shape[2], "fps": shape[3], "seed": seed, "error": error})
    return {"cases": cases}


# Rasters: (layout case, start, frames). Small ones are stored whole; every
# one is summarised by per-channel, per-latent-frame sums and sampled cells.
RASTER_CASES = (("still-64", 0, 9), ("three-moving-64", 0, 9), ("two-singles-17", 0, 17), ("spinning-17", 0, 17),
                ("one-two-49-wide", 16, 17), ("three-singles-24fps", 64, 33), ("left-of-481-tall", 400, 17),
                ("bouncing-481", 1, 16), ("camera-pan-left-0-49", 0, 17), ("camera-zoom-in-2-17", 0, 17),
                ("camera-follow-1-145", 32, 33), ("camera-zoom-out-1-17", 0, 9), ("camera-pan-down-1-49", 16, 17))
WHOLE_UP_TO = 9_000  # values; larger rasters are only summarised
SAMPLES_PER_CHANNEL_FRAME = 2


def _samples(r: np.ndarray) -> list[list[float]]:
    """[flat index, value] for the largest |value| of every non-zero
    (channel, latent frame) plane and a few other non-zero cells of it."""
    pick = np.random.default_rng(0)
    plane = r.shape[2] * r.shape[3]
    out = []
    for c in range(r.shape[0]):
        for j in range(r.shape[1]):
            flat = r[c, j].reshape(-1)
            nonzero = np.flatnonzero(flat)
            if nonzero.size == 0:
                continue
            chosen = {int(np.argmax(np.abs(flat)))}
            chosen.update(int(i) for i in pick.choice(nonzero, min(SAMPLES_PER_CHANNEL_FRAME, nonzero.size), False))
            base = (c * r.shape[1] + j) * plane
            out += [[base + i, float(flat[i])] for i in sorted(chosen)]
    return out


def raster_cases() -> dict[str, Any]:
    plans = {c["name"]: c for c in layout_cases()["cases"]}
    cases = []
    for name, start, frames in RASTER_CASES:
        c = plans[name]
        r = plan.rasterize(plan.ScenePlan.from_dict(c["plan"]), start, frames, c["height"], c["width"])
        case: dict[str, Any] = {"plan": name, "start": start, "frames": frames, "height": c["height"],
                                "width": c["width"], "shape": list(r.shape),
                                "sums": r.astype(np.float64).sum(axis=(2, 3)).tolist(), "samples": _samples(r)}
        if r.size <= WHOLE_UP_TO:
            case["float32_le_base64"] = base64.b64encode(r.astype("<f4").tobytes()).decode("ascii")
        cases.append(case)
    return {"channels": list(plan.RASTER_CHANNELS), "cases": cases}


def outputs() -> dict[Path, Any]:
    """Every file this module writes, with its content as data."""
    return {
        VOCAB_JSON: world_vocab(),
        FIXTURES / "plan_rng.json": rng_cases(),
        # Gzipped: minute-long tracks at full precision are 700 KB of JSON,
        # mostly repeats (constant sizes, periodic paths), and 50 KB zipped.
        FIXTURES / "plan_layouts.json.gz": layout_cases(),
        FIXTURES / "plan_rasters.json": raster_cases(),
    }


def read(path: Path) -> Any:
    raw = path.read_bytes()
    return json.loads(gzip.decompress(raw) if path.suffix == ".gz" else raw)


def encode(path: Path, data: Any) -> bytes:
    if path == VOCAB_JSON:  # read by people too
        return (json.dumps(data, indent=1) + "\n").encode()
    text = (json.dumps(data, separators=(",", ":")) + "\n").encode()
    return gzip.compress(text, compresslevel=9, mtime=0) if path.suffix == ".gz" else text


if __name__ == "__main__":
    for path, data in outputs().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        raw = encode(path, data)
        path.write_bytes(raw)
        print(f"wrote {path.relative_to(ROOT)} ({len(raw) // 1024} KB)")
