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
