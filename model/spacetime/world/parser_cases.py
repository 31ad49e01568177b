"""Writes tests/plan/fixtures/parser-cases.json: prompts with what the Python
parser makes of them, which the TypeScript parser (lib/plan/parser.ts) must
reproduce exactly.

The prompts are every caption of sampled world clips (both splits) and
free-form text that exercises the parser's other paths: unknown words,
misplaced or repeated relations, more than three objects, conflicting
attributes, dangling modifiers, several scenes, punctuation and Unicode.
model/tests/test_grammar_export.py fails when the committed file is stale.

    scripts/py -m spacetime.world.parser_cases
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import numpy as np

from . import parser
from .sampler import sample
from .spec import ClipSpec

OUT = Path(__file__).resolve().parents[3] / "tests" / "plan" / "fixtures" / "parser-cases.json"
CAPTIONS_PER_SPLIT = 1000
FREE_FORM = 220

HAND_WRITTEN = (
    "", "   ", "!!! ...", "a", "red", "rising", "two balls", "red balls", "a red balls", "three ball",
    "a blue dragon flying over the sea", "a ball, a cube, a star and a car", "two balls and two cubes",
    "two balls above a cube", "a ball above a cube above a star", "above a ball a cube",
    "a ball drifting to the left of a cube", "a ball drifting to the left to the left of a cube",
    "a red blue ball", "a small big ball", "a ball moving left moving right", "a spinning red ball",
    "a ball in the sky at night", "a ship above the water", "a ball to the left of", "to the left of a ball",
    "a red ball and", "a ball and a red", "Two HUGE azure boxes, spinning!! at dusk",
    "über-cool café: 3 little cubes\tgoing up\n4k", "a five-pointed star -moving- left",
    "a ball that is bouncing and a cube that are spinning", "a trio of tiny guppies in the snow",
    "a pair of sailboats on the ocean", "an orange orb", "one one ball", "a ball a ball a ball a ball",
    "the sky", "at sunset, in the snow", "a cat sat on the mat", "a ball above two cubes",
    "a ball above a cube and a star", "a ball left of a cube right of a star",
    "a red ball moving slowly left in the sky", "a car quickly drives very far to the right on the road",
    "a ball to the very left of a cube", "slowly, a green fish is gently swimming up in the ocean",
)

CAMERA_CAPTIONS = 300  # captions that say a camera move


def _encode(result: parser.ParsedPrompt) -> list:
    """[spec, unknown, problems] with the spec as
    [[[kind, colour, size, motion, count], ...], scene, relation] or null,
    which keeps the file small; the TypeScript test decodes it."""
    spec: Optional[list] = None
    if result.spec is not None:
        s: ClipSpec = result.spec
        spec = [[[x.kind, x.colour, x.size, x.motion, x.count] for x in s.subjects], s.scene, s.relation]
        if s.camera is not None:
            spec.append([s.camera, s.camera_target])
    return [spec, list(result.unknown), list(result.problems)]


def _free_form(rng: np.random.Generator, captions: list[str]) -> list[str]:
    """Mutations of sampled captions and word salad from the known words, so
    that every branch of the parser shows up many times."""
    known = parser.known_words()
    strangers = ("dragon", "flying", "unicorn", "slowly", "very", "moon", "of", "gigantic", "teal", "x", "42")
    out: list[str] = []
    while len(out) < FREE_FORM:
        kind = len(out) % 5
        words = captions[int(rng.integers(len(captions)))].split()
        if kind == 0:  # unknown words inserted anywhere
            for _ in range(int(rng.integers(1, 4))):
                words.insert(int(rng.integers(len(words) + 1)), strangers[int(rng.integers(len(strangers)))])
        elif kind == 1:  # two captions run together: extra objects, scenes, relations
            words += ["and"] + captions[int(rng.integers(len(captions)))].split()
        elif kind == 2:  # words out of order
            rng.shuffle(words)
        elif kind == 3:  # words dropped
            words = [w for w in words if rng.random() > 0.3]
        else:  # salad of known words
            words = [known[int(rng.integers(len(known)))] for _ in range(int(rng.integers(1, 14)))]
        out.append(" ".join(words))
    return out


def cases() -> dict:
    captions = [sample(seed, split).caption
                for split in ("train", "heldout") for seed in range(CAPTIONS_PER_SPLIT)]
    captions += [sample(seed, "train", camera=1.0).caption for seed in range(CAMERA_CAPTIONS)]
    free = list(HAND_WRITTEN) + _free_form(np.random.default_rng(13), captions)
    return {
        "generated_by": "scripts/py -m spacetime.world.parser_cases; do not edit by hand",
        "format": "each case is [prompt, [spec, unknown, problems]], spec = "
                  "[[[kind, colour, size, motion, count], ...], scene, relation(, [camera, camera_target])] or null",
        "captions": [[c, _encode(parser.parse(c))] for c in captions],
        "free_form": [[t, _encode(parser.parse(t))] for t in free],
    }


def render() -> str:
    # One case per line: small, and a diff shows which prompts changed.
    c = cases()
    lines = ["{"]
    for key in ("generated_by", "format"):
        lines.append(f" {json.dumps(key)}: {json.dumps(c[key])},")
    for key, last in (("captions", False), ("free_form", True)):
        rows = ",\n".join("  " + json.dumps(row, ensure_ascii=False, separators=(",", ":")) for row in c[key])
        lines.append(f" {json.dumps(key)}: [\n{rows}\n ]" + ("" if last else ","))
    lines.append("}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(render())
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
