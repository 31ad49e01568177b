/**
 * The scene plan contract (docs/scene-plan.md), as zod: the shape of
 * spacetime.plan.ScenePlan.to_dict() and the checks of ScenePlan.from_dict.
 * Every error's path names the field, down to the object, the track array
 * and the frame (["objects", 0, "track", "x", 12]), so the API's 400 can say
 * exactly what is wrong.
 */
import { z } from "zod";

import { COLOURS, MAX_OBJECTS, MAX_SECONDS, MOTIONS, OBJECTS, PLAN_VERSION, RELATIONS, SCENES, SIZES } from "./vocab";

const TRACK_KEYS = ["x", "y", "diameter", "angle", "facing", "visible"] as const;

const trackSchema = z.object({
  x: z.array(z.number()), // centre in pixels; the frame's bounds are checked against width/height below
  y: z.array(z.number()),
  diameter: z.array(z.number().positive()), // bounding circle in pixels
  angle: z.array(z.number()), // radians
  facing: z.array(z.literal([1, -1])), // +1 right, -1 left
  visible: z.array(z.boolean()),
});

const objectSchema = z.object({
  id: z.string().min(1),
  kind: z.enum(OBJECTS),
  colour: z.enum(COLOURS),
  size: z.enum(SIZES),
  motion: z.enum(MOTIONS),
  words: z.string().default(""), // the prompt's words this object came from
  track: trackSchema,
});

// The world's frame: a multiple of the autoencoder's 8 pixels, at least 64 (world/config.py).
const frameSide = z.number().int().min(64).multipleOf(8);

export const planSchema = z
  .object({
    version: z.literal(PLAN_VERSION),
    scene: z.enum(SCENES),
    background_seed: z.number().int().min(0).max(0xffffffff),
    fps: z.number().int().min(1).max(60),
    frames: z.number().int().min(1),
    width: frameSide,
    height: frameSide,
    relation: z.enum(RELATIONS).nullable().default(null), // between objects[0] and objects[1]
    objects: z.array(objectSchema).max(MAX_OBJECTS),
  })
  .superRefine((plan, ctx) => {
    const maxFrames = MAX_SECONDS * plan.fps + 1;
    if (plan.frames > maxFrames) {
      ctx.addIssue({ code: "custom", path: ["frames"], message: `at most ${maxFrames} frames (${MAX_SECONDS} s at ${plan.fps} fps), got ${plan.frames}` });
    }
    if (plan.relation !== null && plan.objects.length < 2) {
      ctx.addIssue({ code: "custom", path: ["relation"], message: `a relation is between objects[0] and objects[1], the plan has ${plan.objects.length} object(s)` });
    }
    const ids = new Set<string>();
    plan.objects.forEach((o, i) => {
      if (ids.has(o.id)) ctx.addIssue({ code: "custom", path: ["objects", i, "id"], message: `duplicate object id ${JSON.stringify(o.id)}` });
      ids.add(o.id);
      for (const key of TRACK_KEYS) {
        const n = o.track[key].length;
        if (n !== plan.frames) {
          ctx.addIssue({ code: "custom", path: ["objects", i, "track", key], message: `${n} values for ${plan.frames} frames` });
        }
      }
      // One issue per array: the first visible frame whose centre is outside
      // the frame (a hidden object may leave and come back, as its plan says).
      for (const [key, side] of [["x", plan.width], ["y", plan.height]] as const) {
        const f = o.track[key].findIndex((v, frame) => o.track.visible[frame] !== false && !(v >= 0 && v <= side));
        if (f >= 0) {
          ctx.addIssue({ code: "custom", path: ["objects", i, "track", key, f], message: `centre ${o.track[key][f]} lies outside the ${plan.width}x${plan.height} frame (0..${side})` });
        }
      }
    });
  });

export type ScenePlan = z.infer<typeof planSchema>;
export type PlanObject = ScenePlan["objects"][number];
