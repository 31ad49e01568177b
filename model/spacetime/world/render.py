"""Renders world samples to uint8 video with batched tensor ops.

Backgrounds are drawn for the whole batch at once, one scene at a time;
objects are drawn as signed distance functions inside a small square window
that follows each object, then composited into the frame. Everything after
the per-clip parameters runs on the given device, so a GPU renders batches
much faster than a training step consumes them.
"""
from __future__ import annotations

import math
from typing import Callable, Optional, Sequence

import numpy as np
import torch
from torch import Tensor

from . import vocab
from .config import GROW_RANGE, WorldConfig
from .camera import CameraTrack
from .shading import SHADE, shade, shade_waves
from .spec import WorldSample

# ----------------------------------------------------------------------------
# Scene palettes: (row fraction, RGB) stops of a vertical gradient. Every
# colour stays well away from the object palette, so objects stand out.
# ----------------------------------------------------------------------------

SCENE_GRADIENTS: dict[str, tuple[tuple[float, tuple[int, int, int]], ...]] = {
    "sky": ((0.0, (95, 150, 225)), (1.0, (160, 200, 240))),
    "sunset": ((0.0, (70, 40, 95)), (0.55, (200, 95, 90)), (1.0, (250, 180, 120))),
    "night": ((0.0, (8, 10, 30)), (1.0, (28, 32, 64))),
    "sea": ((0.0, (120, 175, 230)), (0.45, (165, 205, 240)), (0.451, (35, 95, 150)), (1.0, (20, 55, 105))),
    "field": ((0.0, (130, 185, 235)), (0.55, (170, 210, 240)), (0.551, (100, 135, 45)), (1.0, (70, 105, 35))),
    "snow": ((0.0, (150, 165, 190)), (0.6, (185, 195, 212)), (0.601, (188, 200, 220)), (1.0, (196, 208, 226))),
}
STARS_PER_CLIP = 45
FLAKES_PER_CLIP = 70

# ----------------------------------------------------------------------------
# Signed distance primitives (negative inside), in object-local units where
# the object fits the unit circle; y points down.
# ----------------------------------------------------------------------------


def _circle(u: Tensor, v: Tensor, cx: float, cy: float, r: float) -> Tensor:
    return torch.sqrt((u - cx) ** 2 + (v - cy) ** 2) - r


def _ellipse(u: Tensor, v: Tensor, cx: float, cy: float, a: float, b: float) -> Tensor:
    # Scaled-circle approximation: exact on the axes, good enough for AA edges.
    return (torch.sqrt(((u - cx) / a) ** 2 + ((v - cy) / b) ** 2) - 1.0) * min(a, b)


def _box(u: Tensor, v: Tensor, cx: float, cy: float, hx: float, hy: float, r: float = 0.0) -> Tensor:
    qx = (u - cx).abs() - (hx - r)
    qy = (v - cy).abs() - (hy - r)
    outside = torch.sqrt(qx.clamp(min=0) ** 2 + qy.clamp(min=0) ** 2)
    return outside + torch.maximum(qx, qy).clamp(max=0) - r


def _polygon(u: Tensor, v: Tensor, pts: Sequence[tuple[float, float]]) -> Tensor:
    """Convex polygon as the max of its edges' half-plane distances: exact near
    edges, which is all anti-aliasing needs. Works in either winding order."""
    n = len(pts)
    area2 = sum(pts[i][0] * pts[(i + 1) % n][1] - pts[(i + 1) % n][0] * pts[i][1] for i in range(n))
    sign = 1.0 if area2 > 0 else -1.0
    d = None
    for i in range(n):
        (x0, y0), (x1, y1) = pts[i], pts[(i + 1) % n]
        ex, ey = x1 - x0, y1 - y0
        length = math.hypot(ex, ey)
        nx, ny = sign * ey / length, -sign * ex / length  # outward normal
        di = (u - x0) * nx + (v - y0) * ny
        d = di if d is None else torch.maximum(d, di)
    assert d is not None
    return d


def _segment(u: Tensor, v: Tensor, a: tuple[float, float], b: tuple[float, float], w: float) -> Tensor:
    px, py = u - a[0], v - a[1]
    bx, by = b[0] - a[0], b[1] - a[1]
    h = ((px * bx + py * by) / (bx * bx + by * by)).clamp(0, 1)
    return torch.sqrt((px - bx * h) ** 2 + (py - by * h) ** 2) - w


def _star(u: Tensor, v: Tensor, outer: float, inner: float) -> Tensor:
    """Five-pointed star, one point up: fold into one wedge of 72 degrees."""
    ang = torch.atan2(u, -v)  # 0 at the top point
    wedge = 2 * math.pi / 5
    a = torch.remainder(ang + wedge / 2, wedge) - wedge / 2
    rad = torch.sqrt(u * u + v * v)
    pu, pv = rad * torch.sin(a.abs()), rad * torch.cos(a)
    # Edge from the tip (0, outer) to the inner vertex at half a wedge.
    tu, tv = 0.0, outer
    iu, iv = inner * math.sin(wedge / 2), inner * math.cos(wedge / 2)
    eu, ev = iu - tu, iv - tv
    length = math.hypot(eu, ev)
    nu, nv = -ev / length, eu / length  # points away from the centre
    if nu * iu + nv * iv < 0:
        nu, nv = -nu, -nv
    return (pu - tu) * nu + (pv - tv) * nv


# ----------------------------------------------------------------------------
# Shapes: each returns (body, detail) distances. The body is painted in the
# object's colour with a dark outline; details (eyes, wheels, seams) are dark.
# ----------------------------------------------------------------------------

Shape = Callable[[Tensor, Tensor], tuple[Tensor, Tensor]]


def _ball(u: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
    body = _circle(u, v, 0, 0, 0.95)
    seam = torch.maximum(_segment(u, v, (-1.0, 0.0), (1.0, 0.0), 0.08), body + 0.2)
    return body, seam


def _cube(u: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
    body = _box(u, v, 0, 0, 0.68, 0.68, 0.06)
    bevel = torch.maximum(_box(u, v, 0, 0, 0.42, 0.42), -_box(u, v, 0, 0, 0.32, 0.32))
    return body, bevel


def _star_shape(u: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
    body = _star(u, v, 0.98, 0.45)
    return body, _circle(u, v, 0, 0, 0.1)


def _car(u: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
    chassis = _box(u, v, 0, 0.12, 0.96, 0.27, 0.1)
    cabin = _box(u, v, -0.12, -0.24, 0.5, 0.24, 0.12)
    wheels = torch.minimum(_circle(u, v, -0.55, 0.42, 0.2), _circle(u, v, 0.55, 0.42, 0.2))
    window = _box(u, v, -0.05, -0.27, 0.32, 0.11, 0.04)
    return torch.minimum(torch.minimum(chassis, cabin), wheels), torch.minimum(wheels + 0.06, window)


def _boat(u: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
    hull = _polygon(u, v, [(-0.95, 0.2), (-0.62, 0.58), (0.62, 0.58), (0.95, 0.2)])
    sail = _polygon(u, v, [(0.04, -0.95), (0.04, 0.3), (0.72, 0.3)])
    jib = _polygon(u, v, [(-0.06, -0.7), (-0.55, 0.3), (-0.06, 0.3)])
    mast = _segment(u, v, (-0.01, -0.95), (-0.01, 0.25), 0.05)
    body = torch.minimum(torch.minimum(hull, sail), torch.minimum(jib, mast))
    return body, mast


def _fish(u: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
    body = _ellipse(u, v, 0.15, 0.0, 0.72, 0.42)
    tail = _polygon(u, v, [(-0.42, 0.0), (-0.97, 0.42), (-0.97, -0.42)])
    eye = _circle(u, v, 0.52, -0.08, 0.09)
    return torch.minimum(body, tail), eye


def _bird(u: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
    body = _ellipse(u, v, 0.0, 0.2, 0.55, 0.28)
    head = _circle(u, v, 0.5, 0.0, 0.22)
    wing = _polygon(u, v, [(-0.25, 0.12), (0.25, 0.12), (-0.3, -0.9)])
    tail = _polygon(u, v, [(-0.45, 0.2), (-0.97, 0.42), (-0.97, 0.0)])
    beak = _polygon(u, v, [(0.68, -0.06), (0.68, 0.08), (0.95, 0.02)])
    eye = _circle(u, v, 0.56, -0.05, 0.06)
    silhouette = torch.minimum(torch.minimum(body, head), torch.minimum(torch.minimum(wing, tail), beak))
    return silhouette, torch.minimum(eye, beak)


def _balloon(u: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
    skin = _ellipse(u, v, 0.0, -0.25, 0.58, 0.7)
    knot = _polygon(u, v, [(-0.1, 0.5), (0.1, 0.5), (0.0, 0.4)])
    string = _segment(u, v, (0.0, 0.48), (0.06, 0.97), 0.055)
    return torch.minimum(torch.minimum(skin, knot), string), torch.minimum(string, knot)


SHAPES: dict[str, Shape] = {
    "ball": _ball, "cube": _cube, "star": _star_shape, "car": _car,
    "boat": _boat, "fish": _fish, "bird": _bird, "balloon": _balloon,
}
assert tuple(SHAPES) == vocab.OBJECTS

# ----------------------------------------------------------------------------
# Backgrounds
# ----------------------------------------------------------------------------


def _gradient(scene: str, rows: Tensor, jitter: Tensor) -> Tensor:
    """(n, *rows.shape, 3) colours at heights `rows` (shares of the frame's
    height, any shape): the scene's stops plus a per-clip tint."""
    stops = SCENE_GRADIENTS[scene]
    pos = torch.tensor([p for p, _ in stops], device=jitter.device)
    cols = torch.tensor([c for _, c in stops], dtype=torch.float32, device=jitter.device)
    idx = torch.searchsorted(pos, rows.contiguous()).clamp(1, len(stops) - 1)
    w = ((rows - pos[idx - 1]) / (pos[idx] - pos[idx - 1])).clamp(0, 1)[..., None]
    line = cols[idx - 1] * (1 - w) + cols[idx] * w  # (*rows.shape, 3)
    return line[None] + jitter.reshape(-1, *[1] * rows.dim(), 3)  # (n, *rows.shape, 3)


def _points(img: Tensor, ys: Tensor, xs: Tensor, value: Tensor) -> None:
    """Paint single pixels: img (n,T,H,W,3), ys/xs/value (n,T,P)."""
    n, T, H, W, _ = img.shape
    keep = (ys >= 0) & (ys < H) & (xs >= 0) & (xs < W)
    b = torch.arange(n, device=img.device)[:, None, None].expand_as(ys)
    t = torch.arange(T, device=img.device)[None, :, None].expand_as(ys)
    img[b[keep], t[keep], ys[keep], xs[keep]] = value[keep][:, None].expand(-1, 3)


def _sprites(img: Tensor, ys: Tensor, xs: Tensor, value: Tensor, side: int, cam: Optional[CameraTrack],
             cfg: WorldConfig) -> None:
    """Paint side x side squares whose top-left stage pixels are (ys, xs) (n,T,P), through
    the camera: a filmed clip (n = 1) sees the stage tiled with the frame's period, each
    square moved and scaled by the view."""
    if cam is None:
        for dy in range(side):
            for dx in range(side):
                _points(img, ys + dy, xs + dx, value)
        return
    H, W = cfg.height, cfg.width
    z = torch.tensor(cam.zoom, dtype=torch.float32, device=img.device)[None, :, None]  # (1,T,1)
    cx = torch.tensor(cam.x, dtype=torch.float32, device=img.device)[None, :, None]
    cy = torch.tensor(cam.y, dtype=torch.float32, device=img.device)[None, :, None]
    drawn = max(1, round(side * float(max(cam.zoom))))
    for ty in (-H, 0, H):
        for tx in (-W, 0, W):
            fy = ((ys.float() + ty - cy) * z + H / 2).floor().long()
            fx = ((xs.float() + tx - cx) * z + W / 2).floor().long()
            size = (side * z).round().clamp(min=1).long()  # (1,T,1)
            for dy in range(drawn):
                for dx in range(drawn):
                    inside = (dy < size) & (dx < size)
                    _points(img, torch.where(inside, fy + dy, -1), fx + dx, value)


def _stage_grid(cfg: WorldConfig, cam: Optional[CameraTrack], device: torch.device) -> tuple[Tensor, Tensor]:
    """The stage's pixel coordinates under every frame pixel, (1,1,H,W)-broadcastable:
    the pixel indices themselves for a static camera, (1,T,H,W) through a moving one."""
    H, W = cfg.height, cfg.width
    xx = torch.arange(W, device=device, dtype=torch.float32)[None, None, None, :]
    yy = torch.arange(H, device=device, dtype=torch.float32)[None, None, :, None]
    if cam is None:
        return xx, yy
    view = lambda v: torch.tensor(v, dtype=torch.float32, device=device)[None, :, None, None]  # noqa: E731
    z = view(cam.zoom)
    return (xx + 0.5 - W / 2) / z + view(cam.x) - 0.5, (yy + 0.5 - H / 2) / z + view(cam.y) - 0.5


def _shading(scene: str, seeds: list[int], xx: Tensor, yy: Tensor, s: float) -> Tensor:
    """(n, 1 or T, H, W) grey levels the scene's shading (shading.py) adds at stage pixels (xx, yy)."""
    return torch.stack([SHADE[scene] * shade(shade_waves(seed), xx[0] / s, yy[0] / s) for seed in seeds])


def _background(scene: str, seeds: list[int], cfg: WorldConfig, device: torch.device,
                cam: Optional[CameraTrack] = None) -> Tensor:
    """(n, T, H, W, 3) backgrounds; `cam`: one clip (n = 1) filmed by a moving camera."""
    n, T, H, W = len(seeds), cfg.frames, cfg.height, cfg.width
    assert cam is None or n == 1, "a moving camera films one clip at a time"
    rngs = [np.random.default_rng(s) for s in seeds]
    jitter = torch.tensor(np.stack([r.uniform(-6, 6, 3) for r in rngs]), dtype=torch.float32, device=device)
    xx, yy = _stage_grid(cfg, cam, device)  # (1, 1 or T, H or 1, W or 1) stage pixels
    rows = ((yy + 0.5) / H).expand(-1, -1, H, W if cam is not None else 1)[0]  # (1 or T, H, 1 or W)
    img = _gradient(scene, rows, jitter).expand(n, T, H, W, 3).clone()
    img += _shading(scene, seeds, xx, yy, cfg.scale)[..., None]
    tt = torch.arange(T, device=device, dtype=torch.float32)[None, :, None, None]
    phase = torch.tensor([r.uniform(0, 2 * math.pi) for r in rngs], dtype=torch.float32,
                         device=device)[:, None, None, None]
    s = cfg.scale
    dot = max(1, round(s))  # a background pixel at 128 px covers dot x dot pixels here
    if scene == "sea":
        # Waves: bright crests travelling sideways, only below the horizon.
        horizon = int(0.45 * H)
        arg = 0.16 / s * xx + 0.55 / s * yy - 0.5 * tt * 8 / cfg.fps  # (1,T,H,W)
        wave = (9.0 * torch.sin(arg + phase)).masked_fill(yy < horizon, 0)  # (n,T,H,W)
        img += wave[..., None] * torch.tensor([0.8, 1.0, 1.0], device=device)
    elif scene == "field":
        horizon = int(0.55 * H)
        blades = 7.0 * torch.sin(1.7 / s * xx + 0.3 * torch.sin(0.9 / s * yy) + phase)  # (n,1 or T,H,W)
        img += blades.masked_fill(yy < horizon, 0)[..., None]
    elif scene == "night":
        # Drawn on the 128-px grid and scaled, so a finer render is the same sky.
        ys = torch.tensor(np.stack([r.integers(0, int(0.85 * H / s), STARS_PER_CLIP) for r in rngs]), device=device)
        xs = torch.tensor(np.stack([r.integers(0, round(W / s), STARS_PER_CLIP) for r in rngs]), device=device)
        twinkle = torch.tensor(np.stack([r.uniform(0, 2 * math.pi, STARS_PER_CLIP) for r in rngs]), device=device)
        bright = 170 + 70 * torch.sin(0.9 * tt[..., 0] * 8 / cfg.fps + twinkle[:, None, :].float())  # (n,T,P)
        # One pixel at 128 px, dot x dot at finer sizes.
        _sprites(img, (ys * dot)[:, None].expand(-1, T, -1), (xs * dot)[:, None].expand(-1, T, -1), bright, dot,
                 cam, cfg)
    elif scene == "snow":
        P = FLAKES_PER_CLIP
        x0 = torch.tensor(np.stack([r.uniform(0, W / s, P) * s for r in rngs]), dtype=torch.float32, device=device)
        y0 = torch.tensor(np.stack([r.uniform(0, H / s, P) * s for r in rngs]), dtype=torch.float32, device=device)
        fall = torch.tensor(np.stack([r.uniform(1.0, 2.2, P) for r in rngs]), dtype=torch.float32, device=device)
        sway = torch.tensor(np.stack([r.uniform(0, 2 * math.pi, P) for r in rngs]), dtype=torch.float32, device=device)
        t = tt[..., 0] * 8 / cfg.fps  # (1,T,1)
        ys = torch.remainder(y0[:, None] + fall[:, None] * s * t, H)  # (n,T,P)
        xs = torch.remainder(x0[:, None] + 1.5 * s * torch.sin(0.4 * t + sway[:, None]), W)
        _sprites(img, ys.long(), xs.long(), torch.full_like(ys, 250.0), 2 * dot, cam, cfg)  # 2x2 flakes at 128 px
    return img


# ----------------------------------------------------------------------------
# Objects
# ----------------------------------------------------------------------------

OUTLINE = 0.08  # width of the dark rim inside every body, as a share of its radius


def _window_size(cfg: WorldConfig) -> int:
    largest = max(vocab.SIZE_PIXELS.values()) * cfg.scale * GROW_RANGE[1]
    return int(math.ceil(largest)) + 4


def _draw_objects(img: Tensor, samples: Sequence[WorldSample], cfg: WorldConfig) -> None:
    """Composite every object into img (B,T,H,W,3, float 0..255) in place."""
    B, T, H, W, _ = img.shape
    device = img.device
    S = _window_size(cfg)
    pad = S
    canvas = torch.nn.functional.pad(img.permute(0, 1, 4, 2, 3), (pad, pad, pad, pad)).permute(0, 1, 3, 4, 2)
    grid = torch.arange(S, device=device, dtype=torch.float32)
    for kind, shape in SHAPES.items():
        rows = [(b, tr) for b, s in enumerate(samples) for tr in s.tracks if tr.kind == kind]
        if not rows:
            continue
        b_idx = torch.tensor([b for b, _ in rows], device=device)
        x = torch.tensor([tr.x for _, tr in rows], dtype=torch.float32, device=device)  # (n,T)
        y = torch.tensor([tr.y for _, tr in rows], dtype=torch.float32, device=device)
        r = torch.tensor([tr.diameter for _, tr in rows], dtype=torch.float32, device=device) / 2
        ang = torch.tensor([tr.angle for _, tr in rows], dtype=torch.float32, device=device)
        flip = torch.tensor([tr.facing for _, tr in rows], dtype=torch.float32, device=device)[..., None, None]  # (n,T,1,1)
        fill = torch.tensor([vocab.COLOURS[tr.colour] for _, tr in rows], dtype=torch.float32, device=device)
        # Window origin (integer pixel) so the window holds the object; pixel centres at +0.5.
        ox = torch.floor(x - S / 2).long()  # (n,T)
        oy = torch.floor(y - S / 2).long()
        px = ox[..., None, None].float() + grid[None, None, None, :] + 0.5 - x[..., None, None]  # (n,T,1,S)
        py = oy[..., None, None].float() + grid[None, None, :, None] + 0.5 - y[..., None, None]  # (n,T,S,1)
        c, s_ = torch.cos(ang)[..., None, None], torch.sin(ang)[..., None, None]
        rr = r[..., None, None]
        u = (px * c + py * s_) / rr * flip  # (n,T,S,S) object-local coordinates
        v = (-px * s_ + py * c) / rr
        body, detail = shape(u, v)
        body_px, detail_px = body * rr, detail * rr
        alpha = (0.5 - body_px).clamp(0, 1)[..., None]  # (n,T,S,S,1) coverage
        inner = (-body_px - (OUTLINE * rr).clamp(min=0.5) + 0.5).clamp(0, 1)  # 1 inside the rim
        dark_w = torch.maximum(1 - inner, (0.5 - detail_px).clamp(0, 1))[..., None]
        colour = fill[:, None, None, None, :] * (1 - dark_w * (1 - vocab.OUTLINE_DARKEN))  # (n,T,S,S,3)
        ys = (oy + pad)[..., None, None] + torch.arange(S, device=device)[None, None, :, None]  # (n,T,S,1)
        xs = (ox + pad)[..., None, None] + torch.arange(S, device=device)[None, None, None, :]  # (n,T,1,S)
        bb = b_idx[:, None, None, None].expand(-1, T, S, S)
        tt = torch.arange(T, device=device)[None, :, None, None].expand(len(rows), T, S, S)
        ys, xs = ys.expand(-1, -1, S, S), xs.expand(-1, -1, S, S)
        under = canvas[bb, tt, ys, xs]  # (n,T,S,S,3)
        canvas[bb, tt, ys, xs] = under * (1 - alpha) + colour * alpha
    img.copy_(canvas[:, :, pad:pad + H, pad:pad + W])


# ----------------------------------------------------------------------------
# Entry point
# ----------------------------------------------------------------------------


def _filmed(s: WorldSample) -> Optional[CameraTrack]:
    """The sample's camera when it moves; None for a static one."""
    return s.camera if s.camera is not None and not s.camera.static else None


def render(samples: Sequence[WorldSample], cfg: WorldConfig = WorldConfig(),
           device: torch.device | str = "cpu") -> Tensor:
    """uint8 video (B, T, H, W, 3) for the given samples, on `device`.

    Samples must have been laid out with the same `cfg` (sampler.sample).
    """
    if not samples:
        raise ValueError("render needs at least one sample")
    device = torch.device(device)
    B = len(samples)
    for s in samples:
        if any(len(tr.x) != cfg.frames for tr in s.tracks):
            raise ValueError(f"sample {s.seed} was laid out for another frame count than cfg.frames={cfg.frames}")
        for sub, tr in zip(s.spec.instances(), s.tracks):
            inside = 0 <= min(tr.x) and max(tr.x) <= cfg.width and 0 <= min(tr.y) and max(tr.y) <= cfg.height
            d0 = vocab.SIZE_PIXELS[sub.size] * cfg.scale if sub.size else None
            zooms = s.camera.zoom if _filmed(s) is not None else (1.0,)
            if not inside or (d0 and not d0 * GROW_RANGE[0] * min(zooms) - 1e-3 <= min(tr.diameter)
                              <= max(tr.diameter) <= d0 * GROW_RANGE[1] * max(zooms) + 1e-3):
                raise ValueError(f"sample {s.seed} was laid out for another frame size than "
                                 f"{cfg.height}x{cfg.width}")
    img = torch.empty(B, cfg.frames, cfg.height, cfg.width, 3, device=device)
    for scene in vocab.SCENES:
        idx = [i for i, s in enumerate(samples) if s.spec.scene == scene and _filmed(s) is None]
        if idx:
            img[idx] = _background(scene, [samples[i].background_seed for i in idx], cfg, device)
    for i, s in enumerate(samples):
        if _filmed(s) is not None:
            img[i:i + 1] = _background(s.spec.scene, [s.background_seed], cfg, device, s.camera)
    _draw_objects(img, samples, cfg)
    return img.round_().clamp_(0, 255).to(torch.uint8)
