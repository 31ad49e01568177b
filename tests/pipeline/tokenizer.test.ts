// Parity with the Python tokenizer: both fixtures are written by Python code
// (model/tests/test_tokenizer.py and scripts/make-tokenizer-fixture.py).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

import { PipelineError } from "../../lib/pipeline/errors";
import { Tokenizer } from "../../lib/pipeline/tokenizer";

const tokJson = JSON.parse(readFileSync("tests/pipeline/fixtures/tokenizer.json", "utf8"));
const cases = JSON.parse(readFileSync("model/tests/fixtures/tokenizer_cases.json", "utf8")) as {
  max_length: number;
  cases: { text: string; ids: number[] }[];
};
const tok = new Tokenizer(tokJson);

describe("tokenizer", () => {
  it("reproduces every Python case id for id", () => {
    expect(tok.maxLength).toBe(cases.max_length);
    for (const c of cases.cases) {
      const enc = tok.encode(c.text);
      expect(Array.from(enc.ids, Number), JSON.stringify(c.text)).toEqual(c.ids);
      expect(Array.from(enc.mask), JSON.stringify(c.text)).toEqual(c.ids.map((id) => (id !== 0 ? 1 : 0)));
    }
  });

  it("normalises as the parser does", () => {
    expect(tok.normalize("über-cool café: 3 little cubes\tgoing up\n4k")).toEqual(["ber-cool", "caf", "3", "little", "cubes", "going", "up", "4k"]);
    expect(tok.normalize(" -moving- ; -- ")).toEqual(["moving"]);
  });

  it("reports unknown words and truncation", () => {
    const enc = tok.encode("a purple unicorn dancing on the moon");
    expect(enc.unknown).toEqual(["unicorn", "dancing", "moon"]);
    expect(enc.truncated).toBe(false);
    const long = tok.encode("a ".repeat(60));
    expect(long.truncated).toBe(true);
    expect(long.length).toBe(tok.maxLength);
    expect(tok.encode("").length).toBe(1); // [CLS] alone: the unconditional prompt
  });

  it("refuses a tokenizer.json it cannot reproduce", () => {
    expect(() => new Tokenizer({ ...tokJson, type: "bpe" })).toThrow(PipelineError);
    expect(() => new Tokenizer({ ...tokJson, normalization: { ...tokJson.normalization, split: "regex" } })).toThrow(/word-level/);
  });
});
