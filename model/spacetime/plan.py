"""The scene plan: where every object of a clip is in every frame, as data the
DiT follows (docs/scene-plan.md is the contract; lib/plan/ is its TypeScript
twin).

A plan is made by laying out a spec (world/layout.py, the same rules the
training clips come from) for any length up to a minute. `rasterize` turns a
window of it into the DiT's plan input: per latent cell and latent frame,
how much of each object covers it and what that object is, so counts,
places and paths are given and the net only has to render them (LVD,
Boximator, Tora: layout first, then render).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from .world import vocab
from .world.camera import CameraTrack, background_flow, camera_track, film, stage_point
from .world.config import SPEED_PX_PER_S_AT_128, WorldConfig
from .world.layout import layout
from .world.sampler import MAX_SECONDS
from .world.shading import shade, shade_waves
from .world.spec import ClipSpec, ObjectTrack, WorldSample

PLAN_VERSION = 1
MAX_OBJECTS = 3
# Raster channels, in order. "given" is 1 everywhere when a plan is given and
# the whole raster is 0 without one, which is how the DiT tells "no plan"
# (text alone) from "a plan with nothing in view".
RASTER_CHANNELS: tuple[str, ...] = (
    "given", "occupancy",
    *(f"colour:{c}" for c in vocab.COLOUR_NAMES),
    *(f"kind:{k}" for k in vocab.OBJECTS),
    "angle:cos", "angle:sin", "facing", "velocity:x", "velocity:y",
    "camera:x", "camera:y",
    "shade",
)
# Channels added after the first DiTs, in order: a DiT reads the channels before a group it was
# trained without (its manifest lists its own).
CAMERA_CHANNELS = ("camera:x", "camera:y")
SHADE_CHANNELS = ("shade",)
LATER_CHANNELS = (CAMERA_CHANNELS, SHADE_CHANNELS)
LATENT_FACTOR = 8  # pixels per latent cell, the autoencoder's spatial factor


def dit_raster_channels(plan_channels: int) -> tuple[str, ...]:
    """The raster channels a DiT with `plan_channels` plan inputs reads: all of them, or those
    before the later groups it was trained without (the shade; the camera and the shade)."""
    sizes = [len(RASTER_CHANNELS)]
    for group in reversed(LATER_CHANNELS):
        sizes.append(sizes[-1] - len(group))
    if plan_channels not in sizes:
        raise ValueError(f"a DiT with {plan_channels} plan channels fits no raster of this version "
                         f"({', '.join(map(str, sizes))} channels)")
    return RASTER_CHANNELS[:plan_channels]


@dataclass(frozen=True)
class PlanObject:
    id: str
    kind: str
    colour: str
    size: str
    motion: str
    words: str  # the phrase of the prompt this object came from
    x: tuple[float, ...]
    y: tuple[float, ...]
    diameter: tuple[float, ...]
    angle: tuple[float, ...]
    facing: tuple[int, ...]
    visible: tuple[bool, ...]


@dataclass(frozen=True)
class ScenePlan:
    scene: str
    background_seed: int
    fps: int
    frames: int
    width: int
    height: int
    objects: tuple[PlanObject, ...]
    relation: Optional[str] = None  # between objects[0] and objects[1], for the record
    version: int = PLAN_VERSION
    camera: Optional[CameraTrack] = None  # None: a static camera

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version, "scene": self.scene, "background_seed": self.background_seed,
            "fps": self.fps, "frames": self.frames, "width": self.width, "height": self.height,
            "relation": self.relation,
            "objects": [{
                "id": o.id, "kind": o.kind, "colour": o.colour, "size": o.size, "motion": o.motion, "words": o.words,
                "track": {"x": list(o.x), "y": list(o.y), "diameter": list(o.diameter), "angle": list(o.angle),
                          "facing": list(o.facing), "visible": list(o.visible)},
            } for o in self.objects],
            **({"camera": {
                "move": self.camera.move,
                "target": None if self.camera.target is None else self.objects[self.camera.target].id,
                "x": list(self.camera.x), "y": list(self.camera.y), "zoom": list(self.camera.zoom),
            }} if self.camera is not None else {}),
        }

    @classmethod
    def from_dict(cls, d: Any) -> "ScenePlan":
        """Validates as the app's zod schema does (lib/plan/schema.ts): the
        same rules, and each error names the field it is about."""
        _need(isinstance(d, dict), "plan", "must be an object")
        _need(d.get("version") == PLAN_VERSION, "plan.version", f"must be {PLAN_VERSION}, got {d.get('version')!r}")
        _need(d.get("scene") in vocab.SCENES, "plan.scene", f"must be one of {', '.join(vocab.SCENES)}")
        seed = _int(d, "background_seed", "plan", 0, 0xFFFFFFFF)
        fps = _int(d, "fps", "plan", 1, 60)
        frames = _int(d, "frames", "plan", 1, MAX_SECONDS * fps + 1)
        width, height = (_int(d, k, "plan", 64, None) for k in ("width", "height"))
        for key, side in (("width", width), ("height", height)):
            _need(side % LATENT_FACTOR == 0, f"plan.{key}", f"must be a multiple of {LATENT_FACTOR}, got {side}")
        objs = d.get("objects")
        _need(isinstance(objs, list), "plan.objects", "must be a list")
        _need(len(objs) <= MAX_OBJECTS, "plan.objects", f"at most {MAX_OBJECTS} objects, got {len(objs)}")
        relation = d.get("relation")
        _need(relation is None or relation in vocab.RELATIONS, "plan.relation",
              f"must be null or one of {', '.join(vocab.RELATIONS)}")
        _need(relation is None or len(objs) >= 2, "plan.relation",
              f"a relation is between objects[0] and objects[1], the plan has {len(objs)} object(s)")
        out: list[PlanObject] = []
        for i, o in enumerate(objs):
            out.append(_object_from_dict(o, f"plan.objects[{i}]", frames, width, height))
            _need(out[-1].id not in {p.id for p in out[:-1]}, f"plan.objects[{i}].id", f"duplicate object id {out[-1].id!r}")
        camera = _camera_from_dict(d.get("camera"), frames, width, height, out)
        return cls(d["scene"], seed, fps, frames, width, height, tuple(out), relation, camera=camera)


def _need(ok: bool, where: str, message: str) -> None:
    if not ok:
        raise ValueError(f"{where}: {message}")


def _int(d: dict[str, Any], key: str, where: str, lo: int, hi: Optional[int]) -> int:
    v = d.get(key)
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and float(v).is_integer()
    _need(ok, f"{where}.{key}", f"must be an integer, got {v!r}")
    _need(lo <= v and (hi is None or v <= hi), f"{where}.{key}", f"must be in {lo}..{hi if hi is not None else ''}, got {v}")
    return int(v)


def _object_from_dict(o: Any, where: str, frames: int, width: int, height: int) -> PlanObject:
    _need(isinstance(o, dict), where, "must be an object")
    _need(isinstance(o.get("id"), str) and o["id"] != "", f"{where}.id", "must be a non-empty string")
    for key, table in (("kind", vocab.OBJECTS), ("colour", vocab.COLOUR_NAMES), ("size", vocab.SIZES),
                       ("motion", vocab.MOTIONS)):
        _need(o.get(key) in table, f"{where}.{key}", f"unknown {o.get(key)!r}")
    words = o.get("words", "")
    _need(isinstance(words, str), f"{where}.words", "must be a string")
    tr = o.get("track")
    _need(isinstance(tr, dict), f"{where}.track", "must be an object")
    number = lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)  # noqa: E731
    checks = {"x": number, "y": number, "diameter": lambda v: number(v) and v > 0, "angle": number,
              "facing": lambda v: v in (1, -1) and not isinstance(v, bool), "visible": lambda v: isinstance(v, bool)}
    for key, ok in checks.items():
        values = tr.get(key)
        _need(isinstance(values, list), f"{where}.track.{key}", "must be a list")
        _need(len(values) == frames, f"{where}.track.{key}", f"{len(values)} values for {frames} frames")
        bad = next((f for f, v in enumerate(values) if not ok(v)), None)
        _need(bad is None, f"{where}.track.{key}[{bad}]", f"invalid value {values[bad] if bad is not None else None!r}")
    # Only a visible centre must lie in the frame: an object may leave and
    # come back exactly as its plan says.
    for key, side in (("x", width), ("y", height)):
        bad = next((f for f, v in enumerate(tr[key]) if tr["visible"][f] and not 0 <= v <= side), None)
        _need(bad is None, f"{where}.track.{key}[{bad}]",
              f"centre {tr[key][bad] if bad is not None else None} lies outside the {width}x{height} frame (0..{side})")
    return PlanObject(o["id"], o["kind"], o["colour"], o["size"], o["motion"], words,
                      tuple(map(float, tr["x"])), tuple(map(float, tr["y"])), tuple(map(float, tr["diameter"])),
                      tuple(map(float, tr["angle"])), tuple(int(v) for v in tr["facing"]),
                      tuple(bool(v) for v in tr["visible"]))


ZOOM_LIMITS = (0.25, 4.0)


def _camera_from_dict(c: Any, frames: int, width: int, height: int,
                      objects: list[PlanObject]) -> Optional[CameraTrack]:
    if c is None:
        return None
    where = "plan.camera"
    _need(isinstance(c, dict), where, "must be an object or null")
    _need(c.get("move") in vocab.CAMERA_MOVES, f"{where}.move", f"must be one of {', '.join(vocab.CAMERA_MOVES)}")
    ids = [o.id for o in objects]
    target = c.get("target")
    _need(target is None or target in ids, f"{where}.target", f"must be null or an object's id, got {target!r}")
    number = lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)  # noqa: E731
    bounds = {"x": (-width, 2 * width), "y": (-height, 2 * height), "zoom": ZOOM_LIMITS}
    for key, (lo, hi) in bounds.items():
        values = c.get(key)
        _need(isinstance(values, list), f"{where}.{key}", "must be a list")
        _need(len(values) == frames, f"{where}.{key}", f"{len(values)} values for {frames} frames")
        bad = next((f for f, v in enumerate(values) if not (number(v) and lo <= v <= hi)), None)
        _need(bad is None, f"{where}.{key}[{bad}]",
              f"must be a number in {lo}..{hi}, got {values[bad] if bad is not None else None!r}")
    return CameraTrack(c["move"], None if target is None else ids.index(target), tuple(map(float, c["x"])),
                       tuple(map(float, c["y"])), tuple(map(float, c["zoom"])))


def plan_from_tracks(spec: ClipSpec, tracks: tuple[ObjectTrack, ...], cfg: WorldConfig, background_seed: int,
                     words: Optional[list[str]] = None, camera: Optional[CameraTrack] = None) -> ScenePlan:
    assert spec.scene is not None, "a plan needs a scene"
    objects = []
    for i, (s, tr) in enumerate(zip(spec.instances(), tracks)):
        assert s.size and s.motion and s.colour
        objects.append(PlanObject(
            f"o{i + 1}", s.kind, s.colour, s.size, s.motion, words[i] if words else "",
            tr.x, tr.y, tr.diameter, tr.angle, tr.facing, (True,) * len(tr.x)))
    moving = camera is not None and not camera.static
    return ScenePlan(spec.scene, background_seed, cfg.fps, cfg.frames, cfg.width, cfg.height, tuple(objects),
                     spec.relation, camera=camera if moving else None)


def plan_for_sample(s: WorldSample, cfg: WorldConfig) -> ScenePlan:
    return plan_from_tracks(s.spec, s.tracks, cfg, s.background_seed, camera=s.camera)


def make_plan(spec: ClipSpec, cfg: WorldConfig, seed: int, background_seed: int = 0,
              words: Optional[list[str]] = None) -> ScenePlan:
    """The planner: a spec laid out for cfg.frames frames by the world's rules,
    then filmed by its camera move (world/camera.py)."""
    tracks = layout(spec, cfg, seed)
    camera = None
    if spec.camera is not None:
        camera = camera_track(spec.camera, tracks, cfg, spec.target_instance)
        tracks = film(tracks, camera, cfg)
    return plan_from_tracks(spec, tracks, cfg, background_seed, words, camera)


# ----------------------------------------------------------------------------
# The DiT's plan input
# ----------------------------------------------------------------------------


def latent_frame_groups(frames: int) -> list[list[int]]:
    """The frames each latent frame stands for: frame 0 alone, then pairs."""
    return [[0]] + [[2 * j - 1, 2 * j] for j in range(1, (frames - 1) // 2 + 1)]


def rasterize(plan: Optional[ScenePlan], start: int, frames: int, height: int, width: int,
              channels: tuple[str, ...] = RASTER_CHANNELS) -> np.ndarray:
    """(len(channels), T', height/8, width/8) float32 for frames
    [start, start + frames) of the plan; all zeros for no plan. `channels`:
    the ones a DiT reads, in its order (one trained before the camera reads
    all but CAMERA_CHANNELS).

    An object covers a latent cell by its bounding disc, anti-aliased over
    one cell: clamp(r - distance + 1/2, 0, 1) in cell units, measured from
    the cell's centre. Each latent frame averages the frames it stands for.
    The camera channels hold the picture's motion at each cell's centre
    (camera.background_flow), in the velocities' units, all zero for a
    static camera; "shade" the scene's shading there (world/shading.py), of
    unit spread, seen through the camera. The TypeScript twin
    (lib/plan/raster.ts) computes the same numbers."""
    unknown = [c for c in channels if c not in RASTER_CHANNELS]
    if unknown:
        raise ValueError(f"no raster channel {unknown[0]!r}; known: {', '.join(RASTER_CHANNELS)}")
    pick = [RASTER_CHANNELS.index(c) for c in channels]
    groups = latent_frame_groups(frames)
    h, w = height // LATENT_FACTOR, width // LATENT_FACTOR
    out = np.zeros((len(RASTER_CHANNELS), len(groups), h, w), dtype=np.float64)
    if plan is None:
        return out[pick].astype(np.float32)
    if start < 0 or start + frames > plan.frames:
        raise ValueError(f"frames {start}..{start + frames - 1} lie outside the plan's {plan.frames} frames")
    if (plan.width, plan.height) != (width, height):
        raise ValueError(f"plan is {plan.width}x{plan.height}, the model draws {width}x{height}")
    out[0] = 1.0
    speed = SPEED_PX_PER_S_AT_128 * min(plan.width, plan.height) / 128.0  # px per second
    cu = np.arange(w, dtype=np.float64)[None, :] + 0.5
    cv = np.arange(h, dtype=np.float64)[:, None] + 0.5
    at = {c: i for i, c in enumerate(RASTER_CHANNELS)}
    colour_at = {c: 2 + i for i, c in enumerate(vocab.COLOUR_NAMES)}
    kind_at = {k: 2 + len(vocab.COLOUR_NAMES) + i for i, k in enumerate(vocab.OBJECTS)}
    last = plan.frames - 1
    for o in plan.objects:
        for j, group in enumerate(groups):
            for g in group:
                f = start + g
                if not o.visible[f]:
                    continue
                cx, cy, r = o.x[f] / LATENT_FACTOR, o.y[f] / LATENT_FACTOR, o.diameter[f] / (2 * LATENT_FACTOR)
                occ = np.clip(r - np.sqrt((cu - cx) ** 2 + (cv - cy) ** 2) + 0.5, 0.0, 1.0) / len(group)  # (h, w)
                # Backward differences (forward at frame 0): a frame's velocity
                # does not depend on how long the plan runs after it.
                a, b = (f - 1, f) if f > 0 else (0, min(1, last))
                vx = (o.x[b] - o.x[a]) / (b - a) * plan.fps / speed if b > a else 0.0
                vy = (o.y[b] - o.y[a]) / (b - a) * plan.fps / speed if b > a else 0.0
                out[1, j] += occ
                out[colour_at[o.colour], j] += occ
                out[kind_at[o.kind], j] += occ
                out[at["angle:cos"], j] += occ * math.cos(o.angle[f])
                out[at["angle:sin"], j] += occ * math.sin(o.angle[f])
                out[at["facing"], j] += occ * o.facing[f]
                out[at["velocity:x"], j] += occ * vx
                out[at["velocity:y"], j] += occ * vy
    if plan.camera is not None:
        frame = WorldConfig(frames=max(2, plan.frames), height=plan.height, width=plan.width, fps=plan.fps)
        u, v = cu * LATENT_FACTOR, cv * LATENT_FACTOR  # cell centres in pixels
        for j, group in enumerate(groups):
            for g in group:
                fx, fy = background_flow(plan.camera, start + g, u, v, frame)  # (1, w), (h, 1) px per frame
                out[at["camera:x"], j] += fx * plan.fps / speed / len(group)
                out[at["camera:y"], j] += fy * plan.fps / speed / len(group)
    waves = shade_waves(plan.background_seed)
    scale = min(plan.width, plan.height) / 128.0
    for j, group in enumerate(groups):
        for g in group:
            sx, sy = stage_point(plan.camera, start + g, cu * LATENT_FACTOR, cv * LATENT_FACTOR, plan.width, plan.height)
            out[at["shade"], j] += shade(waves, sx / scale, sy / scale) / len(group)
    return out[pick].astype(np.float32)
