"""The wording test set: paraphrases of held-out prompts, written from a table
of its own (spacetime.world.wording), parse to the clip's spec at least 95%
of the time. The same fixture is checked against the TypeScript parser."""
from __future__ import annotations

from spacetime.world import wording
from spacetime.world.parser import parse


def test_fixture_is_fresh():
    assert wording.OUT.read_text() == wording.render(), (
        "tests/plan/fixtures/wording.json is stale: run scripts/py -m spacetime.world.wording")


def test_paraphrases_parse_to_the_heldout_spec():
    cases = wording.cases()
    assert len(cases) >= 200
    failures = [(text, parse(text).spec) for text, spec in cases if parse(text).spec != spec]
    rate = 1 - len(failures) / len(cases)
    print(f"\nwording: {len(cases) - len(failures)}/{len(cases)} paraphrases parse to their spec ({rate:.1%})")
    for text, got in failures:
        print(f"  miss: {text!r} -> {got}")
    assert rate >= wording.PASS_RATE, failures[:10]


def test_paraphrases_use_the_wider_grammar():
    """The set exercises what the widening is for, not only the old phrases."""
    text = " ".join(t for t, _ in wording.cases())
    for phrase in ("swimming", "sail", "flew", "drifted", "falling", "leftwards", "to the right", "in the ocean",
                   "on the sea", "over the ocean", "dusk", "in a meadow", "on the grass"):
        assert phrase in text, phrase
