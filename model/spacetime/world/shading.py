"""Every scene's soft large-scale shading: clouds in the sky, swells on the sea,
meadows, drifts.

It is the structure a pan or a zoom shows at any size (stars and grass blades
are too fine for the autoencoder to keep), and it stays far below the judge's
foreground distance, so objects stand out as before. It is drawn from the
background seed by the portable generator (rng.py), so the plan's raster
carries it too ("shade", plan.py; lib/plan/shading.ts is the twin): the DiT
is told where the scene is light and dark, as it is told where each object
is, instead of inventing a faint texture that a few sampling steps smooth
away.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from .rng import PlanRng

SHADE = {"sky": 6.0, "sunset": 6.0, "night": 5.0, "sea": 5.0, "field": 5.0, "snow": 5.0}  # grey-level spread
SHADE_WAVES = 3  # plane waves summed
SHADE_WAVELENGTHS = (28.0, 60.0)  # px at 128


@dataclass(frozen=True)
class ShadeWaves:
    """The plane waves of one background: wave numbers (radians per px at 128) and phases."""

    kx: tuple[float, ...]
    ky: tuple[float, ...]
    phase: tuple[float, ...]


def shade_waves(background_seed: int) -> ShadeWaves:
    rng = PlanRng(background_seed)
    kx, ky, phase = [], [], []
    for _ in range(SHADE_WAVES):
        theta = rng.uniform(0.0, 2 * math.pi)
        k = 2 * math.pi / rng.uniform(*SHADE_WAVELENGTHS)
        kx.append(k * math.cos(theta))
        ky.append(k * math.sin(theta))
        phase.append(rng.uniform(0.0, 2 * math.pi))
    return ShadeWaves(tuple(kx), tuple(ky), tuple(phase))


def shade(waves: ShadeWaves, x, y):
    """The shading, of unit spread, at stage points (x, y) in px at 128: numpy arrays or torch
    tensors (broadcast together)."""
    sin = torch.sin if torch.is_tensor(x) or torch.is_tensor(y) else np.sin
    total = 0.0
    for kx, ky, phase in zip(waves.kx, waves.ky, waves.phase):
        total = total + sin(kx * x + ky * y + phase)
    return total / math.sqrt(SHADE_WAVES / 2)
