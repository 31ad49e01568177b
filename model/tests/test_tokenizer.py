"""The tokenizer: the world's captions tokenise without unknown words, ids
follow the documented layout, and tokenizer.json round-trips. The fixture
file holds prompt -> ids pairs that the TypeScript tokenizer must reproduce."""
import json
from pathlib import Path

import pytest

from spacetime.tokenizer import CLS, PAD, UNK, Tokenizer
from spacetime.world import parser
from spacetime.world.sampler import sample

FIXTURE = Path(__file__).parent / "fixtures" / "tokenizer_cases.json"
CASES = [
    "A red ball in the sky",
    "TWO  Crimson spheres, bouncing... at sunset!",
    "a five-pointed star -moving- left; the scene is over the sea",
    "a purple unicorn dancing on the moon",
    "",
    "   ",
    "über-cool café: 3 little cubes\tgoing up\n4k",
    "a " * 60,
]


def test_layout_and_special_ids():
    tok = Tokenizer.from_world()
    assert (tok.pad_id, tok.unk_id, tok.cls_id) == (0, 1, 2)
    assert tok.to_dict()["vocab"][:3] == [PAD, UNK, CLS]
    assert tok.encode("") == [tok.cls_id]
    ids = tok.encode("a red ball")
    assert ids[0] == tok.cls_id and tok.unk_id not in ids and len(ids) == 4
    assert tok.encode("a zebra")[2] == tok.unk_id
    assert tok.unknown_words("a zebra in the sky") == ["zebra"]


def test_vocabulary_is_the_parsers():
    tok = Tokenizer.from_world()
    assert tok.words == sorted(parser.known_words())
    assert tok.to_dict()["normalization"] == parser.NORMALIZATION


def test_sampled_captions_have_no_unknown_words_and_fit():
    tok = Tokenizer.from_world()
    for seed in range(400):
        caption = sample(seed, "any").caption
        assert tok.unknown_words(caption) == [], caption
        assert len(tok.encode(caption)) < tok.max_length, caption


def test_batch_padding_and_truncation():
    tok = Tokenizer.from_world(max_length=6)
    ids, mask = tok(["a red ball", "a " * 20])
    assert ids.shape == mask.shape == (2, 6)
    assert ids[0].tolist()[4:] == [0, 0] and mask[0].tolist() == [True] * 4 + [False] * 2
    assert mask[1].all()
    with pytest.raises(ValueError):
        Tokenizer(["red", "red"])
    with pytest.raises(ValueError):
        Tokenizer(["Red"])


def test_json_round_trip(tmp_path):
    tok = Tokenizer.from_world()
    tok.save(tmp_path / "tokenizer.json")
    again = Tokenizer.load(tmp_path / "tokenizer.json")
    assert again.vocab == tok.vocab and again.max_length == tok.max_length
    for text in CASES:
        assert again.encode(text) == tok.encode(text)


def golden_cases() -> dict:
    tok = Tokenizer.from_world()
    return {"max_length": tok.max_length,
            "cases": [{"text": t, "ids": tok(([t]))[0][0].tolist()} for t in CASES]}


def test_fixture_matches_implementation():
    assert json.loads(FIXTURE.read_text()) == golden_cases()


if __name__ == "__main__":
    FIXTURE.write_text(json.dumps(golden_cases(), indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {FIXTURE}")
