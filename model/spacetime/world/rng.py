"""The layout's random numbers: mulberry32, a 32-bit generator small enough
to run bit for bit the same in Python and in the app's TypeScript planner
(lib/plan/rng.ts), so a plan made in the browser's server is a plan the world
could have drawn for training."""
from __future__ import annotations

_M = 0xFFFFFFFF


class PlanRng:
    def __init__(self, seed: int):
        if not 0 <= seed <= _M:
            raise ValueError(f"plan seed must be in 0..2^32-1, got {seed}")
        self.state = seed

    def random(self) -> float:
        """Uniform in [0, 1), with 32 bits of resolution."""
        self.state = (self.state + 0x6D2B79F5) & _M
        a = self.state
        t = ((a ^ (a >> 15)) * (1 | a)) & _M
        t = ((t + (((t ^ (t >> 7)) * (61 | t)) & _M)) & _M) ^ t
        return ((t ^ (t >> 14)) & _M) / 4294967296.0

    def uniform(self, lo: float, hi: float) -> float:
        return lo + (hi - lo) * self.random()

    def permutation(self, n: int) -> list[int]:
        """Fisher-Yates from the end."""
        out = list(range(n))
        for i in range(n - 1, 0, -1):
            j = int(self.random() * (i + 1))
            out[i], out[j] = out[j], out[i]
        return out
