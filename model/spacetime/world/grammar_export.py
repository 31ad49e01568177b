"""Writes lib/plan/grammar.json: the prompt grammar as data, for the app's
TypeScript parser (lib/plan/parser.ts).

The phrase tables live in vocab.py and parser.py only; this file is generated
from them so that nothing is typed twice. model/tests/test_grammar_export.py
fails when the committed JSON is stale. Rerun after changing the grammar:

    scripts/py -m spacetime.world.grammar_export
"""
from __future__ import annotations

import json
from pathlib import Path

from . import parser, vocab

FORMAT_VERSION = 1
OUT = Path(__file__).resolve().parents[3] / "lib" / "plan" / "grammar.json"


def _tokenizer_dict() -> dict:
    # Imported here: the tokenizer needs torch, the rest of the grammar does not.
    from ..tokenizer import Tokenizer

    return Tokenizer.from_world().to_dict()


def grammar() -> dict:
    """The parser's phrase table grouped by category and value. Objects keep
    their singular and plural phrases apart (a plural means count 2); counts
    are keyed by their number as a string (JSON keys are strings)."""
    objects: dict[str, dict[str, list[str]]] = {k: {"singular": [], "plural": []} for k in vocab.OBJECTS}
    grouped: dict[str, dict[str, list[str]]] = {
        c: {} for c in ("count", "size", "colour", "motion", "scene", "relation", "camera")}
    filler: list[str] = []
    for words, category, value in parser.phrase_table():
        text = " ".join(words)
        if category == "object":
            kind, plural = value
            objects[kind]["plural" if plural else "singular"].append(text)
        elif category == "filler":
            filler.append(text)
        else:
            grouped[category].setdefault(str(value), []).append(text)
    # Sorted lists: the file's diff then shows what changed, not how the table was built.
    return {
        "format_version": FORMAT_VERSION,
        "generated_by": "scripts/py -m spacetime.world.grammar_export, from model/spacetime/world/vocab.py "
                        "and parser.py; do not edit by hand",
        "attributes": {
            "objects": list(vocab.OBJECTS), "colours": list(vocab.COLOUR_NAMES), "sizes": list(vocab.SIZES),
            "motions": list(vocab.MOTIONS), "scenes": list(vocab.SCENES), "relations": list(vocab.RELATIONS),
            "camera_moves": list(vocab.CAMERA_MOVES), "targeted_camera_moves": list(vocab.TARGETED_CAMERA_MOVES),
        },
        "phrases": {
            "object": {k: {n: sorted(set(v)) for n, v in forms.items()} for k, forms in objects.items()},
            **{c: {v: sorted(set(ts)) for v, ts in table.items()} for c, table in grouped.items()},
            "filler": sorted(set(filler)),
        },
        "ignorable": parser.ignorable_words(),
        # The tokenizer a model trained on this grammar uses; the TypeScript
        # parser normalises text with it, so parsing and tokenising split alike.
        "tokenizer": _tokenizer_dict(),
    }


def render() -> str:
    return json.dumps(grammar(), indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(render())
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
