// Parity with the Python prompt parser (model/spacetime/world/parser.py): every
// fixture here is written by Python (spacetime.world.parser_cases and
// spacetime.world.wording), and grammar.json by spacetime.world.grammar_export.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

import { Tokenizer } from "../../lib/pipeline/tokenizer";
import { Grammar, grammar } from "../../lib/plan/grammar";
import grammarJson from "../../lib/plan/grammar.json";
import { type ParsedPrompt, type ParsedSpec, parse } from "../../lib/plan/parser";

type EncodedSpec = [[string, string | null, string | null, string | null, number][], string | null, string | null, [string, number]?] | null;
type Case = [string, [EncodedSpec, string[], string[]]];

const parserCases = JSON.parse(readFileSync("tests/plan/fixtures/parser-cases.json", "utf8")) as { captions: Case[]; free_form: Case[] };
const wording = JSON.parse(readFileSync("tests/plan/fixtures/wording.json", "utf8")) as { pass_rate: number; cases: [string, EncodedSpec][] };

function decodeSpec(e: EncodedSpec): ParsedSpec | null {
  if (e === null) return null;
  const [subjects, scene, relation, camera] = e;
  return {
    subjects: subjects.map(([kind, colour, size, motion, count]) => ({ kind, colour, size, motion, count })),
    scene,
    relation,
    ...(camera ? { camera: camera[0], camera_target: camera[1] } : {}),
  };
}

function decode([spec, unknown, problems]: Case[1]): ParsedPrompt {
  return { spec: decodeSpec(spec), unknown, problems };
}

describe("prompt parser parity with Python", () => {
  it("reads every sampled caption as Python does", () => {
    expect(parserCases.captions.length).toBeGreaterThanOrEqual(2000);
    for (const [text, want] of parserCases.captions) expect(parse(text), text).toEqual(decode(want));
  });

  it("reads free-form prompts as Python does: unknown words, misplaced relations, too many objects", () => {
    expect(parserCases.free_form.length).toBeGreaterThanOrEqual(200);
    for (const [text, want] of parserCases.free_form) expect(parse(text), JSON.stringify(text)).toEqual(decode(want));
    // The fixture does reach the parser's other paths.
    const problems = parserCases.free_form.flatMap(([, [, , p]]) => p).join("\n");
    for (const msg of ["more than three objects", "needs exactly two single objects", "conflicts with an earlier", "is not followed by an object", "more than one scene", "no object named"]) {
      expect(problems).toContain(msg);
    }
    expect(parserCases.free_form.some(([, [, unknown]]) => unknown.length > 0)).toBe(true);
  });
});

describe("wording: paraphrases of held-out prompts", () => {
  it(`parse to the held-out spec at least ${wording.pass_rate * 100}% of the time`, () => {
    expect(wording.cases.length).toBeGreaterThanOrEqual(200);
    const misses = wording.cases.filter(([text, spec]) => JSON.stringify(parse(text).spec) !== JSON.stringify(decodeSpec(spec)));
    const rate = 1 - misses.length / wording.cases.length;
    console.log(`wording: ${wording.cases.length - misses.length}/${wording.cases.length} paraphrases parse to their spec (${(rate * 100).toFixed(1)}%)`);
    for (const [text] of misses) console.log(`  miss: ${JSON.stringify(text)}`);
    expect(rate).toBeGreaterThanOrEqual(wording.pass_rate);
  });
});

describe("prompt parser", () => {
  it("reads a simple prompt", () => {
    expect(parse("a red ball bouncing in the snow")).toEqual({
      spec: { subjects: [{ kind: "ball", colour: "red", size: "medium", motion: "bouncing", count: 1 }], scene: "snow", relation: null },
      unknown: [],
      problems: [],
    });
  });

  it("normalises exactly as the tokenizer does", () => {
    const tok = new Tokenizer((grammarJson as { tokenizer: unknown }).tokenizer);
    const text = "  A   RED... ball;  Bouncing -- In The Snow!!!  ";
    expect(grammar().tokenizer.normalize(text)).toEqual(tok.normalize(text));
    expect(parse(text).spec).toEqual(parse("a red ball bouncing in the snow").spec);
  });

  it("reads the wider grammar: any travel verb with any direction, inflections, scene nouns behind any preposition", () => {
    const one = (text: string) => parse(text).spec?.subjects[0];
    expect(one("a boat sailing leftwards")?.motion).toBe("left");
    expect(one("a balloon drifts upward")?.motion).toBe("up");
    expect(one("a star falling")?.motion).toBe("down");
    expect(one("a bird flew to the right")?.motion).toBe("right");
    expect(parse("a fish swimming down in the ocean").spec?.scene).toBe("sea");
    expect(parse("a ball, dusk").spec?.scene).toBe("sunset");
    expect(parse("a ball on the grass").spec?.scene).toBe("field");
    expect(parse("a rose balloon").spec?.subjects[0]?.colour).toBe("pink");
    expect(parse("a dragon slowly flying over the moon").unknown).toEqual(["dragon", "slowly", "flying", "moon"]);
  });

  it("reports unknown words and refuses more than three objects", () => {
    const p = parse("a blue dragon flying over the sea");
    expect(p.spec).toBeNull();
    expect(p.unknown).toContain("dragon");
    expect(parse("two balls and two cubes").problems).toContain("more than three objects");
  });

  it("reads the camera: its move anywhere, a follow's or close-up's subject from the object phrase after it", () => {
    const ball = (colour: string, motion: string | null = null) => ({ kind: "ball", colour, size: "medium", motion, count: 1 });
    const car = (colour: string | null, motion: string | null = null, count = 1) => ({ kind: "car", colour, size: "medium", motion, count });
    // The red car said again is the one already named: one car, followed.
    expect(parse("a red car driving left in a field, the camera follows the red car")).toEqual({
      spec: { subjects: [car("red", "left")], scene: "field", relation: null, camera: "follow", camera_target: 0 },
      unknown: [],
      problems: [],
    });
    expect(parse("close-up of a red ball bouncing in the snow")).toEqual({
      spec: { subjects: [ball("red", "bouncing")], scene: "snow", relation: null, camera: "zoom-in", camera_target: 0 },
      unknown: [],
      problems: [],
    });
    expect(parse("a blue cube and a red ball, wide shot").spec).toEqual({
      subjects: [{ kind: "cube", colour: "blue", size: "medium", motion: null, count: 1 }, ball("red")],
      scene: null,
      relation: null,
      camera: "zoom-out",
      camera_target: 0,
    });
    expect(parse("the camera pans left over a field with a green star spinning")).toEqual({
      spec: { subjects: [{ kind: "star", colour: "green", size: "medium", motion: "spinning", count: 1 }], scene: "field", relation: null, camera: "pan-left", camera_target: 0 },
      unknown: [],
      problems: [],
    });
    // A later subject named again is the target; a counted, plural or differently coloured one is a new subject.
    expect(parse("a red car and a blue ball, the camera follows the blue ball").spec).toMatchObject({ subjects: [car("red"), ball("blue")], camera: "follow", camera_target: 1 });
    expect(parse("a red car, the camera follows two cars").spec).toMatchObject({ subjects: [car("red"), car(null, null, 2)], camera_target: 1 });
    expect(parse("a red car, close-up of a blue car").spec).toMatchObject({ subjects: [car("red"), car("blue")], camera: "zoom-in", camera_target: 1 });
    // A static camera is the unsaid one; a second move is reported and ignored.
    expect(parse("a red car, static shot").spec).toEqual(parse("a red car").spec);
    expect(parse("a red ball, static camera, the camera pans left")).toEqual({
      spec: { subjects: [ball("red")], scene: null, relation: null },
      unknown: [],
      problems: ["more than one camera move ('camera pans left' ignored)"],
    });
  });

  it("refuses a grammar it cannot read, naming the field", () => {
    expect(() => new Grammar({ ...grammarJson, format_version: 2 })).toThrow(/format_version/);
    const phrases = (grammarJson as { phrases: Record<string, unknown> }).phrases;
    expect(() => new Grammar({ ...grammarJson, phrases: { ...phrases, motion: { left: ["red"] } } })).toThrow(/means both/);
  });
});
