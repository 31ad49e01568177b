/**
 * The settings contract (lib/pipeline/contract.ts) end to end: for every setting, each bound
 * the model's manifest gives (the stub model of tests/pipeline/fixtures) is accepted by
 * POST /api/jobs and the job then runs to a clip on the real pipeline; one past it is a 400
 * naming the field, and nothing is queued. /api/openapi.json advertises the same bounds.
 */
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { GET as openApiRoute } from "../../app/api/openapi.json/route";
import { POST as createJob } from "../../app/api/jobs/route";
import { getJob } from "../../lib/db/jobs";
import { MAX_EXTEND, settingsLimits } from "../../lib/pipeline/contract";
import { readManifest } from "../../lib/pipeline/manifest";
import { pipelineHandler } from "../../lib/queue/handlers";
import { createWorker } from "../../lib/queue/worker";
import { ROOT, type TestDb } from "../queue/helpers";
import { apiTestDb, body, newCaller, request } from "./helpers";

const STUB_MODEL = path.join(ROOT, "tests/pipeline/fixtures/stub-model");
const manifest = readManifest(STUB_MODEL);

let t: TestDb;
beforeAll(() => {
  process.env.SPACETIME_MODEL_DIR = STUB_MODEL;
});
afterAll(() => {
  delete process.env.SPACETIME_MODEL_DIR;
});
beforeEach(() => {
  t = apiTestDb();
});
afterEach(() => t.cleanup());

type Bounds = Record<string, { minimum?: number; maximum?: number; minLength?: number; maxLength?: number; enum?: (string | number)[] }>;

async function advertised(): Promise<Bounds> {
  const doc = await body(await openApiRoute(request("GET", "/api/openapi.json")));
  return doc.paths["/api/jobs"].post.requestBody.content["application/json"].schema.properties;
}

const text = (n: number) => "a red ball ".repeat(Math.ceil(n / 11)).slice(0, n - 1) + "x";

describe("the settings contract", () => {
  it("OpenAPI advertises the manifest's bounds", async () => {
    const p = await advertised();
    expect(p.steps).toMatchObject({ minimum: manifest.limits.steps[0], maximum: manifest.limits.steps[1] });
    expect(p.guidance).toMatchObject({ minimum: manifest.limits.guidance[0], maximum: manifest.limits.guidance[1] });
    expect(p.seed).toMatchObject({ minimum: manifest.limits.seed[0], maximum: manifest.limits.seed[1] });
    expect(p.prompt).toMatchObject({ maxLength: manifest.limits.prompt_chars });
    expect(p.negativePrompt).toMatchObject({ maxLength: manifest.limits.prompt_chars });
    expect(p.extend).toMatchObject({ minimum: 0, maximum: MAX_EXTEND });
    // The longest clip: the first window, then MAX_EXTEND extensions of its new frames.
    expect(p.frames!.minimum).toBe(1);
    expect(p.frames!.maximum).toBeGreaterThan(manifest.video.frames);
  });

  it("past each bound: 400 naming the field, nothing queued", async () => {
    const p = await advertised();
    const [seedLo, seedHi] = manifest.limits.seed;
    const [stepsLo, stepsHi] = manifest.limits.steps;
    const [gLo, gHi] = manifest.limits.guidance;
    const chars = manifest.limits.prompt_chars;
    const past: [string, Record<string, unknown>][] = [
      ["prompt", { prompt: text(chars + 1) }],
      ["prompt", { prompt: "   " }],
      ["negativePrompt", { negativePrompt: text(chars + 1) }],
      ["negativePrompt", { negativePrompt: "blurry", guidance: 1 }], // guidance 1 has no unconditional row to steer
      ["seed", { seed: seedLo - 1 }],
      ["seed", { seed: seedHi + 1 }],
      ["steps", { steps: stepsLo - 1 }],
      ["steps", { steps: stepsHi + 1 }],
      ["guidance", { guidance: gLo - 0.01 }],
      ["guidance", { guidance: gHi + 0.01 }],
      ["frames", { frames: p.frames!.minimum! - 1 }],
      ["frames", { frames: p.frames!.maximum! + 1 }],
      ["frames", { frames: settingsLimits(manifest).framesMax[String(manifest.video.fps)]! + 1, fps: manifest.video.fps }],
      ["extend", { extend: -1 }],
      ["extend", { extend: p.extend!.maximum! + 1 }],
      ["scheduler", { scheduler: "not-a-scheduler" }],
    ];
    const alice = newCaller();
    for (const [field, settings] of past) {
      const res = await createJob(request("POST", "/api/jobs", { caller: alice, body: { prompt: "a ball", ...settings } }));
      expect(res.status, `${JSON.stringify(settings).slice(0, 80)}`).toBe(400);
      const { error } = await body(res);
      expect(error.code).toBe("BAD_REQUEST");
      expect(error.message).toMatch(new RegExp(`(^|[ :;])${field}: `));
    }
    expect(await t.db.run((q) => q.job.count())).toBe(0);
  });

  it("at each bound: 202, and the job runs to a clip", async () => {
    const p = await advertised();
    const chars = manifest.limits.prompt_chars;
    const at: Record<string, unknown>[] = [
      { prompt: text(chars) },
      { negativePrompt: text(chars) },
      ...manifest.limits.seed.map((seed) => ({ seed })),
      ...manifest.limits.steps.map((steps) => ({ steps })),
      ...manifest.limits.guidance.map((guidance) => ({ guidance })),
      { frames: p.frames!.minimum },
      // frames' bound is the top fps's (issue 16: 24 fps has 3x the frames per latent frame).
      { frames: p.frames!.maximum, fps: Math.max(...(p.fps!.enum as number[])) },
      { frames: settingsLimits(manifest).framesMax[String(manifest.video.fps)], fps: manifest.video.fps },
      { extend: 0 },
      { extend: p.extend!.maximum },
    ];
    const worker = createWorker({ handler: pipelineHandler({ modelDir: STUB_MODEL, threads: 1 }), db: t.db, id: "w", mediaRoot: t.media, log: () => {} });
    const alice = newCaller();
    for (const settings of at) {
      const res = await createJob(request("POST", "/api/jobs", { caller: alice, body: { prompt: "a ball", ...settings } }));
      expect(res.status, JSON.stringify(settings).slice(0, 80)).toBe(202);
      const id = (await body(res)).jobs[0].id as string;
      expect(await worker.runOnce()).toBe(true);
      const job = await getJob({ db: t.db, jobId: id });
      expect(job, JSON.stringify(settings).slice(0, 80)).toMatchObject({ state: "succeeded", error: null });
      const video = await t.db.run((q) => q.video.findUniqueOrThrow({ where: { jobId: id } }));
      if (typeof settings.frames === "number") expect(video.frames).toBe(settings.frames);
      if (typeof settings.seed === "number") expect(Number(video.seed)).toBe(settings.seed);
      if (typeof settings.steps === "number") expect(video.steps).toBe(settings.steps);
      if (typeof settings.guidance === "number") expect(video.guidance).toBe(settings.guidance);
    }
  });
});
