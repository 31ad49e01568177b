"""Tests for spacetime.world.video_io (need an ffmpeg binary; skipped without one)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from spacetime.world.video_io import (
    FFmpegNotFound,
    VideoDecodeError,
    VideoEncodeError,
    find_ffmpeg,
    read_video,
    write_video,
)

RED = (220, 30, 30)
BLUE = (20, 40, 200)
SQUARE = 16


def make_clip(t: int = 16, h: int = 64, w: int = 64) -> torch.Tensor:
    """A red square moving diagonally over a blue background."""
    clip = torch.empty(t, h, w, 3, dtype=torch.uint8)
    clip[...] = torch.tensor(BLUE, dtype=torch.uint8)
    for i in range(t):
        y, x = 4 + i * 2, 2 + i * 2
        clip[i, y : y + SQUARE, x : x + SQUARE] = torch.tensor(RED, dtype=torch.uint8)
    return clip


def flat_mask(t: int = 16, h: int = 64, w: int = 64, margin: int = 4) -> torch.Tensor:
    """Pixels at least `margin` away from any colour edge (chroma subsampling blurs edges)."""
    mask = torch.ones(t, h, w, dtype=torch.bool)
    for i in range(t):
        y, x = 4 + i * 2, 2 + i * 2
        mask[i, max(0, y - margin) : y + SQUARE + margin, max(0, x - margin) : x + SQUARE + margin] = False
        mask[i, y + margin : y + SQUARE - margin, x + margin : x + SQUARE - margin] = True
    return mask


def test_round_trip_preserves_frames(tmp_path: Path) -> None:
    clip = make_clip()
    path = tmp_path / "clip.mp4"
    write_video(path, clip, fps=8)
    out = read_video(path, height=64, width=64)
    assert out.shape == (16, 64, 64, 3)
    assert out.dtype == torch.uint8
    mask = flat_mask()
    err = (out.float() - clip.float()).abs()[mask]
    assert err.mean().item() < 6
    assert list(tmp_path.iterdir()) == [path]


def test_write_accepts_numpy(tmp_path: Path) -> None:
    path = tmp_path / "np.mp4"
    write_video(path, make_clip(t=4).numpy(), fps=8)
    assert read_video(path, height=64, width=64).shape[0] == 4


def test_resize_on_read(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    write_video(path, make_clip(), fps=8)
    out = read_video(path, height=32, width=48)
    assert out.shape == (16, 32, 48, 3)


def test_fps_resampling_and_max_frames(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    write_video(path, make_clip(), fps=8)
    assert read_video(path, height=64, width=64, fps=4).shape[0] == 8
    assert read_video(path, height=64, width=64, max_frames=5).shape[0] == 5


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.mp4"
    with pytest.raises(FileNotFoundError, match="nope.mp4"):
        read_video(path, height=64, width=64)


def test_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "x.mp4"
    path.write_bytes(b"this is not a video" * 100)
    with pytest.raises(VideoDecodeError, match="x.mp4"):
        read_video(path, height=64, width=64)


def test_ffmpeg_path_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    missing = tmp_path / "no-ffmpeg"
    monkeypatch.setenv("FFMPEG_PATH", str(missing))
    with pytest.raises(FFmpegNotFound, match="FFMPEG_PATH"):
        find_ffmpeg()
    monkeypatch.setenv("FFMPEG_PATH", "/bin/false")
    assert find_ffmpeg() == "/bin/false"


@pytest.mark.parametrize(
    "frames",
    [
        np.zeros((4, 64, 64, 3), dtype=np.float32),
        torch.zeros(4, 64, 64, 3, dtype=torch.int64),
        np.zeros((64, 64, 3), dtype=np.uint8),
        np.zeros((4, 64, 64, 4), dtype=np.uint8),
        np.zeros((4, 63, 64, 3), dtype=np.uint8),
    ],
)
def test_write_rejects_bad_frames(tmp_path: Path, frames: object) -> None:
    with pytest.raises(ValueError):
        write_video(tmp_path / "bad.mp4", frames, fps=8)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_failed_write_leaves_no_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FFMPEG_PATH", "/bin/false")
    with pytest.raises(VideoEncodeError):
        write_video(tmp_path / "out.mp4", make_clip(), fps=8)
    assert list(tmp_path.iterdir()) == []


def test_failed_write_keeps_previous_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "out.mp4"
    write_video(path, make_clip(), fps=8)
    before = path.read_bytes()
    monkeypatch.setenv("FFMPEG_PATH", "/bin/false")
    with pytest.raises(VideoEncodeError):
        write_video(path, make_clip(t=2), fps=8)
    assert path.read_bytes() == before
    assert list(tmp_path.iterdir()) == [path]
