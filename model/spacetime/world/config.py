"""Clip geometry and the world's physical constants."""
from __future__ import annotations

from dataclasses import dataclass

# Gravity in pixels per second squared at a 128-pixel frame. A bouncing object
# falls with this acceleration in every clip, which is what WorldBench's
# physics dimension checks the generator against.
GRAVITY_PX_PER_S2_AT_128 = 64.0
# Nominal speed of moving objects, pixels per second at 128 pixels.
SPEED_PX_PER_S_AT_128 = 20.0
# Angular speed of spinning objects, radians per second.
SPIN_RAD_PER_S = 3.5
# Growing/shrinking objects scale linearly between these factors of their size.
GROW_RANGE = (0.7, 1.3)
# One training clip. Motions are defined over this many frames and repeat
# past it (layout.py), so a window of a minute-long clip moves like a clip.
CLIP_FRAMES = 17


@dataclass(frozen=True)
class WorldConfig:
    # 17 = 1 + 4*4: a causal video autoencoder encodes the first frame alone
    # and the rest in groups of 2 or 4, as Wan-VAE and CogVideoX do.
    frames: int = CLIP_FRAMES
    height: int = 128
    width: int = 128
    fps: int = 8

    def __post_init__(self) -> None:
        if self.frames < 2:
            raise ValueError(f"frames must be at least 2, got {self.frames}")
        for name in ("height", "width"):
            v = getattr(self, name)
            if v < 64 or v % 8:
                raise ValueError(f"{name} must be a multiple of 8 and at least 64, got {v}")
        if not 1 <= self.fps <= 60:
            raise ValueError(f"fps must be in 1..60, got {self.fps}")

    @property
    def scale(self) -> float:
        """Object sizes and speeds scale with the short side of the frame."""
        return min(self.height, self.width) / 128.0

    @property
    def gravity(self) -> float:
        """Gravity in pixels per frame squared."""
        return GRAVITY_PX_PER_S2_AT_128 * self.scale / self.fps**2

    @property
    def speed(self) -> float:
        """Speed of moving objects in pixels per frame."""
        return SPEED_PX_PER_S_AT_128 * self.scale / self.fps

    @property
    def spin(self) -> float:
        """Spin in radians per frame."""
        return SPIN_RAD_PER_S / self.fps


# Aspect ratios a model offers: name -> (width, height) shares. 16:9 and 9:16
# are rounded to the model's latent grid (aspect_sizes), 7:4 at 128 px.
ASPECT_RATIOS = {"1:1": (1, 1), "16:9": (16, 9), "9:16": (9, 16)}


def aspect_sizes(cfg: WorldConfig, multiple: int) -> dict[str, tuple[int, int]]:
    """(height, width) in pixels per aspect: the short side is cfg's, the long
    side the multiple of `multiple` (the pixels of one DiT patch) nearest the
    ratio, so every aspect's latent fits the patch grid."""
    short = min(cfg.height, cfg.width)
    if short % multiple:
        raise ValueError(f"the frame's short side {short} is not a multiple of {multiple}")
    sizes = {}
    for name, (w, h) in ASPECT_RATIOS.items():
        long = max(short, round(short * max(w, h) / min(w, h) / multiple) * multiple)
        sizes[name] = (short, long) if w >= h else (long, short)
    sizes["1:1"] = (cfg.height, cfg.width)
    return sizes
