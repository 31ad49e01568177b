"""Read and write video clips by running the ffmpeg binary directly.

We spawn ffmpeg ourselves instead of using a Python wrapper so the only
runtime dependency is one executable (which the Node side already ships via
``@ffmpeg-installer/ffmpeg``), and so errors carry ffmpeg's own messages.
Clips are uint8 tensors shaped (T, H, W, 3), RGB.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
from pathlib import Path
from typing import Optional, Union

import numpy as np
import torch

PathLike = Union[str, "os.PathLike[str]"]

# <repo>/model/spacetime/world/video_io.py -> <repo>
_REPO_ROOT = Path(__file__).resolve().parents[3]
_BUNDLED_FFMPEG = _REPO_ROOT / "node_modules" / "@ffmpeg-installer" / "linux-x64" / "ffmpeg"
_STDERR_TAIL_LINES = 8


class FFmpegNotFound(RuntimeError):
    """No usable ffmpeg executable could be located."""


class VideoDecodeError(RuntimeError):
    """ffmpeg could not turn the file into frames (corrupt, unsupported, empty)."""


class VideoEncodeError(RuntimeError):
    """ffmpeg failed while encoding frames to a file."""


def find_ffmpeg() -> str:
    """Locate ffmpeg: an explicit override wins, then the npm-bundled binary, then PATH.

    The bundled binary is preferred over PATH so that Python and Node use the
    same ffmpeg build and therefore produce identical files.
    """
    override = os.environ.get("FFMPEG_PATH")
    if override:
        if not Path(override).is_file():
            raise FFmpegNotFound(f"FFMPEG_PATH is set to {override!r}, but no file exists there")
        return override
    if _BUNDLED_FFMPEG.is_file():
        return str(_BUNDLED_FFMPEG)
    on_path = shutil.which("ffmpeg")
    if on_path:
        return on_path
    raise FFmpegNotFound(
        "ffmpeg not found. Either set FFMPEG_PATH to an ffmpeg executable, "
        f"run `npm install` so that {_BUNDLED_FFMPEG} exists, "
        "or install ffmpeg on your PATH (e.g. `apt-get install ffmpeg`)."
    )


def _stderr_tail(stderr: bytes) -> str:
    lines = stderr.decode("utf-8", errors="replace").strip().splitlines()
    return "\n".join(lines[-_STDERR_TAIL_LINES:])


def video_size(path: PathLike) -> tuple[int, int]:
    """(height, width) of a video's first video stream, from ffmpeg's own report."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"video file not found: {path}")
    proc = subprocess.run([find_ffmpeg(), "-hide_banner", "-nostdin", "-i", str(path)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    # ffmpeg exits 1 without an output file, after printing the streams.
    report = proc.stderr.decode("utf-8", errors="replace")
    found = re.search(r"Stream #\S+.*?: Video: .*?, (\d{2,5})x(\d{2,5})[, \[]", report)
    if found is None:
        raise VideoDecodeError(f"ffmpeg found no video stream in {path.name}:\n{_stderr_tail(proc.stderr)}")
    return int(found.group(2)), int(found.group(1))


def read_video(
    path: PathLike,
    *,
    height: int,
    width: int,
    fps: Optional[float] = None,
    max_frames: Optional[int] = None,
) -> torch.Tensor:
    """Decode a video into a uint8 (T, H, W, 3) tensor of exactly height x width.

    Resampling (fps) and resizing happen inside ffmpeg so that arbitrary user
    videos come out in the shape the model expects; ``area`` scaling is used
    because it averages rather than aliases when downscaling.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"video file not found: {path}")
    if height <= 0 or width <= 0:
        raise ValueError(f"height and width must be positive, got {height}x{width}")

    filters = f"scale={width}:{height}:flags=area"
    if fps is not None:
        filters = f"fps={fps},{filters}"
    cmd = [find_ffmpeg(), "-v", "error", "-nostdin", "-i", str(path), "-an", "-sn", "-vf", filters]
    if max_frames is not None:
        cmd += ["-frames:v", str(int(max_frames))]
    cmd += ["-f", "rawvideo", "-pix_fmt", "rgb24", "-"]

    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if proc.returncode != 0:
        raise VideoDecodeError(
            f"ffmpeg failed to decode {path} (exit {proc.returncode}):\n{_stderr_tail(proc.stderr)}"
        )
    frame_bytes = height * width * 3
    n_frames = len(proc.stdout) // frame_bytes
    if n_frames == 0:
        raise VideoDecodeError(f"no frames decoded from {path}")
    data = np.frombuffer(proc.stdout, dtype=np.uint8, count=n_frames * frame_bytes)
    return torch.from_numpy(data.reshape(n_frames, height, width, 3).copy())


def write_video(path: PathLike, frames: Union[torch.Tensor, np.ndarray], *, fps: float) -> None:
    """Encode uint8 (T, H, W, 3) RGB frames as an H.264 MP4.

    crf 12 keeps the file close to lossless so round-trips don't drift, while
    yuv420p + faststart keep it playable in browsers. The file is written to a
    temporary name and renamed into place, so readers never see a partial file.
    """
    array = frames.detach().cpu().numpy() if isinstance(frames, torch.Tensor) else np.asarray(frames)
    if array.dtype != np.uint8:
        raise ValueError(f"frames must be uint8, got {array.dtype}")
    if array.ndim != 4 or array.shape[-1] != 3:
        raise ValueError(f"frames must have shape (T, H, W, 3), got {tuple(array.shape)}")
    t, h, w, _ = array.shape
    if t == 0:
        raise ValueError("frames must contain at least one frame")
    if h % 2 or w % 2:
        raise ValueError(f"H.264 yuv420p needs even height and width, got {h}x{w}")
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")

    path = Path(path)
    cmd = [
        find_ffmpeg(), "-v", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r", str(fps), "-i", "-",
        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", "12", "-movflags", "+faststart",
        "-f", "mp4",
    ]
    # A unique sibling name (not mkstemp) so ffmpeg creates it with umask-respecting permissions.
    tmp_name = str(path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        proc = subprocess.Popen(cmd + [tmp_name], stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        # communicate() tolerates ffmpeg exiting early (broken pipe); the exit code tells us.
        _, stderr = proc.communicate(np.ascontiguousarray(array).tobytes())
        if proc.returncode != 0:
            raise VideoEncodeError(
                f"ffmpeg failed to encode {path} (exit {proc.returncode}):\n{_stderr_tail(stderr)}"
            )
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
