"""Tests for spacetime.world.parser: the grammar round trip, hand-written
prompts, and the normalisation rule the app re-implements in TypeScript."""
from __future__ import annotations

import re

import pytest

from spacetime.world import vocab
from spacetime.world.parser import NORMALIZATION, known_words, normalize, parse, phrases
from spacetime.world.sampler import sample
from spacetime.world.spec import ClipSpec, Subject


@pytest.mark.parametrize("split", ["train", "heldout"])
def test_round_trip_every_sampled_caption(split):
    for seed in range(3000):
        s = sample(seed, split)
        parsed = parse(s.caption)
        assert parsed.spec == s.spec, (seed, s.caption, parsed)
        assert parsed.unknown == (), (seed, s.caption, parsed)
        assert parsed.problems == (), (seed, s.caption, parsed)


def test_simple_prompt():
    p = parse("a red ball bouncing in the snow")
    assert p.spec == ClipSpec((Subject("ball", "red", "medium", "bouncing", 1),), "snow")
    assert p.unknown == () and p.problems == ()


def test_paraphrases_case_and_punctuation():
    p = parse("Two HUGE azure boxes, spinning!! at dusk")
    assert p.spec == ClipSpec((Subject("cube", "blue", "big", "spinning", 2),), "sunset")
    assert p.unknown == ()
    assert parse("  A   RED... ball;  Bouncing -- In The Snow!!!  ").spec == parse(
        "a red ball bouncing in the snow").spec


def test_relation_and_unsaid_attributes():
    p = parse("a purple fish to the left of a white bird at night")
    assert p.spec == ClipSpec(
        (Subject("fish", "purple", "medium", None, 1), Subject("bird", "white", "medium", None, 1)),
        "night", "left of")
    assert p.problems == ()


def test_motion_gives_way_to_relation():
    p = parse("a ball drifting to the left of a cube")
    assert p.spec.relation == "left of"
    assert p.spec.subjects[0].motion is None
    assert p.unknown == ("drifting",)
    # ...but a full motion followed by a relation reads as both.
    p = parse("a ball drifting to the left to the left of a cube")
    assert p.spec.relation == "left of" and p.spec.subjects[0].motion == "left"


def test_unknown_words_and_no_object():
    p = parse("a blue dragon flying over the sea")
    assert p.spec is None
    assert "dragon" in p.unknown and "flying" in p.unknown
    assert "no object named" in p.problems


def test_empty_prompt():
    p = parse("")
    assert p.spec is None and p.unknown == ()
    assert "no object named" in p.problems
    assert parse("!!! ...").spec is None


def test_too_many_objects():
    p = parse("a ball, a cube, a star and a car")
    assert p.spec is None
    assert "more than three objects" in p.problems
    assert parse("two balls and two cubes").spec is None


def test_relation_needs_two_single_objects():
    p = parse("two balls above a cube")
    assert p.spec is not None and p.spec.relation is None
    assert any("above" in msg for msg in p.problems)


def test_counts_articles_and_plurals():
    assert parse("an orange orb").spec.subjects[0] == Subject("ball", "orange", "medium", None, 1)
    assert parse("a trio of tiny guppies").spec.subjects[0] == Subject("fish", None, "small", None, 3)
    assert parse("3 fish").spec.subjects[0].count == 3
    assert parse("a pair of sailboats").spec.subjects[0].count == 2
    assert parse("red balls").spec.subjects[0].count == 2   # plural, count unsaid
    assert parse("a single five-pointed star").spec.subjects[0].kind == "star"


def test_motion_before_object_and_dangling_motion():
    assert parse("a spinning red ball").spec.subjects[0].motion == "spinning"
    p = parse("rising")
    assert p.spec is None and any("rising" in msg for msg in p.problems)


def test_scene_phrase_beats_relation():
    p = parse("a ship above the water")
    assert p.spec == ClipSpec((Subject("boat", None, "medium", None, 1),), "sea")


def test_known_words():
    words = known_words()
    assert words == sorted(set(words))
    for w in ("ball", "crimson", "ocean", "an", "there", "we", "see", "scene", "2", "five-pointed"):
        assert w in words
    assert "dragon" not in words
    assert all(normalize(w) == [w] for w in words)


def test_phrases_cover_vocab():
    ph = phrases()
    assert set(ph) == {"object", "colour", "size", "motion", "scene", "relation", "count", "camera", "filler"}
    assert "over the sea" in ph["scene"] and "to the left of" in ph["relation"]
    assert "camera pans to the left" in ph["camera"] and "close-up of" in ph["camera"]
    assert "guppies" in ph["object"] and "a pair of" in ph["count"]
    for texts in vocab.MOTION_WORDS.values():
        assert set(texts) <= set(ph["motion"])


@pytest.mark.parametrize("text, tokens", [
    ("Hello, World!", ["hello", "world"]),
    ("five-pointed star", ["five-pointed", "star"]),
    ("-leading and trailing- --", ["leading", "and", "trailing"]),
    ("4K HD 2 balls", ["4k", "hd", "2", "balls"]),
    ("café—naïve “quotes” … ok", ["caf", "na", "ve", "quotes", "ok"]),
    ("multiple   spaces\tand\nnewlines", ["multiple", "spaces", "and", "newlines"]),
    ("a_b a.b a/b", ["a", "b", "a", "b", "a", "b"]),
    ("", []),
])
def test_normalize(text, tokens):
    assert normalize(text) == tokens


def test_normalization_constant_describes_normalize():
    pattern = re.compile(NORMALIZATION["pattern"])
    text = "Two HUGE-- azure boxes, spinning!! at dusk"
    manual = [t.strip(NORMALIZATION["strip"]) for t in pattern.sub(" ", text.lower()).split()]
    assert [t for t in manual if t] == normalize(text)


# ----------------------------------------------------------------------------
# The wider grammar (issue 13, "Language")
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("text, motion", [
    ("a bird flying right", "right"), ("a boat sailing leftwards", "left"), ("a balloon drifts upward", "up"),
    ("a fish swimming to the left", "left"), ("a car drove towards the right", "right"),
    ("a star falling", "down"), ("a ball fell", "down"), ("a cube sinks downwards", "down"),
    ("a balloon rising", "up"), ("a balloon climbs", "up"), ("a balloon rose up", "up"),
    ("a ball moved left", "left"), ("balls that move left", "left"), ("a ship drifted off to the right", "right"),
    ("a cube moving from left to right", "right"), ("a ball bounces up and down", "bouncing"),
    ("a star spun around", "spinning"), ("a balloon that inflates", "growing"), ("a ball shrank", "shrinking"),
    ("a bird stays still", "still"), ("a bird that does not move", "still"), ("a car at rest", "still"),
])
def test_any_verb_any_direction_any_inflection(text, motion):
    p = parse(text)
    assert p.spec is not None and p.spec.subjects[0].motion == motion, p
    assert p.unknown == () and p.problems == (), p


@pytest.mark.parametrize("text, scene", [
    ("a boat in the ocean", "sea"), ("a boat on the sea", "sea"), ("a bird over the ocean", "sea"),
    ("a fish at sea", "sea"), ("a ball, dusk", "sunset"), ("a ball at dusk", "sunset"), ("a ball in a meadow", "field"),
    ("a ball on the grass", "field"), ("a ball, snow", "snow"), ("a car on a snowy day", "snow"),
    ("a bird under a blue sky", "sky"), ("a star in the night sky", "night"), ("a balloon above a green field", "field"),
])
def test_scene_nouns_behind_any_preposition_or_none(text, scene):
    p = parse(text)
    assert p.spec is not None and p.spec.scene == scene, p
    assert p.unknown == () and p.problems == (), p


def test_colour_words_inside_longer_phrases_keep_their_meaning():
    assert parse("a rose balloon").spec.subjects[0].colour == "pink"  # "rose" alone is the colour
    p = parse("a blue ball under a blue sky")
    assert p.spec.subjects[0].colour == "blue" and p.spec.scene == "sky" and p.problems == ()


def test_unknown_words_are_still_reported_in_the_wider_grammar():
    p = parse("a dragon slowly flying over the moon")
    assert p.unknown == ("dragon", "slowly", "flying", "moon")  # "flying" needs a direction
    assert p.spec is None


def test_over_and_under_are_relations_between_objects_but_scenes_before_a_scene_noun():
    assert parse("a bird over a boat").spec.relation == "above"
    assert parse("a fish under a boat").spec.relation == "below"
    p = parse("a bird over the sea")
    assert p.spec.relation is None and p.spec.scene == "sea"


@pytest.mark.parametrize("prompt, motion, unknown", [
    ("a red ball moving slowly left in the sky", "left", ("slowly",)),
    ("a blue car quickly driving very far to the right", "right", ("quickly", "very", "far")),
    ("a fish is gently swimming up", "up", ("gently",)),
    ("a cube spinning wildly", "spinning", ("wildly",)),
])
def test_an_unknown_word_inside_a_motion_is_reported_without_losing_the_motion(prompt, motion, unknown):
    p = parse(prompt)
    assert p.spec.subjects[0].motion == motion and p.unknown == unknown, p


def test_camera_moves_are_read_anywhere_and_name_their_subject():
    p = parse("a red car driving left in a field, the camera follows the red car")
    assert p.spec == ClipSpec((Subject("car", "red", "medium", "left", 1),), "field", camera="follow")
    assert not p.unknown and not p.problems
    p = parse("a blue cube spinning and a green fish swimming right, the camera follows the fish")
    assert p.spec.camera == "follow" and p.spec.camera_target == 1 and len(p.spec.subjects) == 2
    assert parse("close-up of a red ball bouncing in the snow").spec.camera == "zoom-in"
    assert parse("wide shot of a blue cube over the sea").spec.camera == "zoom-out"
    assert parse("the camera pans upward over a yellow star").spec.camera == "pan-up"
    assert parse("a static camera films a red ball").spec.camera is None  # said static is unsaid
    p = parse("pan left over a red ball, the camera zooms in")
    assert p.spec.camera == "pan-left" and any("more than one camera move" in q for q in p.problems)


def test_sampled_camera_captions_parse_to_their_spec():
    from spacetime.world.sampler import sample
    for i in range(300):
        s = sample(i, "train", camera=1.0)
        assert parse(s.caption).spec == s.spec, s.caption
