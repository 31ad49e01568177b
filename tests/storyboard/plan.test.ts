// A storyboard is one plan: the same object continues across shots from where it was, new
// objects enter, unnamed ones leave, counts stay exact and everything stays in frame.
import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { PlanError } from "../../lib/plan/errors";
import { parse } from "../../lib/plan/parser";
import { planPrompt } from "../../lib/plan/prompt";
import { planSchema, type PlanObject, type ScenePlan } from "../../lib/plan/schema";
import { continuePlan, planStoryboard } from "../../lib/storyboard/plan";
import { shotSpans } from "../../lib/storyboard/timing";

const FRAME = { width: 128, height: 128, fps: 8 };

const shots = (...s: [string, number][]) => s.map(([prompt, seconds]) => ({ prompt, seconds }));

/** Largest move of an object's centre from one frame to the next inside [from, to). */
function largestStep(o: PlanObject, from: number, to: number): number {
  let most = 0;
  for (let f = from + 1; f < to; f++) most = Math.max(most, Math.hypot(o.track.x[f]! - o.track.x[f - 1]!, o.track.y[f]! - o.track.y[f - 1]!));
  return most;
}

const at = (o: PlanObject, f: number) => ({ x: o.track.x[f]!, y: o.track.y[f]! });

/** Visible objects in frame f: inside the frame by their radius, and apart from each other. */
function checkFrame(plan: ScenePlan, f: number): void {
  const seen = plan.objects.filter((o) => o.track.visible[f]);
  for (const o of seen) {
    const r = o.track.diameter[f]! / 2;
    expect(o.track.x[f]!).toBeGreaterThanOrEqual(r);
    expect(o.track.x[f]!).toBeLessThanOrEqual(plan.width - r);
    expect(o.track.y[f]!).toBeGreaterThanOrEqual(r);
    expect(o.track.y[f]!).toBeLessThanOrEqual(plan.height - r);
  }
  for (let i = 0; i < seen.length; i++) {
    for (let j = i + 1; j < seen.length; j++) {
      const [a, b] = [seen[i]!.track, seen[j]!.track];
      expect(Math.hypot(a.x[f]! - b.x[f]!, a.y[f]! - b.y[f]!)).toBeGreaterThan((a.diameter[f]! + b.diameter[f]!) / 2);
    }
  }
}

describe("planStoryboard", () => {
  it("plans a one-shot storyboard exactly as its prompt", () => {
    for (const [prompt, seed] of [["a red ball bouncing in the snow", 7], ["two blue cubes spinning at night", 3], ["a green car left of a red ball", 11]] as const) {
      const frames = 4 * FRAME.fps + 1;
      expect(planStoryboard(shots([prompt, 4]), FRAME, seed)).toEqual(planPrompt(prompt, { ...FRAME, frames }, seed));
    }
  });

  it("is one plan of the shots' summed length", () => {
    const plan = planStoryboard(shots(["a red ball bouncing in the snow", 4], ["a red ball moving right in the snow", 2.5]), FRAME, 7)!;
    expect(plan.frames).toBe(6.5 * 8 + 1);
    expect(planSchema.safeParse(plan).success).toBe(true);
  });

  it("continues the same red ball in shot 2 from where it ended in shot 1", () => {
    for (const seed of [1, 7, 42, 1234]) {
      const plan = planStoryboard(shots(["a red ball bouncing in the snow", 4], ["a red ball moving right in the snow", 4]), FRAME, seed)!;
      expect(plan.objects.map((o) => o.id)).toEqual(["o1"]);
      const ball = plan.objects[0]!;
      const cut = 32; // shot 2's first frame
      expect(ball.track.visible.every(Boolean)).toBe(true);
      // No jump at the cut: the step into shot 2 is no larger than the ball's steps inside the shots.
      const step = Math.hypot(at(ball, cut).x - at(ball, cut - 1).x, at(ball, cut).y - at(ball, cut - 1).y);
      expect(step).toBeLessThanOrEqual(Math.max(largestStep(ball, 0, cut), largestStep(ball, cut, plan.frames)) + 1e-9);
      // Shot 2's motion: it moves right (until its stretch ends) and no longer bounces.
      expect(ball.track.x[cut + 4]!).toBeGreaterThan(ball.track.x[cut]!);
      expect(new Set(ball.track.y.slice(cut).map((y) => y.toFixed(6))).size).toBe(1);
    }
  });

  it("starts a re-named object exactly one frame of its new motion on from its last place", () => {
    // A still ball, then a still ball: it stays exactly where it was.
    const plan = planStoryboard(shots(["a red ball in the snow", 2], ["a big red ball in the snow", 2]), FRAME, 5)!;
    const ball = plan.objects[0]!;
    expect(plan.objects).toHaveLength(1);
    expect(at(ball, 16)).toEqual(at(ball, 15));
    expect(ball.track.diameter[16]).toBeGreaterThan(ball.track.diameter[15]!); // the new shot's size
  });

  it("lets objects enter and leave, keeping ids, and brings a returning object back where it left", () => {
    const plan = planStoryboard(shots(["a red ball in the snow", 2], ["a red ball and a blue car in the snow", 2], ["a blue car moving left", 2], ["the red ball", 2]), FRAME, 9)!;
    const [ball, car] = plan.objects;
    expect(plan.objects.map((o) => [o.id, o.kind, o.colour])).toEqual([["o1", "ball", "red"], ["o2", "car", "blue"]]);
    const visible = (o: PlanObject, f0: number, f1: number) => o.track.visible.slice(f0, f1);
    expect(visible(ball!, 0, 32).every(Boolean) && !visible(ball!, 32, 48).some(Boolean) && visible(ball!, 48, 65).every(Boolean)).toBe(true);
    expect(!visible(car!, 0, 16).some(Boolean) && visible(car!, 16, 48).every(Boolean) && !visible(car!, 48, 65).some(Boolean)).toBe(true);
    expect(at(ball!, 48)).toEqual(at(ball!, 31)); // still, so it is back exactly where it left
    expect(planSchema.safeParse(plan).success).toBe(true);
  });

  it("keeps counts exact, objects apart and in frame, for any storyboard", () => {
    const prompt = fc.constantFrom(
      "a red ball bouncing",
      "a red ball moving right",
      "two red balls",
      "a red ball and a blue car",
      "a blue car moving left in the desert",
      "three green cubes spinning",
      "a small red ball growing",
      "a big blue car moving up",
      "a blue car left of a red ball",
      "a snowy field",
    );
    const storyboard = fc.array(fc.record({ prompt, seconds: fc.constantFrom(0.5, 1, 1.5, 3, 6) }), { minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(storyboard, fc.integer({ min: 0, max: 0xffffffff }), (board, seed) => {
        let plan: ScenePlan | null;
        try {
          plan = planStoryboard(board, FRAME, seed);
        } catch (err) {
          // Only one refusal: more distinct objects than a plan holds.
          expect(err).toBeInstanceOf(PlanError);
          expect((err as Error).message).toMatch(/more than 3 different objects/);
          return;
        }
        if (!plan) {
          expect(board.every((s) => parse(s.prompt).spec === null)).toBe(true);
          return;
        }
        expect(planSchema.safeParse(plan).success).toBe(true);
        const { spans } = shotSpans(board, FRAME.fps);
        board.forEach((s, k) => {
          const named = parse(s.prompt).spec?.subjects.reduce((n, x) => n + x.count, 0) ?? 0;
          for (let f = spans[k]!.start; f < spans[k]!.start + spans[k]!.frames; f++) {
            expect(plan!.objects.filter((o) => o.track.visible[f]).length).toBe(named);
            checkFrame(plan!, f);
          }
        });
      }),
      { numRuns: 150 },
    );
  });

  it("refuses more different objects than a plan holds, naming the shot", () => {
    expect(() => planStoryboard(shots(["a red ball and a blue car", 2], ["a green cube and a white bird", 2]), FRAME, 1)).toThrow(/shots\.1: the shots name more than 3/);
  });

  it("makes a storyboard that names no object from text alone", () => {
    expect(planStoryboard(shots(["a snowy field", 2], ["night falls", 2]), FRAME, 1)).toBeNull();
  });
});

describe("continuePlan (Continue from here)", () => {
  const clip = planPrompt("a red ball moving right in the snow", { ...FRAME, frames: 17 }, 3)!;

  it("keeps the plan up to the cut; a named object goes on from where it is, under the new motion", () => {
    const plan = continuePlan(clip, 9, { prompt: "a red ball moving left", frames: 16 }, 3);
    expect(planSchema.safeParse(plan).success).toBe(true);
    expect(plan.frames).toBe(25);
    const [was] = clip.objects;
    const [ball] = plan.objects;
    expect(plan.objects).toHaveLength(1);
    for (const k of ["x", "y", "diameter", "visible"] as const) expect(ball!.track[k].slice(0, 9)).toEqual(was!.track[k].slice(0, 9));
    expect(largestStep(ball!, 8, 10)).toBeLessThanOrEqual(largestStep(was!, 0, 9) + 1e-9); // no jump at the cut
    expect(ball!.track.x[24]!).toBeLessThan(ball!.track.x[8]!);
    expect(ball!.track.visible.every(Boolean)).toBe(true);
    for (let f = 0; f < plan.frames; f++) checkFrame(plan, f);
  });

  it("an object the prompt does not name leaves, held where it was; a new one enters", () => {
    const plan = continuePlan(clip, 9, { prompt: "a blue cube spinning", frames: 8 }, 3);
    const [ball, cube] = plan.objects;
    expect(cube).toMatchObject({ kind: "cube", colour: "blue" });
    expect(ball!.track.visible.slice(9)).toEqual(Array(8).fill(false));
    expect(at(ball!, 16)).toEqual(at(clip.objects[0]!, 8));
    expect(cube!.track.visible.slice(0, 9)).toEqual(Array(9).fill(false));
    expect(cube!.track.visible.slice(9)).toEqual(Array(8).fill(true));
  });

  it("refuses a cut outside the plan", () => {
    expect(() => continuePlan(clip, 0, { prompt: "a red ball", frames: 4 }, 3)).toThrow(PlanError);
    expect(() => continuePlan(clip, 18, { prompt: "a red ball", frames: 4 }, 3)).toThrow(/at: 18 is not a frame of the plan's 17/);
  });
});
