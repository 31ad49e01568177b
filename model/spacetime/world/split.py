"""The held-out split: attribute combinations and caption templates that
training never sees, so WorldBench can measure compositional generalisation.

A clip is held out when any of its subjects shows a held-out colour-object,
object-motion or object-scene pair, or its caption uses a held-out template.
The rule is a pure function of the clip's parameters; the training sampler
rejects every held-out clip, so nothing can leak. Each colour and object still
appears in training with every other partner, only these pairings are new.
"""
from __future__ import annotations

from .spec import ClipSpec

HELDOUT_COLOUR_OBJECT = frozenset({
    ("red", "car"), ("orange", "cube"), ("yellow", "bird"), ("green", "balloon"),
    ("blue", "fish"), ("purple", "boat"), ("pink", "star"), ("white", "ball"),
})
HELDOUT_OBJECT_MOTION = frozenset({
    ("ball", "spinning"), ("cube", "bouncing"), ("star", "down"), ("car", "growing"),
    ("boat", "shrinking"), ("fish", "up"), ("bird", "still"), ("balloon", "left"),
})
HELDOUT_OBJECT_SCENE = frozenset({
    ("boat", "snow"), ("fish", "night"), ("car", "sky"), ("bird", "sea"),
    ("balloon", "field"), ("star", "sunset"),
})
# Indices into captions.TEMPLATES.
HELDOUT_TEMPLATES = frozenset({4, 9})


def heldout_reasons(spec: ClipSpec, template: int) -> list[str]:
    """Every held-out combination the clip contains, for reports and tests."""
    reasons = []
    for s in spec.subjects:
        if (s.colour, s.kind) in HELDOUT_COLOUR_OBJECT:
            reasons.append(f"colour-object {s.colour} {s.kind}")
        if (s.kind, s.motion) in HELDOUT_OBJECT_MOTION:
            reasons.append(f"object-motion {s.kind} {s.motion}")
        if (s.kind, spec.scene) in HELDOUT_OBJECT_SCENE:
            reasons.append(f"object-scene {s.kind} {spec.scene}")
    if template in HELDOUT_TEMPLATES:
        reasons.append(f"template {template}")
    return reasons


def is_heldout(spec: ClipSpec, template: int) -> bool:
    return bool(heldout_reasons(spec, template))
