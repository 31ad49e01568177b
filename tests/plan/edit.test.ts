// editPlan (lib/plan/edit.ts): each edit, every result schema-valid, and the undo history.
import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { bounceOf, compactPlan, editPlan, editPlanChecked, endOf, historyOf, pushHistory, startOf, undoHistory, type PlanEdit } from "@/lib/plan/edit";
import { PlanError } from "@/lib/plan/errors";
import { planPrompt } from "@/lib/plan/prompt";
import { planSchema, type ScenePlan } from "@/lib/plan/schema";
import { COLOURS, MAX_OBJECTS, MOTIONS, OBJECTS, SIZES } from "@/lib/plan/vocab";

const FRAME = { width: 128, height: 128, fps: 8, frames: 17 };
const plan = (prompt: string, seed = 3, frame = FRAME): ScenePlan => {
  const p = planPrompt(prompt, frame, seed);
  if (!p) throw new Error(`no plan for ${prompt}`);
  return p;
};
const valid = (p: ScenePlan) => {
  const r = planSchema.safeParse(p);
  expect(r.success, r.success ? "" : JSON.stringify(r.error.issues.slice(0, 3))).toBe(true);
};
const last = <T>(a: T[]) => a[a.length - 1]!;

describe("move", () => {
  it("re-makes the track from the new end: straight, every frame, renamed after its direction", () => {
    const p = editPlan(plan("a red ball moving right"), { type: "move", id: "o1", handle: "start", to: { x: 100, y: 64 } });
    const o = p.objects[0]!;
    const start = startOf(o);
    expect(start).toEqual({ x: 100, y: 64 });
    const next = editPlan(p, { type: "move", id: "o1", handle: "end", to: { x: 20, y: start.y } });
    valid(next);
    const n = next.objects[0]!;
    expect(startOf(n)).toEqual(start);
    expect(endOf(n).x).toBeCloseTo(20, 6);
    expect(n.motion).toBe("left");
    expect(n.words).toBe("medium red ball left");
    // Constant speed from start to end.
    const steps = n.track.x.slice(1).map((x, t) => x - n.track.x[t]!);
    for (const s of steps) expect(s).toBeCloseTo(steps[0]!, 9);
    expect(p.objects[0]).toBe(o); // the input is left as it was
  });

  it("moves the start and keeps the end", () => {
    const p = plan("a blue car moving left");
    const end = endOf(p.objects[0]!);
    const next = editPlan(p, { type: "move", id: "o1", handle: "start", to: { x: 10, y: 30 } });
    valid(next);
    expect(startOf(next.objects[0]!)).toEqual({ x: 11 + 3.5, y: 30 }); // clamped: radius + margin from the edge
    expect(endOf(next.objects[0]!)).toEqual(end);
    expect(next.objects[0]!.track.facing.every((f) => f === (end.x > 10 ? 1 : -1))).toBe(true);
  });

  it("clamps to the frame: the object stays wholly inside, margin included", () => {
    const p = plan("a big green cube moving up");
    const next = editPlan(p, { type: "move", id: "o1", handle: "end", to: { x: 999, y: -50 } });
    valid(next);
    const o = next.objects[0]!;
    const r = o.track.diameter[0]! / 2;
    expect(endOf(o).x).toBeLessThanOrEqual(128 - r);
    expect(endOf(o).y).toBeGreaterThanOrEqual(r);
    expect(endOf(o).y).toBeLessThan(startOf(o).y);
  });

  it("a still object's start carries it whole; its end makes it move", () => {
    const p = plan("a yellow star");
    expect(p.objects[0]!.motion).toBe("still");
    const moved = editPlan(p, { type: "move", id: "o1", handle: "start", to: { x: 40, y: 40 } });
    expect(moved.objects[0]!.motion).toBe("still");
    expect(endOf(moved.objects[0]!)).toEqual({ x: 40, y: 40 });
    const going = editPlan(moved, { type: "move", id: "o1", handle: "end", to: { x: 40, y: 100 } });
    valid(going);
    expect(going.objects[0]!.motion).toBe("down");
    expect(last(going.objects[0]!.track.y)).toBeCloseTo(100, 6);
  });

  it("a bouncing object bounces on a floor through its start and under its end, apex inside the frame", () => {
    const p = plan("a red ball bouncing");
    const next = editPlan(p, { type: "move", id: "o1", handle: "end", to: { x: 110, y: 90 } });
    valid(next);
    const o = next.objects[0]!;
    expect(o.motion).toBe("bouncing");
    const b = bounceOf(o, next)!;
    expect(b.height).toBeGreaterThan(10);
    expect(endOf(o).x).toBeCloseTo(110, 6);
    expect(endOf(o).y).toBeCloseTo(90, 6);
    const r = o.track.diameter[0]! / 2;
    for (const y of o.track.y) {
      expect(y).toBeGreaterThanOrEqual(r);
      expect(y).toBeLessThanOrEqual(128 - r);
    }
    // It leaves the floor: the track is not a straight line.
    expect(Math.min(...o.track.y)).toBeLessThan(Math.min(startOf(o).y, endOf(o).y) - 5);
  });

  it("a spinning object keeps spinning while it travels", () => {
    const p = plan("a pink star spinning");
    const a = p.objects[0]!.track.angle;
    const next = editPlan(p, { type: "move", id: "o1", handle: "end", to: { x: 20, y: 20 } });
    const o = next.objects[0]!;
    expect(o.motion).toBe("spinning");
    expect(o.track.angle[0]).toBeCloseTo(a[0]!, 9);
    expect(o.track.angle[5]! - o.track.angle[4]!).toBeCloseTo(a[5]! - a[4]!, 9);
  });

  it("drops a relation that no longer holds, keeps one that does", () => {
    const p = plan("a red ball left of a blue cube");
    expect(p.relation).toBe("left of");
    const [a, b] = p.objects;
    const kept = editPlan(p, { type: "move", id: a!.id, handle: "end", to: { x: startOf(a!).x - 2, y: startOf(a!).y } });
    expect(kept.relation).toBe("left of");
    const broken = editPlan(p, { type: "move", id: a!.id, handle: "end", to: { x: 125, y: startOf(b!).y } });
    valid(broken);
    expect(broken.relation).toBeNull();
  });
});

describe("attributes", () => {
  it("motion: to a direction it travels one clip's distance that way; to still it stays put", () => {
    const p = plan("a red ball");
    const right = editPlan(p, { type: "motion", id: "o1", motion: "right" });
    valid(right);
    const o = right.objects[0]!;
    expect(o.motion).toBe("right");
    expect(endOf(o).x - startOf(o).x).toBeGreaterThan(20);
    const still = editPlan(right, { type: "motion", id: "o1", motion: "still" });
    expect(new Set(still.objects[0]!.track.x).size).toBe(1);
    const growing = editPlan(p, { type: "motion", id: "o1", motion: "growing" });
    valid(growing);
    const d = growing.objects[0]!.track.diameter;
    expect(Math.max(...d) / Math.min(...d)).toBeGreaterThan(1.5);
  });

  it("size: every frame's diameter, and the object still fits", () => {
    const p = plan("a small red ball moving right");
    const next = editPlan(p, { type: "size", id: "o1", size: "big" });
    valid(next);
    expect(next.objects[0]!.size).toBe("big");
    expect(next.objects[0]!.track.diameter[0]).toBeCloseTo(31, 6);
    expect(next.objects[0]!.words).toBe("big red ball right");
  });

  it("colour: only the colour and words change", () => {
    const p = plan("a red ball moving right");
    const next = editPlan(p, { type: "colour", id: "o1", colour: "blue" });
    valid(next);
    expect(next.objects[0]!.colour).toBe("blue");
    expect(next.objects[0]!.track).toBe(p.objects[0]!.track);
  });

  it("refuses unknown ids and attributes by name", () => {
    const p = plan("a red ball");
    expect(() => editPlan(p, { type: "colour", id: "o9", colour: "blue" })).toThrow(/o9/);
    expect(() => editPlan(p, { type: "colour", id: "o1", colour: "mauve" })).toThrow(PlanError);
    expect(() => editPlan(p, { type: "motion", id: "o1", motion: "teleporting" })).toThrow(/motion/);
  });
});

describe("add and remove", () => {
  it("adds up to the vocabulary's maximum, with fresh ids, away from the others", () => {
    let p = plan("a red ball");
    for (let n = p.objects.length; n < MAX_OBJECTS; n++) {
      p = editPlanChecked(p, { type: "add", kind: "fish", colour: "orange", size: "small", motion: "left" });
    }
    expect(p.objects.map((o) => o.id)).toEqual(["o1", "o2", "o3"]);
    expect(new Set(p.objects.map((o) => o.id)).size).toBe(MAX_OBJECTS);
    const a = startOf(p.objects[0]!);
    const b = startOf(p.objects[1]!);
    expect(Math.hypot(a.x - b.x, a.y - b.y)).toBeGreaterThan(30);
    expect(() => editPlan(p, { type: "add", kind: "ball", colour: "red", size: "small", motion: "still" })).toThrow(/at most 3/);
  });

  it("removes an object; removing one of a relation's pair drops the relation; ids stay unique after re-adding", () => {
    const p = plan("a red ball left of a blue cube");
    const gone = editPlan(p, { type: "remove", id: "o1" });
    valid(gone);
    expect(gone.objects.map((o) => o.id)).toEqual(["o2"]);
    expect(gone.relation).toBeNull();
    const back = editPlanChecked(gone, { type: "add", kind: "ball", colour: "red", size: "medium", motion: "still" });
    expect(new Set(back.objects.map((o) => o.id)).size).toBe(2);
    const empty = editPlan(gone, { type: "remove", id: "o2" });
    valid(empty);
    expect(empty.objects).toEqual([]);
  });
});

describe("any sequence of edits gives a plan the API takes", () => {
  const edit = fc.oneof(
    fc.record({ type: fc.constant("move" as const), id: fc.constantFrom("o1", "o2", "o3"), handle: fc.constantFrom("start" as const, "end" as const), to: fc.record({ x: fc.double({ min: -200, max: 400, noNaN: true }), y: fc.double({ min: -200, max: 400, noNaN: true }) }) }),
    fc.record({ type: fc.constant("motion" as const), id: fc.constantFrom("o1", "o2", "o3"), motion: fc.constantFrom(...MOTIONS) }),
    fc.record({ type: fc.constant("size" as const), id: fc.constantFrom("o1", "o2", "o3"), size: fc.constantFrom(...SIZES) }),
    fc.record({ type: fc.constant("colour" as const), id: fc.constantFrom("o1", "o2", "o3"), colour: fc.constantFrom(...COLOURS) }),
    fc.record({ type: fc.constant("add" as const), kind: fc.constantFrom(...OBJECTS), colour: fc.constantFrom(...COLOURS), size: fc.constantFrom(...SIZES), motion: fc.constantFrom(...MOTIONS) }),
    fc.record({ type: fc.constant("remove" as const), id: fc.constantFrom("o1", "o2", "o3") }),
  );
  const frames = [FRAME, { width: 64, height: 64, fps: 8, frames: 9 }, { width: 160, height: 96, fps: 8, frames: 41 }];

  it("schema-valid after every step (edits that cannot apply throw PlanError and change nothing)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...frames), fc.array(edit, { maxLength: 12 }), fc.nat(1000), (frame, edits, seed) => {
        let p = plan("a red ball bouncing and a blue car moving left", seed, frame);
        for (const e of edits as PlanEdit[]) {
          try {
            p = editPlan(p, e);
          } catch (err) {
            expect(err).toBeInstanceOf(PlanError);
          }
          valid(p);
          for (const o of p.objects) {
            const r = Math.min(...o.track.diameter) / 2;
            for (const x of o.track.x) expect(x).toBeGreaterThanOrEqual(r - 1e-9);
            for (const y of o.track.y) expect(y).toBeLessThanOrEqual(frame.height - r + 1e-9);
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe("compactPlan", () => {
  it("rounds tracks to 1/100 px, stays schema-valid, and shrinks the JSON", () => {
    const p = editPlan(plan("a red ball bouncing and a blue car moving left and a big star spinning"), { type: "move", id: "o1", handle: "end", to: { x: 127.999, y: 0 } });
    const c = compactPlan(p);
    valid(c);
    expect(JSON.stringify(c).length).toBeLessThan(JSON.stringify(p).length * 0.6);
    c.objects.forEach((o, i) => o.track.x.forEach((x, t) => expect(Math.abs(x - p.objects[i]!.track.x[t]!)).toBeLessThanOrEqual(0.005)));
  });
});

describe("undo history", () => {
  it("pushes, undoes in order, stops at the first plan, caps its length", () => {
    const p0 = plan("a red ball");
    const p1 = editPlan(p0, { type: "colour", id: "o1", colour: "blue" });
    const p2 = editPlan(p1, { type: "size", id: "o1", size: "big" });
    let h = historyOf(p0);
    expect(pushHistory(h, p0)).toBe(h); // no change, no entry
    h = pushHistory(pushHistory(h, p1), p2);
    expect(h.past.length).toBe(2);
    h = undoHistory(h);
    expect(h.present).toBe(p1);
    h = undoHistory(h);
    expect(h.present).toBe(p0);
    expect(undoHistory(h)).toBe(h);
    let long = historyOf(p0);
    for (let i = 0; i < 5; i++) long = pushHistory(long, editPlan(long.present, { type: "colour", id: "o1", colour: COLOURS[i]! }), 3);
    expect(long.past.length).toBe(3);
  });
});
