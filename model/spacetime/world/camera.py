"""The camera: where a clip is filmed from, frame by frame.

The layout places objects in the stage's coordinates (a static camera's
frame). A camera move films that stage from a moving view: frame point
f = (p - c) * zoom + centre, for the view's centre c and its zoom, per frame.
The background is drawn through the same view (render.py), so it scrolls
and scales, and the objects move with it: a pan left slides the whole
picture right, a close-up grows everything about the subject.

Every move keeps every object whole inside the frame (each object's disc
plus MARGIN), as the layout does, so counts and relations still hold in
every frame: a pan travels at CAMERA_SPEED unless the objects leave too
little room, then as far as the room allows; a zoom goes as far as
ZOOM_RANGE allows within the same room; a follow holds its target still in
the frame for as long as the others stay inside. The moves are functions of
the whole clip (its length sets how far a pan goes), so a minute-long shot
pans as far as a short one, slower.

lib/plan/camera.ts is the TypeScript twin; fixtures from here prove they agree.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Optional

from .config import WorldConfig
from .spec import ObjectTrack
from .vocab import CAMERA_MOVES
CAMERA_SPEED_PX_PER_S_AT_128 = 14.0  # a pan's speed when the objects leave room for it
ZOOM_RANGE = 1.5  # a zoom ends at 1.5x (close-up) or 1/1.5x (wide) when the room allows
MARGIN = 1.0  # px between an object's disc and the frame's edge
_PAN = {"pan-left": (1.0, 0.0), "pan-right": (-1.0, 0.0), "pan-up": (0.0, 1.0), "pan-down": (0.0, -1.0)}  # picture's motion
_STEPS = 20  # a move too large for the room is tried at 19/20, 18/20, ... of its size


@dataclass(frozen=True)
class CameraTrack:
    """The view in every frame: its centre (x, y) in the stage's coordinates
    and its zoom. A static camera is centre (W/2, H/2) and zoom 1 throughout."""

    move: str
    target: Optional[int]  # the object a follow or close-up is about (index into the tracks)
    x: tuple[float, ...]
    y: tuple[float, ...]
    zoom: tuple[float, ...]

    @property
    def static(self) -> bool:
        return self.move == "static"


def static_camera(frames: int, cfg: WorldConfig) -> CameraTrack:
    return CameraTrack("static", None, (cfg.width / 2,) * frames, (cfg.height / 2,) * frames, (1.0,) * frames)


def to_frame(px: float, py: float, cam: CameraTrack, f: int, cfg: WorldConfig) -> tuple[float, float]:
    """A stage point as seen in frame f."""
    z = cam.zoom[f]
    return (px - cam.x[f]) * z + cfg.width / 2, (py - cam.y[f]) * z + cfg.height / 2


def film(tracks: tuple[ObjectTrack, ...], cam: CameraTrack, cfg: WorldConfig) -> tuple[ObjectTrack, ...]:
    """The tracks as the camera sees them: centres through the view, sizes times its zoom."""
    if cam.static:
        return tracks
    out = []
    for tr in tracks:
        pts = [to_frame(x, y, cam, f, cfg) for f, (x, y) in enumerate(zip(tr.x, tr.y))]
        out.append(replace(tr, x=tuple(p[0] for p in pts), y=tuple(p[1] for p in pts),
                           diameter=tuple(d * z for d, z in zip(tr.diameter, cam.zoom))))
    return tuple(out)


def _fits(tracks: tuple[ObjectTrack, ...], cam: CameraTrack, cfg: WorldConfig) -> bool:
    for tr in film(tracks, cam, cfg):
        for x, y, d in zip(tr.x, tr.y, tr.diameter):
            r = d / 2 + MARGIN
            if not (r <= x <= cfg.width - r and r <= y <= cfg.height - r):
                return False
    return True


def _shift_room(tracks: tuple[ObjectTrack, ...], f: int, cfg: WorldConfig) -> tuple[float, float, float, float]:
    """How far the picture may slide in frame f (left, right, up, down) with every object inside."""
    left = right = up = down = math.inf
    for tr in tracks:
        r = tr.diameter[f] / 2 + MARGIN
        left, right = min(left, tr.x[f] - r), min(right, cfg.width - r - tr.x[f])
        up, down = min(up, tr.y[f] - r), min(down, cfg.height - r - tr.y[f])
    return left, right, up, down


def camera_track(move: str, tracks: tuple[ObjectTrack, ...], cfg: WorldConfig, target: Optional[int] = 0,
                 subframes: int = 1) -> CameraTrack:
    """The view for `move` over tracks laid out for cfg (frames (cfg.frames - 1) * subframes + 1
    long, as layout(subframes=...) gives). Deterministic: no random draws."""
    if move not in CAMERA_MOVES:
        raise ValueError(f"unknown camera move {move!r}; known: {', '.join(CAMERA_MOVES)}")
    T = len(tracks[0].x) if tracks else (cfg.frames - 1) * subframes + 1
    W2, H2 = cfg.width / 2, cfg.height / 2
    if move == "static" or not tracks:
        return replace(static_camera(T, cfg), move=move if tracks else "static")
    tau = [f / (T - 1) if T > 1 else 0.0 for f in range(T)]  # 0 .. 1 over the clip
    seconds = (T - 1) / subframes / cfg.fps
    if move in _PAN:
        # The picture slides by shift(f) = offset + travel * tau(f); the view's centre moves the other way.
        ux, uy = _PAN[move]
        for k in range(_STEPS, -1, -1):
            travel = CAMERA_SPEED_PX_PER_S_AT_128 * cfg.scale * seconds * k / _STEPS
            lo, hi = -math.inf, math.inf  # the offset's feasible range
            for f in range(T):
                left, right, up, down = _shift_room(tracks, f, cfg)
                neg, pos = (left, right) if ux else (up, down)  # room towards -x/-y and +x/+y
                if ux + uy < 0:  # the picture moves towards -x or -y: shift s is a slide of -s
                    neg, pos = pos, neg
                s = travel * tau[f]
                lo, hi = max(lo, -neg - s), min(hi, pos - s)
            if lo <= hi:
                offset = (lo + hi) / 2 if travel else 0.0
                if not lo <= offset <= hi:
                    offset = min(max(0.0, lo), hi)
                shift = [offset + travel * t for t in tau]
                return CameraTrack(move, None, tuple(W2 - ux * s for s in shift), tuple(H2 - uy * s for s in shift),
                                   (1.0,) * T)
        return replace(static_camera(T, cfg), move=move)
    if move == "follow":
        assert target is not None and 0 <= target < len(tracks), "a follow needs its target"
        tr = tracks[target]
        # Hold the target where it starts, within the room the others leave, frame by frame.
        xs, ys = [], []
        for f in range(T):
            left, right, up, down = _shift_room(tracks, f, cfg)
            sx = min(max(tr.x[0] - tr.x[f], -left), right)  # picture's slide in x
            sy = min(max(tr.y[0] - tr.y[f], -up), down) if _vertical(tr) else 0.0
            xs.append(W2 - sx)
            ys.append(H2 - sy)
        return CameraTrack(move, target, tuple(xs), tuple(ys), (1.0,) * T)
    # Zooms: exponential in time, about a point of the stage: the centre for a wide shot; for a
    # close-up its subject, or, where zooming on the subject would push another object out,
    # the middle of everything the clip shows.
    points = [(W2, H2)]
    if move == "zoom-in":
        assert target is not None and 0 <= target < len(tracks), "a close-up needs its subject"
        tr = tracks[target]
        xs = [x + s * d / 2 for t in tracks for x, d in zip(t.x, t.diameter) for s in (-1, 1)]
        ys = [y + s * d / 2 for t in tracks for y, d in zip(t.y, t.diameter) for s in (-1, 1)]
        points = [(sum(tr.x) / T, sum(tr.y) / T), ((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)]
    for k in range(_STEPS, -1, -1):
        end = ZOOM_RANGE ** (k / _STEPS) if move == "zoom-in" else ZOOM_RANGE ** (-k / _STEPS)
        zoom = tuple(end ** t for t in tau)
        for px, py in points:
            # The view's centre moves from the frame's centre to the point as it closes in,
            # so a close-up ends with its subject in the middle of the frame.
            cx = tuple(W2 + (px - W2) * t for t in tau)
            cy = tuple(H2 + (py - H2) * t for t in tau)
            cam = CameraTrack(move, target if move == "zoom-in" else None, cx, cy, zoom)
            if _fits(tracks, cam, cfg):
                return cam
    return replace(static_camera(T, cfg), move=move, target=target if move == "zoom-in" else None)


def shown(cam: CameraTrack, cfg: WorldConfig, subframes: int = 1) -> float:
    """The share of its full move a pan or a zoom makes (the room can shrink it); 1 for the
    other moves."""
    T = len(cam.x)
    seconds = (T - 1) / subframes / cfg.fps
    if cam.move in _PAN and seconds > 0:
        travel = math.hypot(cam.x[-1] - cam.x[0], cam.y[-1] - cam.y[0])
        return travel / (CAMERA_SPEED_PX_PER_S_AT_128 * cfg.scale * seconds)
    if cam.move in ("zoom-in", "zoom-out"):
        return abs(math.log(cam.zoom[-1])) / math.log(ZOOM_RANGE)
    return 1.0


def _vertical(tr: ObjectTrack) -> bool:
    """A follow tracks a target's height only when it travels up or down (a bounce stays framed)."""
    return max(tr.y) - min(tr.y) > 1e-6 and max(tr.x) - min(tr.x) < 1e-6


def stage_point(cam: Optional[CameraTrack], f: int, u, v, width: int, height: int):
    """The stage pixel (render's convention: pixel indices, centres at integers) under frame
    point (u, v) (floats or arrays, continuous: a pixel's centre is at index + 0.5) in frame f;
    cam None: a static camera."""
    if cam is None:
        return u - 0.5, v - 0.5
    z = cam.zoom[f]
    return (u - width / 2) / z + cam.x[f] - 0.5, (v - height / 2) / z + cam.y[f] - 0.5


def background_flow(cam: CameraTrack, f: int, u, v, cfg: WorldConfig):
    """How far the picture at frame point (u, v) (floats or arrays) moved since
    the frame before, in px per frame: frame 0 takes frame 1's motion, as the
    plan's velocities do (backward differences)."""
    if len(cam.x) < 2:
        return u * 0.0, v * 0.0
    a, b = (f - 1, f) if f > 0 else (0, 1)
    za, zb = cam.zoom[a], cam.zoom[b]
    # The stage point shown at (u, v) in frame b was at to_frame(it, a) in frame a.
    fx = (u - cfg.width / 2) * (1 - za / zb) - (cam.x[b] - cam.x[a]) * za
    fy = (v - cfg.height / 2) * (1 - za / zb) - (cam.y[b] - cam.y[a]) * za
    return fx, fy
