"""Word-level tokenizer over the world grammar's vocabulary.

The vocabulary is every word the prompt parser knows (world/parser.py), so the
text encoder and the app's "words the model knows" agree by construction.
Text is normalised by the parser's own rule, so a prompt splits into the same
words on both sides; `tokenizer.json` carries that rule, the word list and the
special ids, which is all TypeScript needs to reproduce the ids exactly.

Ids: [PAD] = 0, [UNK] = 1, [CLS] = 2, then the words in sorted order. Every
sequence starts with [CLS], so even the empty prompt (the unconditional input
of classifier-free guidance) has one key to attend to and attention never
sees an all-masked row.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import torch
from torch import Tensor

from .world import parser

PAD, UNK, CLS = "[PAD]", "[UNK]", "[CLS]"
SPECIALS = (PAD, UNK, CLS)
DEFAULT_MAX_LENGTH = 48  # the longest sampled captions run to about 35 words
FORMAT_VERSION = 1


def normalize(text: str) -> list[str]:
    """The parser's rule: one normalisation for parsing and for tokenising."""
    return parser.normalize(text)


class Tokenizer:
    def __init__(self, words: Sequence[str], max_length: int = DEFAULT_MAX_LENGTH):
        if max_length < 2:
            raise ValueError(f"max_length must leave room for [CLS] and a word, got {max_length}")
        words = list(words)
        if len(set(words)) != len(words):
            raise ValueError("vocabulary words must be unique")
        bad = [w for w in words if normalize(w) != [w]]
        if bad:
            raise ValueError(f"vocabulary words must be normalised single words, got {bad[:5]}")
        self.words = words
        self.max_length = max_length
        self.vocab = {w: i for i, w in enumerate(SPECIALS + tuple(words))}

    @classmethod
    def from_world(cls, max_length: int = DEFAULT_MAX_LENGTH) -> "Tokenizer":
        return cls(sorted(parser.known_words()), max_length)

    pad_id, unk_id, cls_id = 0, 1, 2

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def encode(self, text: str) -> list[int]:
        """Ids without padding: [CLS] then one id per word, truncated."""
        ids = [self.cls_id] + [self.vocab.get(w, self.unk_id) for w in normalize(text)]
        return ids[: self.max_length]

    def unknown_words(self, text: str) -> list[str]:
        return [w for w in normalize(text) if w not in self.vocab]

    def __call__(self, texts: Sequence[str]) -> tuple[Tensor, Tensor]:
        """Batch of prompts -> (ids (B, L) int64, mask (B, L) bool), L = max_length.

        A fixed length keeps the exported text encoder's input shape static."""
        ids = torch.full((len(texts), self.max_length), self.pad_id, dtype=torch.long)
        for i, t in enumerate(texts):
            row = self.encode(t)
            ids[i, : len(row)] = torch.tensor(row)
        return ids, ids != self.pad_id

    # ------------------------------------------------------------------ files

    def to_dict(self) -> dict:
        return {
            "format_version": FORMAT_VERSION,
            "type": "word-level",
            "normalization": dict(parser.NORMALIZATION),
            "max_length": self.max_length,
            "pad_id": self.pad_id,
            "unk_id": self.unk_id,
            "cls_id": self.cls_id,
            "prepend_cls": True,
            "padding": "right, to max_length",
            "truncation": "keep the first max_length ids, [CLS] included",
            # Index in this list = id; the specials come first.
            "vocab": list(SPECIALS) + self.words,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Tokenizer":
        if d.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"unsupported tokenizer format {d.get('format_version')!r}")
        vocab = d["vocab"]
        if tuple(vocab[: len(SPECIALS)]) != SPECIALS:
            raise ValueError(f"tokenizer vocab must start with {SPECIALS}")
        return cls(vocab[len(SPECIALS):], d["max_length"])

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> "Tokenizer":
        return cls.from_dict(json.loads(Path(path).read_text()))
