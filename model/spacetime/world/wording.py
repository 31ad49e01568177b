"""The wording test set: held-out prompts said the way people say them, with
the spec each must parse to (tests/plan/fixtures/wording.json, read by both
model/tests/test_wording.py and tests/plan/parser.test.ts).

The paraphrases come from the table below, written by hand for this test and
deliberately NOT derived from vocab.py: it says how a person would describe
the clip (verbs that suit the object, any inflection, scene nouns behind any
preposition or none), and the test measures how much of that the parser
understands. Some phrasings are expected to fail; the bar is 95%.

    scripts/py -m spacetime.world.wording
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .sampler import sample
from .spec import ClipSpec, Subject

OUT = Path(__file__).resolve().parents[3] / "tests" / "plan" / "fixtures" / "wording.json"
SPECS = 90           # held-out clips (seeds 0..SPECS-1)
PER_SPEC = 3         # paraphrases of each
PASS_RATE = 0.95

# A verb: (-ing, third person singular, plural present, past).
Verb = tuple[str, str, str, str]

GENERIC_VERBS: tuple[Verb, ...] = (
    ("moving", "moves", "move", "moved"), ("heading", "heads", "head", "headed"),
    ("travelling", "travels", "travel", "travelled"), ("going", "goes", "go", "went"),
)
KIND_VERBS: dict[str, tuple[Verb, ...]] = {
    "ball": (("rolling", "rolls", "roll", "rolled"),),
    "cube": (("sliding", "slides", "slide", "slid"),),
    "star": (("drifting", "drifts", "drift", "drifted"), ("floating", "floats", "float", "floated")),
    "car": (("driving", "drives", "drive", "drove"), ("racing", "races", "race", "raced")),
    "boat": (("sailing", "sails", "sail", "sailed"), ("cruising", "cruises", "cruise", "cruised")),
    "fish": (("swimming", "swims", "swim", "swam"),),
    "bird": (("flying", "flies", "fly", "flew"), ("gliding", "glides", "glide", "glided")),
    "balloon": (("floating", "floats", "float", "floated"), ("drifting", "drifts", "drift", "drifted")),
}
DIRECTIONS: dict[str, tuple[str, ...]] = {
    "left": ("left", "leftwards", "to the left", "towards the left", "leftward", "off to the left"),
    "right": ("right", "rightwards", "to the right", "towards the right", "rightward", "off to the right"),
    "up": ("up", "upwards", "upward"),
    "down": ("down", "downwards", "downward"),
}
# Verbs that carry their direction.
VERTICAL_VERBS: dict[str, tuple[Verb, ...]] = {
    "up": (("rising", "rises", "rise", "rose up"), ("climbing", "climbs", "climb", "climbed"),
           ("ascending", "ascends", "ascend", "ascended")),
    "down": (("falling", "falls", "fall", "fell"), ("sinking", "sinks", "sink", "sank"),
             ("descending", "descends", "descend", "descended"), ("dropping", "drops", "drop", "dropped")),
}
OTHER_MOTIONS: dict[str, tuple[Verb, ...]] = {
    "bouncing": (("bouncing", "bounces", "bounce", "bounced"),
                 ("bouncing up and down", "bounces up and down", "bounce up and down", "bounced up and down"),
                 ("hopping", "hops", "hop", "hopped")),
    "spinning": (("spinning", "spins", "spin", "spun"), ("rotating", "rotates", "rotate", "rotated"),
                 ("spinning around", "spins around", "spin around", "spun around")),
    "growing": (("growing", "grows", "grow", "grew"), ("getting bigger", "gets bigger", "get bigger", "got bigger"),
                ("expanding", "expands", "expand", "expanded")),
    "shrinking": (("shrinking", "shrinks", "shrink", "shrank"),
                  ("getting smaller", "gets smaller", "get smaller", "got smaller")),
    "still": (("staying still", "stays still", "stay still", "stayed still"),
              ("standing still", "stands still", "stand still", "stood still"),
              ("sitting still", "sits still", "sit still", "sat still")),
}
SCENES: dict[str, tuple[str, ...]] = {
    "sky": ("in the sky", "across the sky", "up in the sky", "in a clear sky", "against the sky", "sky",
            "high up in the sky", "on a clear day"),
    "sunset": ("at sunset", "at dusk", "dusk", "during sunset", "at twilight", "in the sunset"),
    "night": ("at night", "during the night", "in the night sky", "at nighttime", "by night", "night"),
    "sea": ("in the ocean", "on the sea", "over the ocean", "on the water", "at sea", "over the waves"),
    "field": ("in a meadow", "on the grass", "in a field", "over a grassy field", "across the meadow", "on a lawn",
              "in the middle of a field"),
    "snow": ("in the snow", "on snowy ground", "over a snowy field", "in a snowy landscape", "snow", "on the snow",
             "on a snowy day"),
}
RELATIONS: dict[str, tuple[str, ...]] = {
    "left of": ("to the left of", "left of"),
    "right of": ("to the right of", "right of"),
    "above": ("above", "over"),
    "below": ("below", "beneath", "under"),
}
ADVERBS = ("slowly", "gently", "quickly", "steadily")
COUNTS = {1: ("a", "one"), 2: ("two", "a pair of"), 3: ("three",)}
SIZES = {"small": ("small", "little", "tiny"), "medium": ("", "medium"), "big": ("big", "large", "huge")}
NOUNS = {"ball": "balls", "cube": "cubes", "star": "stars", "car": "cars", "boat": "boats", "fish": "fish",
         "bird": "birds", "balloon": "balloons"}


def _pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


def _motion(s: Subject, rng: np.random.Generator) -> Verb:
    """The four forms of one way to say the subject's motion."""
    if s.motion in DIRECTIONS:
        if s.motion in VERTICAL_VERBS and rng.random() < 0.4:
            return _pick(rng, VERTICAL_VERBS[s.motion])
        verb = _pick(rng, KIND_VERBS[s.kind] + GENERIC_VERBS)
        where = _pick(rng, DIRECTIONS[s.motion])
        return tuple(f"{form} {where}" for form in verb)  # type: ignore[return-value]
    return _pick(rng, OTHER_MOTIONS[s.motion])


def _noun_phrase(s: Subject, rng: np.random.Generator) -> str:
    words = [w for w in (_pick(rng, COUNTS[s.count]), _pick(rng, SIZES[s.size]), s.colour,
                         s.kind if s.count == 1 else NOUNS[s.kind]) if w]
    if words[0] == "a" and words[1][0] in "aeiou":
        words[0] = "an"
    return " ".join(words)


def _clause(s: Subject, rng: np.random.Generator) -> str:
    """A noun phrase with its motion, in one of three shapes."""
    ing, singular, plural, past = _motion(s, rng)
    np_ = _noun_phrase(s, rng)
    if rng.random() < 0.15:  # people colour the verb: "slowly drifting up"
        ing = f"{_pick(rng, ADVERBS)} {ing}"
    shape = int(rng.integers(4))
    if shape == 0:
        return f"{np_} {ing}"
    if shape == 1:
        return f"{np_} that {singular if s.count == 1 else plural}"
    if shape == 2:
        return f"{np_} {'is' if s.count == 1 else 'are'} {ing}"
    return f"{np_} {past}"


def paraphrase(spec: ClipSpec, rng: np.random.Generator) -> str:
    clauses = [_clause(s, rng) for s in spec.subjects]
    if spec.relation is not None:
        # The relation sits between the two noun phrases, so the second
        # subject's motion follows it: "a ball rolling left above a cube that spins".
        body = f"{clauses[0]} {_pick(rng, RELATIONS[spec.relation])} {clauses[1]}"
    elif len(clauses) == 1:
        body = clauses[0]
    else:
        body = ", ".join(clauses[:-1]) + f" {_pick(rng, ('and', 'while'))} " + clauses[-1]
    scene = _pick(rng, SCENES[spec.scene])
    return f"{scene}, {body}" if rng.random() < 0.4 else f"{body} {scene}"


def _encode_spec(spec: ClipSpec) -> list:
    return [[[s.kind, s.colour, s.size, s.motion, s.count] for s in spec.subjects], spec.scene, spec.relation]


def cases() -> list[tuple[str, ClipSpec]]:
    rng = np.random.default_rng(2024)
    out = []
    for seed in range(SPECS):
        spec = sample(seed, "heldout").spec
        texts: list[str] = []
        while len(texts) < PER_SPEC:  # distinct paraphrases of each spec
            t = paraphrase(spec, rng)
            if t not in texts:
                texts.append(t)
        out += [(t, spec) for t in texts]
    return out


def render() -> str:
    rows = ",\n".join("  " + json.dumps([t, _encode_spec(s)], separators=(",", ":")) for t, s in cases())
    return ("{\n"
            f' "generated_by": "scripts/py -m spacetime.world.wording; do not edit by hand",\n'
            f' "pass_rate": {PASS_RATE},\n'
            ' "format": "each case is [prompt, [[[kind, colour, size, motion, count], ...], scene, relation]]",\n'
            f' "cases": [\n{rows}\n ]\n}}\n')


if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(render())
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
