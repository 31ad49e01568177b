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

  it("has the same camera moves in both, and the camera's and the shade's raster channels last", () => {
    expect(grammar.attributes.camera_moves).toEqual(vocab.CAMERA_MOVES);
    expect(grammar.attributes.targeted_camera_moves).toEqual(vocab.TARGETED_CAMERA_MOVES);
    expect(Object.keys(grammar.phrases.camera).sort()).toEqual([...vocab.CAMERA_MOVES].sort());
    expect(vocab.TARGETED_CAMERA_MOVES.every((m) => vocab.CAMERA_MOVES.includes(m))).toBe(true);
    const later = [...vocab.CAMERA_CHANNELS, ...vocab.SHADE_CHANNELS];
    expect(vocab.RASTER_CHANNELS.slice(-later.length)).toEqual(later);
    expect(vocab.ZOOM_LIMITS[0]).toBeLessThanOrEqual(1 / vocab.ZOOM_RANGE);
    expect(vocab.ZOOM_LIMITS[1]).toBeGreaterThanOrEqual(vocab.ZOOM_RANGE);
  });

  it("gives every size a diameter and every attribute a raster channel", () => {
    expect(Object.keys(vocab.SIZE_PIXELS)).toEqual(vocab.SIZES);
    for (const c of vocab.COLOURS) expect(vocab.RASTER_CHANNELS).toContain(`colour:${c}`);
    for (const k of vocab.OBJECTS) expect(vocab.RASTER_CHANNELS).toContain(`kind:${k}`);
    expect(vocab.FACING_OBJECTS.every((k) => vocab.OBJECTS.includes(k))).toBe(true);
  });
});
