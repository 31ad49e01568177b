"""The generated files the TypeScript parser reads are up to date with the
Python grammar, and the export says what the parser knows."""
from __future__ import annotations

import json

import pytest

from spacetime.world import grammar_export, parser, parser_cases


def test_grammar_json_is_fresh():
    assert grammar_export.OUT.read_text() == grammar_export.render(), (
        "lib/plan/grammar.json is stale: run scripts/py -m spacetime.world.grammar_export")


def test_parser_cases_are_fresh():
    assert parser_cases.OUT.read_text() == parser_cases.render(), (
        "tests/plan/fixtures/parser-cases.json is stale: run scripts/py -m spacetime.world.parser_cases")


def test_export_holds_every_phrase_once_with_its_meaning():
    g = grammar_export.grammar()
    exported = set()
    for kind, forms in g["phrases"]["object"].items():
        exported |= {(t, "object", (kind, n == "plural")) for n, ts in forms.items() for t in ts}
    for cat in ("count", "size", "colour", "motion", "scene", "relation", "camera"):
        exported |= {(t, cat, int(v) if cat == "count" else v) for v, ts in g["phrases"][cat].items() for t in ts}
    exported |= {(t, "filler", None) for t in g["phrases"]["filler"]}
    assert exported == {(" ".join(w), c, v) for w, c, v in parser.phrase_table()}
    assert g["ignorable"] == parser.ignorable_words()
    assert g["tokenizer"]["vocab"][3:] == parser.known_words()
    json.dumps(g)  # plain JSON, nothing Python-only


def test_ambiguous_phrase_is_refused(monkeypatch):
    from spacetime.world import vocab

    monkeypatch.setitem(vocab.MOTION_PHRASES, "left", vocab.MOTION_PHRASES["left"] + ("crimson",))
    parser._phrase_table.cache_clear()
    try:
        with pytest.raises(ValueError, match="crimson"):
            parser._phrase_table()
    finally:
        monkeypatch.undo()
        parser._phrase_table.cache_clear()
