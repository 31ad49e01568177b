// lib/plan/ has one vocabulary: the layout's table (vocab.json) and the
// parser's grammar (grammar.json) are both written from world/vocab.py, and
// must name the same attributes in the same order (an attribute's index is
// its id in the plan raster).
import { describe, expect, it } from "vitest";

import grammar from "../../lib/plan/grammar.json";
import * as vocab from "../../lib/plan/vocab";

describe("the world's vocabulary", () => {
  it("is the same in the layout's table and the parser's grammar", () => {
    const { objects, colours, sizes, motions, scenes, relations } = grammar.attributes;
    expect({ objects, colours, sizes, motions, scenes, relations }).toEqual({
      objects: vocab.OBJECTS,
      colours: vocab.COLOURS,
      sizes: vocab.SIZES,
      motions: vocab.MOTIONS,
      scenes: vocab.SCENES,
      relations: vocab.RELATIONS,
    });
  });

  it("gives every size a diameter and every attribute a raster channel", () => {
    expect(Object.keys(vocab.SIZE_PIXELS)).toEqual(vocab.SIZES);
    for (const c of vocab.COLOURS) expect(vocab.RASTER_CHANNELS).toContain(`colour:${c}`);
    for (const k of vocab.OBJECTS) expect(vocab.RASTER_CHANNELS).toContain(`kind:${k}`);
    expect(vocab.FACING_OBJECTS.every((k) => vocab.OBJECTS.includes(k))).toBe(true);
  });
});
