"""The caption grammar: writes a caption for a spec, with paraphrases,
optional filler words, varied word order and case/punctuation noise.

Every template keeps the words of one noun phrase together (count, size,
colour, object, then its motion), which is what lets the parser recover the
spec exactly. Templates 4 and 9 are held out of training (see split.py); new
templates are only ever appended, so those indices keep their meaning.

Motions are said with any verb that suits the object, in the -ing form or a
finite one ("that rolls left"), with any direction word; scenes with the
phrasings of vocab.SCENE_WORDS (nouns behind several prepositions, or alone).
"""
from __future__ import annotations

import numpy as np

from . import vocab
from .spec import ClipSpec, Subject

# {S} = the subjects, {P} = the scene phrase, {pre}/{post} = filler.
TEMPLATES = (
    "{pre}{S} {P}{post}",
    "{P}, {S}{post}",
    "{S}, {P}{post}",
    "{P} {S}",
    "there {be} {S} {P}",
    "{P}: {S}{post}",
    "{P}, there {be} {S}{post}",
    "{P} we see {S}",
    "{pre}{S}; the scene is {P}",
    "{P}, {S} can be seen",
    # Appended later (indices above stay put: split.py holds out 4 and 9).
    "here {be} {S} {P}{post}",
    "{P}, we can see {S}",
    "{pre}{S}. the setting is {P}{post}",
    "watch {S} {P}",
    "{P} - {S}{post}",
    "{pre}{P}, showing {S}{post}",
)


def _pick(rng: np.random.Generator, options: tuple[str, ...] | list[str]) -> str:
    return options[int(rng.integers(len(options)))]


def _article(words: str) -> str:
    """'a' becomes 'an' before a vowel sound, as people write it."""
    first, _, rest = words.partition(" ")
    if first == "a" and rest[:1] in tuple("aeiou"):
        return "an " + rest
    return words


def noun_phrase(s: Subject, rng: np.random.Generator) -> str:
    assert s.colour and s.size and s.motion
    singular, plural = vocab.OBJECT_WORDS[s.kind][int(rng.integers(len(vocab.OBJECT_WORDS[s.kind])))]
    words = [
        _pick(rng, vocab.COUNT_WORDS[s.count]),
        _pick(rng, vocab.SIZE_WORDS[s.size]),
        _pick(rng, vocab.COLOUR_WORDS[s.colour]),
        singular if s.count == 1 else plural,
    ]
    base, third_person, ing, _past = _pick(rng, vocab.motion_phrasings(s.kind, s.motion))
    r = rng.random()
    if r < 0.25:
        motion = ("that is " if s.count == 1 else "that are ") + ing
    elif r < 0.4 and ing != base:  # a verb, not an adjective: "that rolls left", "that roll left"
        motion = "that " + (third_person if s.count == 1 else base)
    else:
        motion = ing
    return _article(" ".join(w for w in words if w)) + " " + motion


def subjects_phrase(spec: ClipSpec, rng: np.random.Generator) -> str:
    nps = [noun_phrase(s, rng) for s in spec.subjects]
    if spec.relation is not None:
        return f"{nps[0]} {_pick(rng, vocab.RELATION_WORDS[spec.relation])} {nps[1]}"
    if len(nps) == 1:
        return nps[0]
    if len(nps) == 2:
        return f"{nps[0]} {_pick(rng, ('and', 'with', 'and also'))} {nps[1]}"
    return f"{nps[0]}, {nps[1]} and {nps[2]}"


def _noise(text: str, rng: np.random.Generator) -> str:
    """Case and punctuation noise, so the text side learns to ignore both."""
    r = rng.random()
    if r < 0.25:
        text = text[:1].upper() + text[1:]
    elif r < 0.32:
        text = text.upper()
    elif r < 0.38:
        text = text.title()
    if rng.random() < 0.15:
        text = text.replace(" ", "  ", 1)
    return text + _pick(rng, ("", "", "", ".", ".", "!", "..."))


def write_caption(spec: ClipSpec, template: int, rng: np.random.Generator) -> str:
    if spec.scene is None:
        raise ValueError("sampled specs always have a scene")
    pre = _pick(rng, vocab.FILLER_PREFIXES)
    post = _pick(rng, vocab.FILLER_SUFFIXES)
    text = TEMPLATES[template].format(
        S=subjects_phrase(spec, rng),
        P=_pick(rng, vocab.SCENE_WORDS[spec.scene]),
        pre=pre + " " if pre else "",
        post=", " + post if post else "",
        be="is" if spec.subjects[0].count == 1 else "are",
    )
    text = text.strip().rstrip(",").strip()
    return _noise(" ".join(text.split(" ")), rng)


def add_camera_phrase(caption: str, spec: ClipSpec, rng: np.random.Generator) -> str:
    """The caption with its camera move said after it (before its closing
    punctuation). A move about a later subject names it ("the camera follows
    the red car"), which the parser reads as that subject said again."""
    assert spec.camera is not None
    forms = vocab.CAMERA_CAPTIONS[spec.camera]
    if spec.camera_target:
        forms = tuple(f for f in forms if "{o}" in f)
    target = spec.subjects[spec.camera_target]
    assert target.colour
    o = f"the {_pick(rng, vocab.COLOUR_WORDS[target.colour])} {vocab.OBJECT_WORDS[target.kind][0][0]}"
    phrase = _pick(rng, forms).format(o=o)
    body = caption.rstrip(".!")
    return f"{body}{_pick(rng, (', ', '. ', ', '))}{phrase}{caption[len(body):]}"
