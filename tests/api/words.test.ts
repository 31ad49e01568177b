/** /api/words: the prompt box's known/unknown words, from the model's tokenizer.json. */
import path from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import { GET as wordsRoute } from "../../app/api/words/route";
import { ROOT } from "../queue/helpers";
import { body, request } from "./helpers";

afterEach(() => {
  delete process.env.SPACETIME_MODEL_DIR;
});

const words = (text: string) => wordsRoute(request("GET", `/api/words?text=${encodeURIComponent(text)}`));

describe("GET /api/words", () => {
  it("marks the words the model knows and names the ones it does not", async () => {
    process.env.SPACETIME_MODEL_DIR = path.join(ROOT, "tests/pipeline/fixtures/stub-model");
    const res = await words("A ball bounces across the zorblax!");
    expect(res.status).toBe(200);
    const b = await body(res);
    expect(b.available).toBe(true);
    expect(b.words.map((w: { word: string }) => w.word)).toEqual(["a", "ball", "bounces", "across", "the", "zorblax"]);
    expect(b.words.find((w: { word: string }) => w.word === "a").known).toBe(true);
    expect(b.unknown).toContain("zorblax");
    expect(b.words.find((w: { word: string }) => w.word === "zorblax").known).toBe(false);
    expect(b.maxWords).toBe(15);
  });

  it("says so when there is no model to ask", async () => {
    process.env.SPACETIME_MODEL_DIR = "/nonexistent/model";
    const b = await body(await words("a ball"));
    expect(b).toMatchObject({ available: false, unknown: [], words: [{ word: "a", known: null }, { word: "ball", known: null }] });
  });

  it("rejects a missing or over-long text with 400", async () => {
    expect((await wordsRoute(request("GET", "/api/words"))).status).toBe(400);
    const res = await words("x".repeat(2001));
    expect(res.status).toBe(400);
    expect((await body(res)).error.message).toMatch(/at most 2000/);
  });
});
