"""The world's attributes and every way a caption may name them.

This table is the single source of truth for three things: what the renderer
can draw, what the caption grammar may say, and what the prompt parser (and so
the app's "words the model knows") understands. Order matters: an attribute's
index is its id in tensors and checkpoints, so only ever append.
"""
from __future__ import annotations

# ----------------------------------------------------------------------------
# Attributes
# ----------------------------------------------------------------------------

OBJECTS = ("ball", "cube", "star", "car", "boat", "fish", "bird", "balloon")

# Exact sRGB fills; the renderer paints object bodies in exactly these values.
COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (0xDC, 0x28, 0x28),
    "orange": (0xF5, 0x8C, 0x1E),
    "yellow": (0xF5, 0xD7, 0x28),
    "green": (0x32, 0xB4, 0x46),
    "blue": (0x28, 0x5A, 0xDC),
    "purple": (0x8C, 0x3C, 0xC8),
    "pink": (0xF0, 0x78, 0xB4),
    "white": (0xF5, 0xF5, 0xF5),
}
COLOUR_NAMES = tuple(COLOURS)

SIZES = ("small", "medium", "big")
# Diameter of the object's bounding circle in pixels at 128x128; other frame
# sizes scale it by min(H, W) / 128.
SIZE_PIXELS = {"small": 15.0, "medium": 22.0, "big": 31.0}

MOTIONS = ("left", "right", "up", "down", "bouncing", "spinning", "growing", "shrinking", "still")
SCENES = ("sky", "sunset", "night", "sea", "field", "snow")
RELATIONS = ("left of", "right of", "above", "below")

# ----------------------------------------------------------------------------
# Paraphrases: at least three ways to say each attribute value
# ----------------------------------------------------------------------------

OBJECT_WORDS: dict[str, tuple[tuple[str, str], ...]] = {  # (singular, plural)
    "ball": (("ball", "balls"), ("sphere", "spheres"), ("orb", "orbs")),
    "cube": (("cube", "cubes"), ("box", "boxes"), ("block", "blocks")),
    "star": (("star", "stars"), ("star shape", "star shapes"), ("five-pointed star", "five-pointed stars")),
    "car": (("car", "cars"), ("automobile", "automobiles"), ("auto", "autos")),
    "boat": (("boat", "boats"), ("sailboat", "sailboats"), ("ship", "ships")),
    "fish": (("fish", "fish"), ("minnow", "minnows"), ("guppy", "guppies")),
    "bird": (("bird", "birds"), ("sparrow", "sparrows"), ("songbird", "songbirds")),
    "balloon": (("balloon", "balloons"), ("party balloon", "party balloons"), ("air balloon", "air balloons")),
}

COLOUR_WORDS: dict[str, tuple[str, ...]] = {
    "red": ("red", "crimson", "scarlet"),
    "orange": ("orange", "tangerine", "amber"),
    "yellow": ("yellow", "golden", "lemon"),
    "green": ("green", "emerald", "lime"),
    "blue": ("blue", "azure", "cobalt"),
    "purple": ("purple", "violet", "plum"),
    "pink": ("pink", "rose", "rosy"),
    "white": ("white", "ivory", "pearl"),
}

# "" means the size is left unsaid, which the parser reads as medium.
SIZE_WORDS: dict[str, tuple[str, ...]] = {
    "small": ("small", "little", "tiny"),
    "medium": ("medium", "medium-sized", "mid-sized", ""),
    "big": ("big", "large", "huge"),
}

MOTION_WORDS: dict[str, tuple[str, ...]] = {
    "left": ("moving left", "heading left", "drifting to the left", "going left"),
    "right": ("moving right", "heading right", "drifting to the right", "going right"),
    "up": ("moving up", "rising", "floating upward", "going up"),
    "down": ("moving down", "sinking", "descending", "going down"),
    "bouncing": ("bouncing", "hopping up and down", "bouncing along"),
    "spinning": ("spinning", "rotating", "twirling"),
    "growing": ("growing", "getting bigger", "expanding"),
    "shrinking": ("shrinking", "getting smaller", "contracting"),
    "still": ("staying still", "standing still", "not moving", "motionless"),
}

SCENE_WORDS: dict[str, tuple[str, ...]] = {
    "sky": ("in the sky", "across a daytime sky", "against a clear sky"),
    "sunset": ("at sunset", "at dusk", "under a sunset sky"),
    "night": ("at night", "at nighttime", "in the dark night"),
    "sea": ("over the sea", "on the ocean", "above the water"),
    "field": ("in a field", "over the grass", "in a meadow"),
    "snow": ("in the snow", "over snowy ground", "in a winter landscape"),
}

RELATION_WORDS: dict[str, tuple[str, ...]] = {
    "left of": ("to the left of", "left of", "on the left of"),
    "right of": ("to the right of", "right of", "on the right side of"),
    "above": ("above", "higher than", "on top of"),
    "below": ("below", "beneath", "underneath"),
}

COUNT_WORDS: dict[int, tuple[str, ...]] = {
    1: ("a", "one", "a single"),
    2: ("two", "a pair of", "2"),
    3: ("three", "a trio of", "3"),
}

# Words that carry no world meaning but appear in captions; the parser accepts
# and ignores them (they are "known"), anything else is reported as unknown.
FILLER_PREFIXES = ("", "", "", "a video of", "a clip of", "footage of", "an animation of", "a scene with")
FILLER_SUFFIXES = ("", "", "", "", "high quality", "cinematic", "4k", "hd")
JOINERS = ("and", "with", "there", "is", "are", "that", "the", "while", "plus")

# ----------------------------------------------------------------------------
# Scene palette (backgrounds are drawn to stay far from every object colour)
# ----------------------------------------------------------------------------

OUTLINE_DARKEN = 0.35  # outline and detail colour = fill * this
