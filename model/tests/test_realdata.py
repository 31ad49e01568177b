"""Tests for spacetime.world.realdata (need an ffmpeg binary; skipped without one)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Tuple

import pytest
import torch

from spacetime.world.realdata import VideoFolderDataset, iterate_batches
from spacetime.world.video_io import write_video

SIZE = 32
# Distinct flat colours so a decoded clip can be matched back to its caption.
COLOURS: List[Tuple[int, int, int]] = [
    (220, 30, 30), (30, 200, 40), (20, 40, 220), (230, 220, 30), (200, 40, 210), (30, 210, 210),
]


def solid_clip(colour: Tuple[int, int, int], t: int) -> torch.Tensor:
    return torch.tensor(colour, dtype=torch.uint8).expand(t, SIZE, SIZE, 3).clone()


def ramp_clip(t: int) -> torch.Tensor:
    """Grey frames getting brighter, so every frame differs from the others."""
    levels = torch.linspace(20, 235, t).round().to(torch.uint8)
    return levels.view(t, 1, 1, 1).expand(t, SIZE, SIZE, 3).clone()


def add_video(root: Path, name: str, clip: torch.Tensor, caption: str | None) -> None:
    write_video(root / f"{name}.mp4", clip, fps=8)
    if caption is not None:
        (root / f"{name}.txt").write_text(caption, encoding="utf-8")


def make_dataset(root: Path, n: int = 6) -> None:
    for i in range(n):
        add_video(root, f"v{i}", solid_clip(COLOURS[i], 8), f"  colour {i}\n")


def test_captions_paired(tmp_path: Path) -> None:
    make_dataset(tmp_path)
    ds = VideoFolderDataset(tmp_path, frames=8, height=SIZE, width=SIZE)
    assert len(ds) == 6
    for i in range(len(ds)):
        clip, caption = ds[i]
        assert caption == f"colour {i}"
        assert clip.shape == (8, SIZE, SIZE, 3) and clip.dtype == torch.uint8
        mean = clip.float().mean(dim=(0, 1, 2))
        assert (mean - torch.tensor(COLOURS[i], dtype=torch.float32)).abs().max() < 6


def test_resizes_to_target(tmp_path: Path) -> None:
    make_dataset(tmp_path, n=1)
    clip, _ = VideoFolderDataset(tmp_path, frames=8, height=16, width=24)[0]
    assert clip.shape == (8, 16, 24, 3)


def test_missing_caption(tmp_path: Path) -> None:
    make_dataset(tmp_path, n=2)
    add_video(tmp_path, "orphan", solid_clip(COLOURS[0], 8), None)
    with pytest.raises(ValueError, match="orphan.txt"):
        VideoFolderDataset(tmp_path, frames=8, height=SIZE, width=SIZE)


def test_empty_caption(tmp_path: Path) -> None:
    add_video(tmp_path, "blank", solid_clip(COLOURS[0], 8), "  \n")
    with pytest.raises(ValueError, match="blank.txt"):
        VideoFolderDataset(tmp_path, frames=8, height=SIZE, width=SIZE)


def test_empty_and_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no .mp4"):
        VideoFolderDataset(tmp_path)
    with pytest.raises(FileNotFoundError, match="nowhere"):
        VideoFolderDataset(tmp_path / "nowhere")


def test_long_clip_truncated(tmp_path: Path) -> None:
    full = ramp_clip(12)
    add_video(tmp_path, "long", full, "long")
    clip, _ = VideoFolderDataset(tmp_path, frames=8, height=SIZE, width=SIZE)[0]
    assert clip.shape[0] == 8
    assert (clip.float() - full[:8].float()).abs().mean() < 6


def test_short_clip_padded_with_last_frame(tmp_path: Path) -> None:
    add_video(tmp_path, "short", ramp_clip(5), "short")
    clip, _ = VideoFolderDataset(tmp_path, frames=8, height=SIZE, width=SIZE)[0]
    assert clip.shape == (8, SIZE, SIZE, 3)
    assert not torch.equal(clip[3], clip[4])  # real frames differ ...
    for i in range(5, 8):
        assert torch.equal(clip[i], clip[4])  # ... the padding repeats the last one


def test_too_short_clip(tmp_path: Path) -> None:
    add_video(tmp_path, "tiny", ramp_clip(3), "tiny")
    ds = VideoFolderDataset(tmp_path, frames=8, height=SIZE, width=SIZE)  # min_frames = 4
    with pytest.raises(ValueError, match="tiny.mp4"):
        ds[0]
    ok = VideoFolderDataset(tmp_path, frames=8, height=SIZE, width=SIZE, min_frames=3)
    assert ok[0][0].shape[0] == 8


def _caption_order(ds: VideoFolderDataset, seed: int) -> List[str]:
    order: List[str] = []
    for clips, captions in iterate_batches(ds, 4, seed=seed):
        assert clips.dtype == torch.uint8
        assert clips.shape == (len(captions), 8, SIZE, SIZE, 3)
        order += captions
    return order


def test_batches_deterministic_per_seed(tmp_path: Path) -> None:
    make_dataset(tmp_path)
    ds = VideoFolderDataset(tmp_path, frames=8, height=SIZE, width=SIZE)
    first = _caption_order(ds, seed=0)
    assert sorted(first) == sorted(ds.captions)  # one pass, every item once
    assert _caption_order(ds, seed=0) == first
    assert _caption_order(ds, seed=1) != first
    batches = list(iterate_batches(ds, 4, seed=0, shuffle=False))
    assert [len(c) for _, c in batches] == [4, 2]
    assert batches[0][1] + batches[1][1] == ds.captions
