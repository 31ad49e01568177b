"""The prompt parser: free text in, a `ClipSpec` plus the words it did not
understand out.

Its phrases are vocab.py's: every travel verb in every inflection with every
direction word, the rise/fall verbs that carry their direction, the other
motions' verb phrases, and every scene noun alone or behind any article and
preposition. Captions say a subset of these (vocab.SCENE_WORDS and
vocab.motion_phrasings, checked at import), so
`parse(sample.caption).spec == sample.spec` for every sampled clip, and
`known_words()` is honestly "the words the model knows". No two phrases may
share their words with different meanings (checked when the table is built).

How it reads a prompt:

1. `normalize` splits the text into lowercase tokens (a rule simple enough to
   be re-implemented byte-for-byte in the app's TypeScript).
2. Phrases are matched greedily left to right, longest first ("over the sea"
   beats anything shorter, "a pair of" beats "a"). One exception: a motion
   gives way to a relation that starts inside it and runs past its end, so
   "drifting to the left of a cube" reads as the relation "to the left of"
   (with "drifting" unknown), never as a motion followed by a stray "of".
   The grammar never writes a motion directly before "of", so this costs the
   round trip nothing.
   Words that no phrase contains ("slowly", "road") are reported as unknown
   and set aside first, so they never split the phrase around them:
   "moving slowly left" still says "moving left".
3. Tokens that fit no phrase are ignored if they are filler/joiner/template
   words, otherwise reported as unknown (so a known word used out of its
   phrase, such as a bare "drifting", is reported too). Unknown words are
   listed in the order the prompt says them.
4. Typed tokens are grouped into noun phrases: count, size and colour words
   collect until an object word closes the phrase. A motion belongs to the
   object before it; a motion inside an open noun phrase ("a spinning red
   ball") or before any object belongs to the next object. A relation must
   stand between the first and second of exactly two single objects. The
   scene phrase may be anywhere.

Unsaid size reads as "medium"; unsaid colour, motion and scene as None; an
unsaid count as 1, or 2 for a plural object word ("red balls").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from . import vocab
from .spec import ClipSpec, Subject

# Every character outside [a-z0-9-] (after lowercasing) separates tokens;
# hyphens at either end of a token are stripped and empty tokens dropped.
# Whitespace is just another separator, which keeps Python's and JavaScript's
# differing ideas of "whitespace" out of it. Lowercasing is Unicode default
# lowercasing (str.lower / String.prototype.toLowerCase).
NORMALIZATION = {
    "lowercase": True,
    "pattern": "[^a-z0-9-]+",
    "replacement": " ",
    "split": "whitespace",
    "strip": "-",
}
_SEPARATORS = re.compile(NORMALIZATION["pattern"])

# Words the templates and subject lists use around the meaningful phrases.
TEMPLATE_WORDS = ("we", "see", "scene", "can", "be", "seen", "also", "here", "setting", "watch", "showing")
CATEGORIES = ("object", "colour", "size", "motion", "scene", "relation", "count", "camera", "filler")


def normalize(text: str) -> list[str]:
    """Lowercase, turn every run of characters outside a-z, 0-9 and '-' into
    a space, split, strip hyphens from token ends and drop empty tokens."""
    tokens = (t.strip("-") for t in _SEPARATORS.sub(" ", text.lower()).split())
    return [t for t in tokens if t]


@dataclass(frozen=True)
class ParsedPrompt:
    """What `parse` understood. `spec` is None when no object is named or the
    objects cannot be drawn (more than three); a misplaced relation is dropped
    from an otherwise good spec rather than losing it, and reported in
    `problems`. `unknown` lists tokens that fit no phrase, in order."""

    spec: Optional[ClipSpec]
    unknown: tuple[str, ...]
    problems: tuple[str, ...]


@dataclass(frozen=True)
class _Phrase:
    words: tuple[str, ...]
    category: str
    value: object  # attribute name, count, or (kind, is_plural) for objects


@lru_cache(maxsize=None)
def _phrase_table() -> tuple[_Phrase, ...]:
    entries: list[_Phrase] = []

    def add(text: str, category: str, value: object) -> None:
        if text:
            entries.append(_Phrase(tuple(normalize(text)), category, value))

    for kind, forms in vocab.OBJECT_WORDS.items():
        for singular, plural in forms:
            add(singular, "object", (kind, False))
            if plural != singular:
                add(plural, "object", (kind, True))
    for category, table in (("colour", vocab.COLOUR_WORDS), ("size", vocab.SIZE_WORDS),
                            ("motion", vocab.MOTION_PHRASES), ("scene", vocab.SCENE_PHRASES),
                            ("relation", vocab.RELATION_WORDS), ("count", vocab.COUNT_WORDS),
                            ("camera", vocab.CAMERA_PHRASES)):
        for value, texts in table.items():
            for text in texts:
                add(text, category, value)
    add("an", "count", 1)  # captions write "an" before a vowel (captions._article)
    for text in dict.fromkeys(vocab.FILLER_PREFIXES + vocab.FILLER_SUFFIXES):
        add(text, "filler", None)
    _check_unambiguous(entries)
    return tuple(sorted(entries, key=lambda p: -len(p.words)))  # longest first


def _check_unambiguous(entries: list[_Phrase]) -> None:
    """Two meanings for the same words would make the match depend on table
    order (and the TypeScript twin on its sort), so the table must not have any."""
    meaning: dict[tuple[str, ...], tuple[str, object]] = {}
    for p in entries:
        seen = meaning.setdefault(p.words, (p.category, p.value))
        if seen != (p.category, p.value):
            raise ValueError(f"the phrase {' '.join(p.words)!r} means both {seen} and {(p.category, p.value)}")


def phrase_table() -> tuple[tuple[tuple[str, ...], str, object], ...]:
    """(words, category, value) of every phrase, longest first: what the
    grammar export hands to the app's TypeScript parser."""
    return tuple((p.words, p.category, p.value) for p in _phrase_table())


def ignorable_words() -> list[str]:
    """Words that are known but mean nothing on their own (joiners, template
    and filler words), sorted."""
    return sorted(_ignorable())


@lru_cache(maxsize=None)
def _by_first_word() -> dict[str, tuple[_Phrase, ...]]:
    """Phrases indexed by their first word, longest first within each."""
    index: dict[str, list[_Phrase]] = {}
    for p in _phrase_table():
        index.setdefault(p.words[0], []).append(p)
    return {w: tuple(ps) for w, ps in index.items()}


@lru_cache(maxsize=None)
def _ignorable() -> frozenset[str]:
    """Single words that carry no meaning: joiners, template words, and the
    words of filler phrases (except "a"/"an", which are counts)."""
    words = set(vocab.JOINERS) | set(TEMPLATE_WORDS)
    for p in _phrase_table():
        if p.category == "filler":
            words.update(p.words)
    return frozenset(words - {"a", "an"})


def phrases() -> dict[str, list[str]]:
    """Every phrase (one word or several) the parser knows, by category, for
    the UI. Joiners and template words are listed under "filler"."""
    out: dict[str, list[str]] = {c: [] for c in CATEGORIES}
    for p in _phrase_table():
        out[p.category].append(" ".join(p.words))
    out["filler"].extend(_ignorable())
    return {c: sorted(set(ws)) for c, ws in out.items()}


def known_words() -> list[str]:
    """Every single word the parser accepts as part of some phrase."""
    return sorted(_known())


@lru_cache(maxsize=None)
def _known() -> frozenset[str]:
    words = set(_ignorable())
    for p in _phrase_table():
        words.update(p.words)
    return frozenset(words)


def _match_at(tokens: list[str], i: int) -> Optional[_Phrase]:
    index = _by_first_word()

    def fits(p: _Phrase, k: int) -> bool:
        return tuple(tokens[k:k + len(p.words)]) == p.words

    for p in index.get(tokens[i], ()):
        if not fits(p, i):
            continue
        end = i + len(p.words)
        if p.category == "motion" and any(
            q.category == "relation" and fits(q, k) and k + len(q.words) > end
            for k in range(i + 1, end) for q in index.get(tokens[k], ())
        ):
            continue  # "drifting to the left of": the relation wins
        return p
    return None


def parse(text: str) -> ParsedPrompt:
    said = normalize(text)
    unknown_at = [(k, t) for k, t in enumerate(said) if t not in _known()]  # (position, word)
    positions = [k for k, t in enumerate(said) if t in _known()]
    tokens = [said[k] for k in positions]
    problems: list[str] = []
    subjects: list[dict] = []   # attribute dicts, one per object word
    pending: dict = {}          # modifiers (and maybe a motion) awaiting an object
    pending_words: list[str] = []
    scene: Optional[str] = None
    relations: list[tuple[str, str, int]] = []  # (value, words, objects before it)
    camera: Optional[str] = None
    target = 0  # the subject a follow or close-up is about
    awaiting_target = False  # a targeted camera move waits for the object phrase that names its subject

    def set_once(target: dict, key: str, value: object, words: str) -> None:
        if key in target and target[key] != value:
            problems.append(f"'{words}' conflicts with an earlier {key} word")
        else:
            target.setdefault(key, value)

    i = 0
    while i < len(tokens):
        p = _match_at(tokens, i)
        if p is None:
            if tokens[i] not in _ignorable():
                unknown_at.append((positions[i], tokens[i]))
            i += 1
            continue
        i += len(p.words)
        words = " ".join(p.words)
        if p.category in ("count", "size", "colour"):
            set_once(pending, p.category, p.value, words)
            pending_words.append(words)
        elif p.category == "object":
            kind, plural = p.value
            named = {"kind": kind, "count": 2 if plural else 1, **pending}
            if awaiting_target:
                # "the camera follows the red car": an object said again without a count is the
                # one already named (same kind, and colour if said); otherwise a new one.
                same = [k for k, s in enumerate(subjects) if "count" not in pending and not plural
                        and s["kind"] == kind and pending.get("colour", s.get("colour")) == s.get("colour")]
                target = same[0] if same else len(subjects)
                awaiting_target = False
                if same:
                    pending, pending_words = {}, []
                    continue
            subjects.append(named)
            pending, pending_words = {}, []
        elif p.category == "motion":
            if subjects and not pending:
                set_once(subjects[-1], "motion", p.value, words)
            else:
                set_once(pending, "motion", p.value, words)
                pending_words.append(words)
        elif p.category == "scene":
            if scene is not None and scene != p.value:
                problems.append(f"more than one scene ('{words}' ignored)")
            scene = scene or p.value
        elif p.category == "relation":
            relations.append((p.value, words, len(subjects)))
        elif p.category == "camera":
            if camera is not None and camera != p.value:
                problems.append(f"more than one camera move ('{words}' ignored)")
                continue
            camera = p.value
            awaiting_target = p.value in vocab.TARGETED_CAMERA_MOVES

    unknown = [t for _, t in sorted(unknown_at)]
    if pending_words:
        problems.append(f"'{' '.join(pending_words)}' is not followed by an object")
    if not subjects:
        return ParsedPrompt(None, tuple(unknown), tuple(problems + ["no object named"]))
    built = [Subject(kind=s["kind"], colour=s.get("colour"), size=s.get("size", "medium"),
                     motion=s.get("motion"), count=s["count"]) for s in subjects]
    relation = None
    if len(relations) > 1:
        problems.append("more than one relation (only the first is used)")
    if relations:
        value, words, before = relations[0]
        if before == 1 and len(built) == 2 and all(s.count == 1 for s in built):
            relation = value
        else:
            problems.append(f"'{words}' needs exactly two single objects, one on each side")
    if sum(s.count for s in built) > 3:
        problems.append("more than three objects")
        return ParsedPrompt(None, tuple(unknown), tuple(problems))
    if camera in ("static", None) or target >= len(built):
        target = 0
    return ParsedPrompt(ClipSpec(tuple(built), scene, relation, None if camera == "static" else camera, target),
                        tuple(unknown), tuple(problems))


__all__ = ["NORMALIZATION", "ParsedPrompt", "normalize", "parse", "known_words", "phrases", "phrase_table",
           "ignorable_words"]
