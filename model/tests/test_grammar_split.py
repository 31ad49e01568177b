"""The caption grammar (scene phrases, paraphrase coverage, noise, templates)
and the held-out split (no leakage, full coverage, determinism)."""
from __future__ import annotations

import itertools
import re
from collections import defaultdict

import pytest

from spacetime.world import vocab
from spacetime.world.captions import TEMPLATES
from spacetime.world.sampler import sample
from spacetime.world.spec import ClipSpec, Subject
from spacetime.world.split import (
    HELDOUT_COLOUR_OBJECT,
    HELDOUT_OBJECT_MOTION,
    HELDOUT_OBJECT_SCENE,
    HELDOUT_TEMPLATES,
    is_heldout,
)

N_ANY, N_TRAIN, N_HELDOUT = 5000, 20000, 2000


@pytest.fixture(scope="module")
def any_samples():
    return [sample(seed, "any") for seed in range(N_ANY)]


@pytest.fixture(scope="module")
def train_samples():
    return [sample(seed, "train") for seed in range(N_TRAIN)]


@pytest.fixture(scope="module")
def heldout_samples():
    return [sample(seed, "heldout") for seed in range(N_HELDOUT)]


def normalise(caption: str) -> str:
    """Lower case, single spaces: undoes the grammar's case and spacing noise."""
    return " ".join(caption.lower().split())


# ----------------------------------------------------------------------------
# Grammar
# ----------------------------------------------------------------------------


def test_every_caption_names_its_scene(any_samples):
    for s in any_samples:
        text = normalise(s.caption)
        assert any(p in text for p in vocab.SCENE_WORDS[s.spec.scene]), s.caption


def _phrasebook() -> list[tuple[str, object, str, str]]:
    """(category, value, phrasing, text) for every non-empty phrasing, longest
    text first, so that a phrase is matched before any shorter phrase inside it
    ("party balloon" before "balloon", "bouncing along" before "bouncing").
    An object's singular and plural are one phrasing, named by the singular."""
    book: list[tuple[str, object, str, str]] = []
    for kind, pairs in vocab.OBJECT_WORDS.items():
        book += [("object", kind, singular, w) for singular, plural in pairs for w in {singular, plural}]
    for cat, table in (("colour", vocab.COLOUR_WORDS), ("size", vocab.SIZE_WORDS), ("motion", vocab.MOTION_WORDS),
                       ("scene", vocab.SCENE_WORDS), ("relation", vocab.RELATION_WORDS), ("count", vocab.COUNT_WORDS)):
        book += [(cat, value, w, w) for value, words in table.items() for w in words if w]
    return sorted(book, key=lambda e: -len(e[3]))


def _spec_values(spec: ClipSpec) -> set[tuple[str, object]]:
    vals: set[tuple[str, object]] = {("scene", spec.scene)}
    if spec.relation:
        vals.add(("relation", spec.relation))
    for s in spec.subjects:
        vals |= {("object", s.kind), ("colour", s.colour), ("size", s.size), ("motion", s.motion), ("count", s.count)}
    return vals


def phrasings_seen(samples) -> dict[tuple[str, object], set[str]]:
    """For each (category, value), the phrasings found in captions of clips
    that show that value, by whole-word substring search."""
    patterns = [(cat, val, name, re.compile(r"(?<![\w-])" + re.escape(text) + r"(?![\w-])"))
                for cat, val, name, text in _phrasebook()]
    an = re.compile(r"(?<![\w-])an(?![\w-])")  # count 1's "a" is written "an" before a vowel
    seen: dict[tuple[str, object], set[str]] = defaultdict(set)
    for s in samples:
        text = an.sub("a", normalise(s.caption))
        present = _spec_values(s.spec)
        for cat, val, name, pat in patterns:
            if pat.search(text):
                if (cat, val) in present:
                    seen[(cat, val)].add(name)
                text = pat.sub("#", text)  # blank it so shorter phrases inside it do not count
    return seen


def test_paraphrase_coverage(any_samples):
    """Every attribute value is written at least three different ways."""
    seen = phrasings_seen(any_samples)
    tables = {
        "object": vocab.OBJECTS, "colour": vocab.COLOUR_NAMES, "size": vocab.SIZES, "motion": vocab.MOTIONS,
        "scene": vocab.SCENES, "relation": vocab.RELATIONS, "count": tuple(vocab.COUNT_WORDS),
    }
    missing = {f"{cat} {val}: {sorted(seen[(cat, val)])}"
               for cat, values in tables.items() for val in values if len(seen[(cat, val)]) < 3}
    assert not missing, f"fewer than 3 phrasings: {sorted(missing)}"


def test_case_and_punctuation_noise(any_samples):
    caps = [s.caption for s in any_samples]
    letters = [re.sub(r"[^A-Za-z]", "", c) for c in caps]
    assert any(l.isupper() for l in letters), "no ALL CAPS captions"
    assert any(c[:1].isupper() and not l.isupper() for c, l in zip(caps, letters)), "no capitalised captions"
    assert any(l.islower() for l in letters), "no all lower-case captions"
    assert any(c == c.title() and c != c.upper() for c in caps), "no Title Case captions"
    for end in (".", "!", "..."):
        assert any(c.endswith(end) for c in caps), f"no caption ends with {end!r}"
    assert any(c[-1:].isalnum() for c in caps), "no caption without final punctuation"
    assert any("  " in c for c in caps), "no doubled spaces"


def test_all_templates_occur(any_samples):
    assert {s.template for s in any_samples} == set(range(len(TEMPLATES))) and len(TEMPLATES) == 16


def test_original_templates_keep_their_indices():
    """Templates are only appended: the held-out indices (4 and 9) still name
    the templates they were chosen for."""
    assert TEMPLATES[4] == "there {be} {S} {P}" and TEMPLATES[9] == "{P}, {S} can be seen"
    assert TEMPLATES[0] == "{pre}{S} {P}{post}" and TEMPLATES[8] == "{pre}{S}; the scene is {P}"


# ----------------------------------------------------------------------------
# Split
# ----------------------------------------------------------------------------


def heldout_pairs(spec: ClipSpec) -> set[tuple[str, tuple[str, str]]]:
    """The held-out pairs a spec shows, checked directly against the tables."""
    found = set()
    for s in spec.subjects:
        if (s.colour, s.kind) in HELDOUT_COLOUR_OBJECT:
            found.add(("colour-object", (s.colour, s.kind)))
        if (s.kind, s.motion) in HELDOUT_OBJECT_MOTION:
            found.add(("object-motion", (s.kind, s.motion)))
        if (s.kind, spec.scene) in HELDOUT_OBJECT_SCENE:
            found.add(("object-scene", (s.kind, spec.scene)))
    return found


def test_split_tables_are_well_formed():
    assert all(c in vocab.COLOURS and o in vocab.OBJECTS for c, o in HELDOUT_COLOUR_OBJECT)
    assert all(o in vocab.OBJECTS and m in vocab.MOTIONS for o, m in HELDOUT_OBJECT_MOTION)
    assert all(o in vocab.OBJECTS and sc in vocab.SCENES for o, sc in HELDOUT_OBJECT_SCENE)
    assert HELDOUT_TEMPLATES < set(range(len(TEMPLATES)))


def test_train_never_shows_heldout(train_samples):
    for s in train_samples:
        assert not is_heldout(s.spec, s.template), s.caption
        assert not heldout_pairs(s.spec), (s.caption, heldout_pairs(s.spec))
        assert s.template not in HELDOUT_TEMPLATES, s.caption


def test_heldout_is_all_heldout_and_covers_every_category(heldout_samples):
    categories, pairs, templates = set(), set(), set()
    for s in heldout_samples:
        assert is_heldout(s.spec, s.template), s.caption
        found = heldout_pairs(s.spec)
        assert found or s.template in HELDOUT_TEMPLATES, s.caption
        categories |= {cat for cat, _ in found}
        pairs |= {pair for _, pair in found}
        templates.add(s.template)
    assert categories == {"colour-object", "object-motion", "object-scene"}
    assert HELDOUT_TEMPLATES <= templates
    every_pair = set(HELDOUT_COLOUR_OBJECT) | set(HELDOUT_OBJECT_MOTION) | set(HELDOUT_OBJECT_SCENE)
    assert every_pair <= pairs, f"never held out: {sorted(every_pair - pairs)}"


def test_training_covers_every_other_partner(train_samples):
    colour_object, object_motion, object_scene, templates = set(), set(), set(), set()
    for s in train_samples:
        templates.add(s.template)
        for sub in s.spec.subjects:
            colour_object.add((sub.colour, sub.kind))
            object_motion.add((sub.kind, sub.motion))
            object_scene.add((sub.kind, s.spec.scene))
    want_co = set(itertools.product(vocab.COLOUR_NAMES, vocab.OBJECTS)) - HELDOUT_COLOUR_OBJECT
    want_om = set(itertools.product(vocab.OBJECTS, vocab.MOTIONS)) - HELDOUT_OBJECT_MOTION
    want_os = set(itertools.product(vocab.OBJECTS, vocab.SCENES)) - HELDOUT_OBJECT_SCENE
    assert colour_object == want_co, sorted(want_co ^ colour_object)
    assert object_motion == want_om, sorted(want_om ^ object_motion)
    assert object_scene == want_os, sorted(want_os ^ object_scene)
    assert templates == set(range(len(TEMPLATES))) - HELDOUT_TEMPLATES


@pytest.mark.parametrize("split", ["train", "heldout", "any"])
def test_sample_is_deterministic(split):
    for seed in (0, 1, 17, 123456):
        a, b = sample(seed, split), sample(seed, split)
        assert a == b
    assert sample(0, split) != sample(1, split)


def test_bad_split_and_seed_rejected():
    with pytest.raises(ValueError):
        sample(0, "test")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        sample(-1, "train")


# ----------------------------------------------------------------------------
# Spec validation
# ----------------------------------------------------------------------------


def test_spec_validation():
    with pytest.raises(ValueError):
        Subject("dragon", "red")
    with pytest.raises(ValueError):
        Subject("ball", "teal")
    with pytest.raises(ValueError):
        Subject("ball", "red", count=4)
    with pytest.raises(ValueError):
        Subject("ball", "red", size="gigantic")
    with pytest.raises(ValueError):
        Subject("ball", "red", motion="flying")
    three = tuple(Subject(k, "red") for k in ("ball", "cube", "star"))
    with pytest.raises(ValueError):
        ClipSpec(three, "sky", "left of")
    with pytest.raises(ValueError):
        ClipSpec((Subject("ball", "red", count=2), Subject("cube", "blue", count=2)), "sky")  # four objects
    with pytest.raises(ValueError):
        ClipSpec((Subject("ball", "red"),), "moon")
    with pytest.raises(ValueError):
        ClipSpec(())
    # And the valid cases go through.
    ClipSpec(three[:2], "sky", "left of")
    ClipSpec(three, "snow")
