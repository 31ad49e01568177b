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
# How a clip is filmed (camera.py): unsaid means static.
CAMERA_MOVES = ("static", "pan-left", "pan-right", "pan-up", "pan-down", "follow", "zoom-in", "zoom-out")

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

# ----------------------------------------------------------------------------
# Motion: verbs in every inflection, and any travel verb with any direction
# ----------------------------------------------------------------------------

# A verb's forms: (base, third person singular, -ing, past). Captions say the
# -ing form after a noun ("a ball rolling left") or a finite form after "that"
# ("a ball that rolls left", "balls that roll left"); the parser reads all four.
Verb = tuple[str, str, str, str]

# Any of these with any direction below is a straight motion ("sailing
# leftwards", "drifts up", "flew to the right").
TRAVEL_VERBS: tuple[Verb, ...] = (
    ("move", "moves", "moving", "moved"),
    ("head", "heads", "heading", "headed"),
    ("go", "goes", "going", "went"),
    ("drift", "drifts", "drifting", "drifted"),
    ("travel", "travels", "travelling", "travelled"),
    ("travel", "travels", "traveling", "traveled"),
    ("fly", "flies", "flying", "flew"),
    ("swim", "swims", "swimming", "swam"),
    ("sail", "sails", "sailing", "sailed"),
    ("drive", "drives", "driving", "drove"),
    ("roll", "rolls", "rolling", "rolled"),
    ("float", "floats", "floating", "floated"),
    ("glide", "glides", "gliding", "glided"),
    ("slide", "slides", "sliding", "slid"),
    ("race", "races", "racing", "raced"),
    ("speed", "speeds", "speeding", "sped"),
    ("cruise", "cruises", "cruising", "cruised"),
    ("zoom", "zooms", "zooming", "zoomed"),
    ("dart", "darts", "darting", "darted"),
    ("run", "runs", "running", "ran"),
    ("coast", "coasts", "coasting", "coasted"),
    ("wander", "wanders", "wandering", "wandered"),
)

DIRECTION_WORDS: dict[str, tuple[str, ...]] = {
    "left": ("left", "leftward", "leftwards", "to the left", "towards the left", "toward the left",
             "off to the left", "from right to left", "from the right to the left"),
    "right": ("right", "rightward", "rightwards", "to the right", "towards the right", "toward the right",
              "off to the right", "from left to right", "from the left to the right"),
    "up": ("up", "upward", "upwards", "skyward", "skywards"),
    "down": ("down", "downward", "downwards"),
}

# Verbs that carry their own direction: said alone ("falling") or with one of
# their direction's words ("sinks downwards"), never with another direction.
RISE_FALL_VERBS: dict[str, tuple[Verb, ...]] = {
    "up": (("rise", "rises", "rising", "rose"), ("climb", "climbs", "climbing", "climbed"),
           ("ascend", "ascends", "ascending", "ascended"), ("soar", "soars", "soaring", "soared")),
    "down": (("fall", "falls", "falling", "fell"), ("sink", "sinks", "sinking", "sank"),
             ("descend", "descends", "descending", "descended"), ("drop", "drops", "dropping", "dropped"),
             ("plunge", "plunges", "plunging", "plunged"), ("dive", "dives", "diving", "dived")),
}
# Alone, "rose" is the pink colour word ("a rose balloon"); "rose up" is fine.
NOT_ALONE = frozenset({"rose"})

# The other motions as verb phrases, in all four forms.
MOTION_VERBS: dict[str, tuple[Verb, ...]] = {
    "bouncing": (
        ("bounce", "bounces", "bouncing", "bounced"),
        ("bounce along", "bounces along", "bouncing along", "bounced along"),
        ("bounce around", "bounces around", "bouncing around", "bounced around"),
        ("bounce up and down", "bounces up and down", "bouncing up and down", "bounced up and down"),
        ("hop", "hops", "hopping", "hopped"),
        ("hop up and down", "hops up and down", "hopping up and down", "hopped up and down"),
        ("jump", "jumps", "jumping", "jumped"),
        ("jump up and down", "jumps up and down", "jumping up and down", "jumped up and down"),
        ("move up and down", "moves up and down", "moving up and down", "moved up and down"),
        ("go up and down", "goes up and down", "going up and down", "went up and down"),
    ),
    "spinning": (
        ("spin", "spins", "spinning", "spun"),
        ("spin around", "spins around", "spinning around", "spun around"),
        ("spin round", "spins round", "spinning round", "spun round"),
        ("spin in place", "spins in place", "spinning in place", "spun in place"),
        ("rotate", "rotates", "rotating", "rotated"),
        ("twirl", "twirls", "twirling", "twirled"),
        ("whirl", "whirls", "whirling", "whirled"),
    ),
    "growing": (
        ("grow", "grows", "growing", "grew"),
        ("grow bigger", "grows bigger", "growing bigger", "grew bigger"),
        ("grow larger", "grows larger", "growing larger", "grew larger"),
        ("get bigger", "gets bigger", "getting bigger", "got bigger"),
        ("get larger", "gets larger", "getting larger", "got larger"),
        ("expand", "expands", "expanding", "expanded"),
        ("swell", "swells", "swelling", "swelled"),
        ("inflate", "inflates", "inflating", "inflated"),
    ),
    "shrinking": (
        ("shrink", "shrinks", "shrinking", "shrank"),
        ("shrink", "shrinks", "shrinking", "shrunk"),
        ("grow smaller", "grows smaller", "growing smaller", "grew smaller"),
        ("get smaller", "gets smaller", "getting smaller", "got smaller"),
        ("contract", "contracts", "contracting", "contracted"),
        ("dwindle", "dwindles", "dwindling", "dwindled"),
        ("deflate", "deflates", "deflating", "deflated"),
    ),
    "still": (
        ("stay still", "stays still", "staying still", "stayed still"),
        ("stand still", "stands still", "standing still", "stood still"),
        ("sit still", "sits still", "sitting still", "sat still"),
        ("keep still", "keeps still", "keeping still", "kept still"),
        ("hover", "hovers", "hovering", "hovered"),
        ("rest", "rests", "resting", "rested"),
        ("do not move", "does not move", "not moving", "did not move"),
        ("don't move", "doesn't move", "not moving", "didn't move"),
    ),
}
# Said after "is"/"are" or straight after the noun: no inflection.
MOTION_ADJECTIVES: dict[str, tuple[str, ...]] = {"still": ("motionless", "stationary", "at rest")}

# The verbs captions use for straight motion: these for every object, plus
# the ones that suit the object (a boat sails, a fish swims). The parser
# takes any travel verb with any object.
CAPTION_TRAVEL_VERBS = ("move", "head", "go", "drift", "travel")
KIND_TRAVEL_VERBS: dict[str, tuple[str, ...]] = {
    "ball": ("roll",), "cube": ("slide",), "star": ("float", "glide"), "car": ("drive", "race", "speed"),
    "boat": ("sail", "float", "cruise"), "fish": ("swim", "dart"), "bird": ("fly", "glide"),
    "balloon": ("float", "fly"),
}
# Directions captions say; the "from ... to ..." forms are left to prompts (long).
CAPTION_DIRECTIONS = {m: tuple(d for d in words if not d.startswith("from ")) for m, words in DIRECTION_WORDS.items()}


def _verb(base: str) -> Verb:
    return next(v for v in TRAVEL_VERBS if v[0] == base)


def motion_phrasings(kind: str, motion: str) -> tuple[Verb, ...]:
    """Every way a caption may say `motion` of a `kind`, as four-form verbs
    (adjectives repeat one word in every form). The parser reads more."""
    if motion in DIRECTION_WORDS:
        verbs = [_verb(b) for b in CAPTION_TRAVEL_VERBS + KIND_TRAVEL_VERBS[kind]]
        out = [tuple(f"{form} {d}" for form in v) for v in verbs for d in CAPTION_DIRECTIONS[motion]]
        out += list(RISE_FALL_VERBS.get(motion, ()))
        return tuple(out)  # type: ignore[return-value]
    return MOTION_VERBS[motion] + tuple((a, a, a, a) for a in MOTION_ADJECTIVES.get(motion, ()))


def _all_motion_phrases() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {m: [] for m in MOTIONS}
    for motion, directions in DIRECTION_WORDS.items():
        out[motion] += [f"{form} {d}" for verb in TRAVEL_VERBS for form in verb for d in directions]
        for verb in RISE_FALL_VERBS.get(motion, ()):
            out[motion] += [form for form in verb if form not in NOT_ALONE]
            out[motion] += [f"{form} {d}" for form in verb for d in directions]
    for motion, verbs in MOTION_VERBS.items():
        out[motion] += [form for verb in verbs for form in verb]
    for motion, words in MOTION_ADJECTIVES.items():
        out[motion] += list(words)
    return {m: tuple(dict.fromkeys(ws)) for m, ws in out.items()}


# ----------------------------------------------------------------------------
# Camera moves: the camera or shot said with its move, anywhere in the prompt
# ----------------------------------------------------------------------------

PAN_VERBS: Verb = ("pan", "pans", "panning", "panned")
_PAN_DIRECTIONS = {"pan-left": "left", "pan-right": "right", "pan-up": "up", "pan-down": "down"}
CAMERA_OTHER_PHRASES: dict[str, tuple[str, ...]] = {
    "static": ("static camera", "static shot", "still camera", "fixed camera", "locked-off shot"),
    "follow": ("camera follows", "camera follows it", "camera following", "camera following it", "camera followed", "followed by the camera",
               "tracking shot", "camera tracks", "camera tracking"),
    "zoom-in": ("close-up", "close up", "closeup", "close-up of", "close up of", "closeup of", "close-up shot",
                "camera zooms in", "camera zooming in", "camera zoomed in", "zoom in on"),
    "zoom-out": ("wide shot", "wide-angle shot", "wide view", "camera zooms out", "camera zooming out",
                 "camera zoomed out", "camera pulls back", "camera pulling back"),
}
# The moves that are about one subject: the object phrase right after them names it.
TARGETED_CAMERA_MOVES = ("follow", "zoom-in")


def _camera_phrases() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {m: [] for m in CAMERA_MOVES}
    for move, direction in _PAN_DIRECTIONS.items():
        for d in DIRECTION_WORDS[direction]:
            out[move] += [f"camera {form} {d}" for form in PAN_VERBS] + [f"{form} {d}" for form in PAN_VERBS]
    for move, texts in CAMERA_OTHER_PHRASES.items():
        out[move] += list(texts)
    return {m: tuple(dict.fromkeys(ws)) for m, ws in out.items()}


CAMERA_PHRASES = _camera_phrases()
# What captions say, per move: "{o}" is the subject's noun phrase for a targeted move.
CAMERA_CAPTIONS: dict[str, tuple[str, ...]] = {
    "pan-left": ("the camera pans left", "the camera pans to the left", "panning left", "pan left"),
    "pan-right": ("the camera pans right", "the camera pans to the right", "panning right", "pan right"),
    "pan-up": ("the camera pans up", "the camera pans upward", "panning up", "pan up"),
    "pan-down": ("the camera pans down", "the camera pans downward", "panning down", "pan down"),
    "follow": ("the camera follows it", "tracking shot", "followed by the camera", "the camera follows {o}"),
    "zoom-in": ("close-up", "the camera zooms in", "close-up of {o}", "zoom in on {o}"),
    "zoom-out": ("wide shot", "the camera zooms out", "wide view", "the camera pulls back"),
}

# ----------------------------------------------------------------------------
# Scenes: a scene noun behind any preposition and article, or alone
# ----------------------------------------------------------------------------

SCENE_NOUNS: dict[str, tuple[str, ...]] = {
    "sky": ("sky", "daytime sky", "clear sky", "blue sky", "open sky", "sunny sky", "bright sky", "day sky",
            "daytime", "daylight", "day", "clear day", "sunny day", "bright day"),
    "sunset": ("sunset", "dusk", "sundown", "twilight", "sunset sky", "evening", "evening sky", "nightfall",
               "golden hour"),
    "night": ("night", "nighttime", "night-time", "night sky", "dark night", "starry sky", "starry night",
              "midnight"),
    "sea": ("sea", "ocean", "water", "waves", "open sea", "open ocean", "ocean waves", "sea waves"),
    "field": ("field", "grass", "meadow", "grassland", "lawn", "pasture", "grassy field", "green field",
              "grassy meadow"),
    "snow": ("snow", "snowy ground", "winter landscape", "snowy field", "snowfield", "snowy landscape",
             "snow-covered ground", "winter", "snowy day", "winter day"),
}
SCENE_PREPOSITIONS = ("in", "on", "over", "above", "across", "against", "under", "beneath", "below", "through",
                      "into", "at", "along", "near", "by", "during", "after", "up in", "high in", "high above",
                      "out at", "out on")
SCENE_ARTICLES = ("the", "a", "an")

# What captions write (each must be one of the parser's scene phrases; the
# first three are the original grammar's).
SCENE_WORDS: dict[str, tuple[str, ...]] = {
    "sky": ("in the sky", "across a daytime sky", "against a clear sky", "across the sky", "in a clear sky",
            "under a blue sky", "up in the sky", "through the sky"),
    "sunset": ("at sunset", "at dusk", "under a sunset sky", "dusk", "at twilight", "at sundown", "in the evening",
               "during sunset"),
    "night": ("at night", "at nighttime", "in the dark night", "in the night sky", "under a starry sky", "by night",
              "during the night", "at midnight"),
    "sea": ("over the sea", "on the ocean", "above the water", "in the ocean", "on the sea", "over the waves",
            "at sea", "on the water"),
    "field": ("in a field", "over the grass", "in a meadow", "on the grass", "across a meadow", "over a field",
              "on the lawn", "in a green field"),
    "snow": ("in the snow", "over snowy ground", "in a winter landscape", "on the snow", "snow",
             "over a snowy field", "in a snowy landscape", "across the snowfield"),
}


def _all_scene_phrases() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for scene, nouns in SCENE_NOUNS.items():
        said = [f"{a} {n}" if a else n for n in nouns for a in ("",) + SCENE_ARTICLES]
        out[scene] = said + [f"{p} {s}" for p in SCENE_PREPOSITIONS for s in said]
    return {s: tuple(ps) for s, ps in out.items()}


# ----------------------------------------------------------------------------
# Relations and counts
# ----------------------------------------------------------------------------

RELATION_WORDS: dict[str, tuple[str, ...]] = {
    "left of": ("to the left of", "left of", "on the left of", "on the left side of", "to the left side of"),
    "right of": ("to the right of", "right of", "on the right side of", "on the right of", "to the right side of"),
    "above": ("above", "higher than", "on top of", "over"),
    "below": ("below", "beneath", "underneath", "under", "lower than"),
}

COUNT_WORDS: dict[int, tuple[str, ...]] = {
    1: ("a", "one", "a single"),
    2: ("two", "a pair of", "2", "a couple of"),
    3: ("three", "a trio of", "3"),
}

# Everything the parser reads, by attribute value (captions say a subset).
MOTION_PHRASES = _all_motion_phrases()
SCENE_PHRASES = _all_scene_phrases()
# The -ing phrasings captions may write for some object, by motion.
MOTION_WORDS: dict[str, tuple[str, ...]] = {
    m: tuple(dict.fromkeys(v[2] for kind in OBJECTS for v in motion_phrasings(kind, m))) for m in MOTIONS}


def _check_captions_parse() -> None:
    """What captions say must be what the parser reads: fail at import otherwise."""
    for table, phrases in ((SCENE_WORDS, SCENE_PHRASES), (MOTION_WORDS, MOTION_PHRASES)):
        for value, texts in table.items():
            missing = set(texts) - set(phrases[value])
            if missing:
                raise ValueError(f"caption phrasings of {value!r} the parser does not read: {sorted(missing)}")


_check_captions_parse()

# Words that carry no world meaning but appear in captions; the parser accepts
# and ignores them (they are "known"), anything else is reported as unknown.
FILLER_PREFIXES = ("", "", "", "a video of", "a clip of", "footage of", "an animation of", "a scene with")
FILLER_SUFFIXES = ("", "", "", "", "high quality", "cinematic", "4k", "hd")
JOINERS = ("and", "with", "there", "is", "are", "that", "the", "while", "plus")

# ----------------------------------------------------------------------------
# Scene palette (backgrounds are drawn to stay far from every object colour)
# ----------------------------------------------------------------------------

OUTLINE_DARKEN = 0.35  # outline and detail colour = fill * this
