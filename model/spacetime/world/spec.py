"""What a clip shows, as data: the ground truth a caption is written from.

A `ClipSpec` is what both sides of the project agree on: the sampler produces
one and writes its caption, the renderer draws it, the prompt parser recovers
one from free text, and WorldBench checks pixels against it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

from . import vocab

if TYPE_CHECKING:
    from .camera import CameraTrack


@dataclass(frozen=True)
class Subject:
    """One noun phrase of a caption: `count` identical objects.

    Attributes are None only in parsed prompts that leave them unsaid; every
    sampled spec has all of them.
    """

    kind: str
    colour: Optional[str] = None
    size: Optional[str] = "medium"
    motion: Optional[str] = None
    count: int = 1

    def __post_init__(self) -> None:
        if self.kind not in vocab.OBJECTS:
            raise ValueError(f"unknown object {self.kind!r}; known: {', '.join(vocab.OBJECTS)}")
        if self.colour is not None and self.colour not in vocab.COLOURS:
            raise ValueError(f"unknown colour {self.colour!r}")
        if self.size is not None and self.size not in vocab.SIZES:
            raise ValueError(f"unknown size {self.size!r}")
        if self.motion is not None and self.motion not in vocab.MOTIONS:
            raise ValueError(f"unknown motion {self.motion!r}")
        if self.count not in (1, 2, 3):
            raise ValueError(f"count must be 1, 2 or 3, got {self.count}")


@dataclass(frozen=True)
class ClipSpec:
    """Subjects in caption order, the scene, and an optional relation that
    holds between subjects[0] and subjects[1] for the whole clip, and the
    camera move it is filmed with (None: unsaid, a static camera) about
    subjects[camera_target] (a follow's or close-up's subject)."""

    subjects: tuple[Subject, ...]
    scene: Optional[str] = None
    relation: Optional[str] = None
    camera: Optional[str] = None
    camera_target: int = 0

    def __post_init__(self) -> None:
        if not self.subjects:
            raise ValueError("a clip needs at least one subject")
        if self.n_objects > 3:
            raise ValueError(f"at most three objects per clip, got {self.n_objects}")
        if self.scene is not None and self.scene not in vocab.SCENES:
            raise ValueError(f"unknown scene {self.scene!r}")
        if self.relation is not None:
            if self.relation not in vocab.RELATIONS:
                raise ValueError(f"unknown relation {self.relation!r}")
            if len(self.subjects) != 2 or any(s.count != 1 for s in self.subjects):
                raise ValueError("a relation needs exactly two single subjects")
        if self.camera is not None and self.camera not in vocab.CAMERA_MOVES:
            raise ValueError(f"unknown camera move {self.camera!r}")
        if not 0 <= self.camera_target < len(self.subjects):
            raise ValueError(f"camera_target {self.camera_target} names no subject")

    @property
    def target_instance(self) -> int:
        """The camera's subject as an index into instances(): its first object."""
        return sum(s.count for s in self.subjects[:self.camera_target])

    @property
    def n_objects(self) -> int:
        return sum(s.count for s in self.subjects)

    def instances(self) -> list[Subject]:
        """One entry per drawn object (a subject with count 2 appears twice)."""
        return [s for s in self.subjects for _ in range(s.count)]


@dataclass(frozen=True)
class ObjectTrack:
    """Where one object is in every frame: centre, bounding diameter,
    rotation (radians) and facing, in pixels of the rendered frame."""

    kind: str
    colour: str
    x: tuple[float, ...]
    y: tuple[float, ...]
    diameter: tuple[float, ...]
    angle: tuple[float, ...]
    facing: tuple[int, ...]  # +1 faces right, -1 faces left (cars, boats, fish, birds turn round)


@dataclass(frozen=True)
class WorldSample:
    """A caption with its ground truth and everything needed to render it."""

    seed: int
    spec: ClipSpec
    caption: str
    template: int
    tracks: tuple[ObjectTrack, ...]
    background_seed: int = field(default=0)
    # The view the clip is filmed from (camera.py); tracks are already as it sees them. None: static.
    camera: Optional["CameraTrack"] = None
