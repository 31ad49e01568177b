/**
 * The scene plan contract (docs/scene-plan.md), as zod: the shape of
 * spacetime.plan.ScenePlan.to_dict() and the checks of ScenePlan.from_dict.
 * Every error's path names the field, down to the object, the track array
 * and the frame (["objects", 0, "track", "x", 12], ["camera", "zoom", 3]),
 * so the API's 400 can say exactly what is wrong.
 */
import { z } from "zod";

import { CAMERA_MOVES, COLOURS, MAX_OBJECTS, MAX_SECONDS, MOTIONS, OBJECTS, PLAN_VERSION, RELATIONS, SCENES, SIZES, ZOOM_LIMITS } from "./vocab";

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

// The view the clip is filmed from, per frame (lib/plan/camera.ts): its centre in the
// stage's pixels and its zoom. Absent (or null): a static camera.
const cameraSchema = z.object({
  move: z.enum(CAMERA_MOVES),
  target: z.string().nullable().default(null), // the followed or closed-in object's id
  x: z.array(z.number()),
  y: z.array(z.number()),
  zoom: z.array(z.number()),
});

const CAMERA_KEYS = ["x", "y", "zoom"] as const;

/** Python's repr of a float bound ("4.0", not "4"), so messages read as from_dict's. */
const pyFloat = (v: number) => (Number.isInteger(v) ? v.toFixed(1) : String(v));

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
    camera: cameraSchema.nullish(),
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
    if (plan.camera) {
      const cam = plan.camera;
      if (cam.target !== null && !plan.objects.some((o) => o.id === cam.target)) {
        ctx.addIssue({ code: "custom", path: ["camera", "target"], message: `must be null or an object's id, got ${JSON.stringify(cam.target)}` });
      }
      const bounds = { x: [-plan.width, 2 * plan.width], y: [-plan.height, 2 * plan.height], zoom: ZOOM_LIMITS } as const;
      for (const key of CAMERA_KEYS) {
        const values = cam[key];
        if (values.length !== plan.frames) {
          ctx.addIssue({ code: "custom", path: ["camera", key], message: `${values.length} values for ${plan.frames} frames` });
        }
        // One issue per array, as for a track: its first value out of range.
        const [lo, hi] = bounds[key];
        const f = values.findIndex((v) => !(v >= lo && v <= hi));
        if (f >= 0) {
          const range = key === "zoom" ? `${pyFloat(lo)}..${pyFloat(hi)}` : `${lo}..${hi}`;
          ctx.addIssue({ code: "custom", path: ["camera", key, f], message: `must be a number in ${range}, got ${values[f]}` });
        }
      }
    }
  });

export type ScenePlan = z.infer<typeof planSchema>;
export type PlanObject = ScenePlan["objects"][number];
/** A plan's camera: the view in every frame, its target an object's id. */
export type PlanCamera = z.infer<typeof cameraSchema>;
