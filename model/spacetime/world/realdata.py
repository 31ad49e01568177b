"""Training data from users' own videos: a folder of ``NAME.mp4`` + ``NAME.txt`` pairs.

Captions live in plain text files beside each video so that users can build a
dataset with nothing but a file manager and a text editor.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, List, Optional, Tuple, Union

import torch
from torch.utils.data import Dataset

from .video_io import PathLike, read_video

Item = Tuple[torch.Tensor, str]


class VideoFolderDataset(Dataset):
    """Fixed-shape (frames, height, width, 3) uint8 clips with their captions.

    Every clip is decoded at the same fps and size so that items can be
    stacked into batches. Clips longer than ``frames`` keep only their first
    ``frames`` frames. Clips that are shorter are padded by repeating their
    last frame, which keeps the clip length fixed for batching (a frozen tail
    is a mild, honest artefact, unlike looping which would invent a cut);
    clips shorter than ``min_frames`` are rejected because mostly-padding
    clips would teach the model that videos stand still.
    """

    def __init__(
        self,
        root: PathLike,
        *,
        frames: int = 16,
        height: int = 128,
        width: int = 128,
        fps: float = 8,
        min_frames: Optional[int] = None,
    ) -> None:
        self.root = Path(root)
        self.frames = frames
        self.height = height
        self.width = width
        self.fps = fps
        self.min_frames = frames // 2 if min_frames is None else min_frames
        if frames <= 0:
            raise ValueError(f"frames must be positive, got {frames}")
        if not 1 <= self.min_frames <= frames:
            raise ValueError(f"min_frames must be in [1, {frames}], got {self.min_frames}")
        if not self.root.is_dir():
            raise FileNotFoundError(f"video folder not found: {self.root}")

        # Captions are read eagerly so a missing one fails at startup, not mid-training.
        self.videos: List[Path] = sorted(self.root.glob("*.mp4"))
        if not self.videos:
            raise ValueError(f"no .mp4 files found in {self.root}")
        self.captions: List[str] = [self._read_caption(v) for v in self.videos]

    @staticmethod
    def _read_caption(video: Path) -> str:
        caption_file = video.with_suffix(".txt")
        if not caption_file.is_file():
            raise ValueError(f"missing caption file {caption_file} for video {video.name}")
        caption = caption_file.read_text(encoding="utf-8").strip()
        if not caption:
            raise ValueError(f"caption file {caption_file} is empty")
        return caption

    def __len__(self) -> int:
        return len(self.videos)

    def __getitem__(self, index: int) -> Item:
        path = self.videos[index]
        clip = read_video(
            path, height=self.height, width=self.width, fps=self.fps, max_frames=self.frames
        )
        n = clip.shape[0]
        if n < self.min_frames:
            raise ValueError(
                f"{path} has only {n} frames at {self.fps} fps; at least {self.min_frames} are needed"
            )
        if n < self.frames:
            clip = torch.cat([clip, clip[-1:].expand(self.frames - n, -1, -1, -1)])
        return clip, self.captions[index]


def batch_indices(n: int, batch_size: int, *, seed: int, shuffle: bool = True) -> List[List[int]]:
    """The items of each batch of one pass over n items, decoding nothing:
    a caller can skip batches (a resumed run) or take every k-th (a DDP rank)
    and decode only those with load_batch."""
    if batch_size <= 0:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist() if shuffle else list(range(n))
    return [order[start : start + batch_size] for start in range(0, n, batch_size)]


def load_batch(dataset: Union[VideoFolderDataset, "Dataset[Item]"], indices: List[int]) -> Tuple[torch.Tensor, List[str]]:
    """Decodes the given items as (clips (B, T, H, W, 3), captions)."""
    items = [dataset[i] for i in indices]
    return torch.stack([clip for clip, _ in items]), [caption for _, caption in items]


def iterate_batches(
    dataset: Union[VideoFolderDataset, "Dataset[Item]"],
    batch_size: int,
    *,
    seed: int,
    shuffle: bool = True,
) -> Iterator[Tuple[torch.Tensor, List[str]]]:
    """One pass over the dataset as (clips (B, T, H, W, 3), captions) batches.

    A private seeded generator makes the order reproducible without touching
    the global RNG. The last batch may be smaller; callers wanting more epochs
    call this again (with a new seed for a new order).
    """
    for indices in batch_indices(len(dataset), batch_size, seed=seed, shuffle=shuffle):  # type: ignore[arg-type]
        yield load_batch(dataset, indices)
