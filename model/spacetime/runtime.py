"""How torch runs here: CPU threads (OpenBLAS's too) and mixed precision."""
from __future__ import annotations

import contextlib
import ctypes

import torch


def set_cpu_threads(n: int) -> None:
    """torch's threads, and OpenBLAS's too: Debian's torch calls OpenBLAS for
    matmuls, whose own thread pool ignores torch.set_num_threads and
    spin-waits when the cores are shared, which made attention's batched
    matmuls 20x slower on our 2-core machines."""
    torch.set_num_threads(n)
    for name in ("libopenblas.so.0", "libopenblas.so"):
        try:
            ctypes.CDLL(name).openblas_set_num_threads(n)
            return
        except (OSError, AttributeError):
            continue


def autocast(device: torch.device) -> contextlib.AbstractContextManager:
    """bf16 autocast on CUDA; nothing on CPU (torch 1.13's CPU build cannot
    even construct a disabled CUDA autocast, and CPU bf16 is slower)."""
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()
