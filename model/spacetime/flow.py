"""Rectified-flow schedule math, apart from any network.

Convention (as SD3, Open-Sora 1.2 and diffusers' FlowMatchEulerDiscrete):
    x_t = (1 - t) * x0 + t * noise,   t in [0, 1], t = 1 is pure noise,
    the network predicts the velocity v = dx_t/dt = noise - x0,
and sampling integrates from t = 1 down to t = 0. The network's timestep
input is t itself (the "sigma"), not t * 1000.

Training draws t from a logit-normal (SD3: most weight on the middle of the
path, where the velocity is hardest to predict), then applies the resolution
shift t' = s t / (1 + (s - 1) t), which spends more time at high noise for
bigger latents (Open-Sora 1.2 cut its sampling steps from 100 to 30 this way).
Sampling applies the same shift to a uniform grid of timesteps.
"""
from __future__ import annotations

import math
from typing import Optional

import torch
from torch import Tensor


def _broadcast(t: Tensor, like: Tensor) -> Tensor:
    """(B,) -> (B, 1, 1, ...) to match `like`."""
    return t.reshape(t.shape[0], *([1] * (like.dim() - 1))).to(like.dtype)


def interpolate(x0: Tensor, noise: Tensor, t: Tensor) -> Tensor:
    """x_t = (1 - t) x0 + t noise, t of shape (B,)."""
    t = _broadcast(t, x0)
    return (1 - t) * x0 + t * noise


def velocity_target(x0: Tensor, noise: Tensor) -> Tensor:
    """d x_t / dt along the straight path: what the network learns."""
    return noise - x0


def shift_timesteps(t: Tensor, shift: float) -> Tensor:
    """t' = s t / (1 + (s - 1) t): keeps 0 and 1 fixed, pushes the middle
    towards noise for s > 1."""
    if shift <= 0:
        raise ValueError(f"shift must be positive, got {shift}")
    return shift * t / (1 + (shift - 1) * t)


def resolution_shift(frames: int, height: int, width: int, base_positions: int = 256) -> float:
    """Shift for a latent of frames x height x width positions.

    Noise at a given t hides less of a bigger latent (neighbouring positions
    share information), so bigger latents need more time at high noise. The
    shift grows with the square root of the position count relative to one
    16x16 latent frame (a single 128x128 image), as Open-Sora 1.2 scales by
    sqrt(resolution ratio) * sqrt(frame ratio)."""
    return math.sqrt(frames * height * width / base_positions)


def sample_timesteps(
    n: int,
    shift: float = 1.0,
    mean: float = 0.0,
    std: float = 1.0,
    generator: Optional[torch.Generator] = None,
    device: torch.device | str = "cpu",
) -> Tensor:
    """n training timesteps: logit-normal(mean, std), then shifted."""
    u = torch.randn(n, generator=generator, device=device) * std + mean
    return shift_timesteps(torch.sigmoid(u), shift)


class FlowMatchEulerScheduler:
    """Euler sampler for the flow ODE, with diffusers' scheduler interface.

        scheduler.set_timesteps(30)
        for t in scheduler.timesteps:
            v = model(x, t)
            x = scheduler.step(v, t, x)

    `sigmas` holds the n timesteps plus the terminal 0, so step i moves the
    sample from sigmas[i] to sigmas[i + 1]: x += (sigmas[i+1] - sigmas[i]) v.
    """

    def __init__(self, shift: float = 1.0):
        if shift <= 0:
            raise ValueError(f"shift must be positive, got {shift}")
        self.shift = shift
        self.sigmas: Optional[Tensor] = None
        self.timesteps: Optional[Tensor] = None
        self.step_index = 0

    def set_timesteps(self, num_inference_steps: int) -> None:
        if not isinstance(num_inference_steps, int) or num_inference_steps < 1:
            raise ValueError(f"num_inference_steps must be a positive int, got {num_inference_steps!r}")
        # float64 for the grid so Python and TypeScript (doubles) agree to the
        # last bit before the cast to float32.
        t = torch.linspace(1.0, 0.0, num_inference_steps + 1, dtype=torch.float64)[:-1]
        t = shift_timesteps(t, self.shift)
        self.sigmas = torch.cat([t, torch.zeros(1, dtype=torch.float64)]).float()
        self.timesteps = self.sigmas[:-1].clone()
        self.step_index = 0

    def step(self, model_output: Tensor, timestep: float | Tensor, sample: Tensor) -> Tensor:
        """One Euler step from `timestep` to the next sigma; returns the new sample.

        Steps must be taken in order, one per entry of `timesteps`."""
        if self.sigmas is None or self.timesteps is None:
            raise RuntimeError("call set_timesteps(n) before step(): the scheduler has no timesteps yet")
        if self.step_index >= len(self.timesteps):
            raise RuntimeError(
                f"all {len(self.timesteps)} steps have been taken; call set_timesteps again to sample anew"
            )
        if model_output.shape != sample.shape:
            raise ValueError(f"model_output {tuple(model_output.shape)} and sample {tuple(sample.shape)} differ in shape")
        t = float(timestep.reshape(-1)[0]) if isinstance(timestep, Tensor) else float(timestep)
        expected = float(self.timesteps[self.step_index])
        if abs(t - expected) > 1e-6:
            raise ValueError(
                f"step() got timestep {t:.6f} but the next one is timesteps[{self.step_index}] = {expected:.6f}; "
                "steps must follow scheduler.timesteps in order"
            )
        sigma, sigma_next = self.sigmas[self.step_index], self.sigmas[self.step_index + 1]
        self.step_index += 1
        # Step in float32 whatever the model's dtype, as diffusers does.
        prev = sample.float() + (sigma_next - sigma) * model_output.float()
        return prev.to(sample.dtype)
