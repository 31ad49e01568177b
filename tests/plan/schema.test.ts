// The plan contract: every plan Python makes passes, and each way a plan can
// be wrong gives an error whose path names the field.
import { describe, expect, it } from "vitest";

import { planSchema, type ScenePlan } from "../../lib/plan/schema";
import { MAX_OBJECTS } from "../../lib/plan/vocab";
import { layoutCases } from "./python-fixtures";

const plans = layoutCases().flatMap((c) => (c.plan ? [c.plan] : []));
const twoObjects = plans.find((p) => p.objects.length === 2 && p.relation !== null)!;
const copy = (): ScenePlan => structuredClone(twoObjects);

/** The paths of a rejected plan's issues, joined as the API prints them. */
function paths(bad: unknown): string[] {
  const result = planSchema.safeParse(bad);
  expect(result.success).toBe(false);
  return result.error!.issues.map((i) => i.path.join("."));
}

/** The path and message of each issue of a rejected plan. */
function issues(bad: unknown): [string, string][] {
  const result = planSchema.safeParse(bad);
  expect(result.success).toBe(false);
  return result.error!.issues.map((i) => [i.path.join("."), i.message]);
}

const followed = plans.find((p) => p.camera?.move === "follow" && p.objects.length > 1)!;
const filmed = (): ScenePlan & { camera: NonNullable<ScenePlan["camera"]> } => structuredClone(followed) as ScenePlan & { camera: NonNullable<ScenePlan["camera"]> };

describe("plan schema", () => {
  it("accepts every Python plan unchanged, through JSON and back", () => {
    expect(plans.length).toBeGreaterThanOrEqual(40);
    for (const p of plans) expect(planSchema.parse(JSON.parse(JSON.stringify(p)))).toEqual(p);
  });

  it("fills what from_dict fills: words and relation", () => {
    const p = copy() as Record<string, unknown> & ScenePlan;
    delete (p as Partial<ScenePlan>).relation;
    delete (p.objects[0] as Partial<ScenePlan["objects"][number]>).words;
    const parsed = planSchema.parse(p);
    expect(parsed.relation).toBeNull();
    expect(parsed.objects[0]!.words).toBe("");
  });

  it("names a centre outside the frame, down to the frame", () => {
    const p = copy();
    p.objects[1]!.track.x[5] = p.width + 0.5;
    expect(paths(p)).toEqual(["objects.1.track.x.5"]);
    const q = copy();
    q.objects[0]!.track.y[0] = -1;
    expect(paths(q)).toEqual(["objects.0.track.y.0"]);
  });

  it("lets a hidden object be outside the frame, as from_dict does", () => {
    const p = copy();
    p.objects[0]!.track.x[3] = -40;
    p.objects[0]!.track.visible[3] = false;
    expect(planSchema.safeParse(p).success).toBe(true);
    p.objects[0]!.track.visible[3] = true;
    expect(paths(p)).toEqual(["objects.0.track.x.3"]);
  });

  it("names the objects past MAX_OBJECTS", () => {
    const p = copy();
    p.objects = [...p.objects, ...p.objects].map((o, i) => ({ ...o, id: `o${i + 1}` }));
    expect(p.objects.length).toBeGreaterThan(MAX_OBJECTS);
    expect(paths(p)).toEqual(["objects"]);
  });

  it("names a track array of the wrong length", () => {
    for (const key of ["x", "y", "diameter", "angle", "facing", "visible"] as const) {
      const p = copy();
      (p.objects[0]!.track[key] as unknown[]).pop();
      expect(paths(p)).toEqual([`objects.0.track.${key}`]);
    }
  });

  it("names unknown kinds, colours, sizes, motions, scenes and relations", () => {
    for (const key of ["kind", "colour", "size", "motion"] as const) {
      const p = copy();
      (p.objects[1] as Record<string, unknown>)[key] = "dragon";
      expect(paths(p)).toEqual([`objects.1.${key}`]);
    }
    expect(paths({ ...copy(), scene: "moon" })).toEqual(["scene"]);
    expect(paths({ ...copy(), relation: "inside" })).toEqual(["relation"]);
  });

  it("names frames beyond 60 s at the plan's fps", () => {
    const p = copy();
    const frames = 60 * p.fps + 2;
    const hold = <T>(a: T[]) => Array.from({ length: frames }, (_, i) => a[Math.min(i, a.length - 1)]!);
    p.frames = frames;
    p.objects = p.objects.map((o) => ({ ...o, track: { x: hold(o.track.x), y: hold(o.track.y), diameter: hold(o.track.diameter), angle: hold(o.track.angle), facing: hold(o.track.facing), visible: hold(o.track.visible) } }));
    expect(paths(p)).toEqual(["frames"]);
    expect(planSchema.safeParse({ ...p, fps: 24 }).success).toBe(true); // the same length is 20 s at 24 fps
  });

  it("names the rest of the contract's fields", () => {
    expect(paths({ ...copy(), version: 2 })).toEqual(["version"]);
    expect(paths({ ...copy(), width: copy().width + 4 })).toEqual(["width"]); // not a multiple of 8
    expect(paths({ ...copy(), fps: 61 })).toEqual(["fps"]);
    expect(paths({ ...copy(), background_seed: -1 })).toEqual(["background_seed"]);
    const facing = copy();
    facing.objects[0]!.track.facing[2] = 0 as 1;
    expect(paths(facing)).toEqual(["objects.0.track.facing.2"]);
    const diameter = copy();
    diameter.objects[0]!.track.diameter[3] = Number.NaN;
    expect(paths(diameter)).toEqual(["objects.0.track.diameter.3"]);
    const ids = copy();
    ids.objects[1]!.id = ids.objects[0]!.id;
    expect(paths(ids)).toEqual(["objects.1.id"]);
    const lonely = copy();
    lonely.objects = lonely.objects.slice(0, 1);
    expect(paths(lonely)).toEqual(["relation"]);
  });
});

describe("plan schema: the camera", () => {
  it("accepts Python's filmed plans, and no camera or a null one (a static camera)", () => {
    const moves = new Set(plans.flatMap((p) => (p.camera ? [p.camera.move] : [])));
    expect([...moves].sort()).toEqual(["follow", "pan-down", "pan-left", "pan-right", "pan-up", "zoom-in", "zoom-out"]);
    expect(planSchema.parse(filmed()).camera).toEqual(followed.camera);
    const { camera: _, ...none } = filmed();
    expect(planSchema.parse(none).camera).toBeUndefined();
    expect(planSchema.parse({ ...filmed(), camera: null }).camera).toBeNull();
    const untargeted = filmed() as Record<string, unknown> & ScenePlan;
    delete (untargeted.camera as Partial<NonNullable<ScenePlan["camera"]>>).target;
    expect(planSchema.parse(untargeted).camera!.target).toBeNull(); // from_dict reads a missing target as null
  });

  it("names a move the world does not have", () => {
    const p = filmed();
    (p.camera as { move: string }).move = "dolly-zoom";
    expect(paths(p)).toEqual(["camera.move"]);
  });

  it("names a zoom out of range down to the frame, as from_dict words it", () => {
    const p = filmed();
    p.camera.zoom[3] = 9;
    expect(issues(p)).toEqual([["camera.zoom.3", "must be a number in 0.25..4.0, got 9"]]);
    const q = filmed();
    q.camera.zoom[0] = 0.2;
    q.camera.zoom[1] = 0.1;
    expect(paths(q)).toEqual(["camera.zoom.0"]); // one issue per array: its first bad value
  });

  it("names a centre beyond a frame's width or height from the frame", () => {
    const p = filmed();
    p.camera.x[2] = 2 * p.width + 1;
    p.camera.y[4] = -p.height - 0.5;
    expect(issues(p)).toEqual([
      ["camera.x.2", `must be a number in ${-p.width}..${2 * p.width}, got ${2 * p.width + 1}`],
      ["camera.y.4", `must be a number in ${-p.height}..${2 * p.height}, got ${-p.height - 0.5}`],
    ]);
    const q = filmed();
    q.camera.x[1] = Number.POSITIVE_INFINITY;
    expect(paths(q)).toEqual(["camera.x.1"]);
  });

  it("names a camera array of the wrong length", () => {
    for (const key of ["x", "y", "zoom"] as const) {
      const p = filmed();
      p.camera[key].pop();
      expect(issues(p)).toEqual([[`camera.${key}`, `${p.frames - 1} values for ${p.frames} frames`]]);
    }
  });

  it("names a target that is no object's id", () => {
    const p = filmed();
    p.camera.target = "o9";
    expect(issues(p)).toEqual([["camera.target", 'must be null or an object\'s id, got "o9"']]);
    const q = filmed();
    q.objects = q.objects.filter((o) => o.id !== q.camera.target);
    q.relation = null;
    expect(paths(q)).toEqual(["camera.target"]);
    expect(paths({ ...filmed(), camera: { ...filmed().camera, target: 1 } })).toEqual(["camera.target"]);
  });
});
