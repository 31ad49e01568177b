/**
 * Issue #16 through the API: fps and aspect are job settings with the model's choices (400
 * naming the field for a value the model lacks, an old model directory included), a job at
 * 24 fps 16:9 makes a clip whose row and views carry its real size, and extend keeps it.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";

import { POST as createJob } from "../../app/api/jobs/route";
import { GET as openApiRoute } from "../../app/api/openapi.json/route";
import { POST as extendRoute } from "../../app/api/videos/[id]/extend/route";
import { POST as remixRoute } from "../../app/api/videos/[id]/remix/route";
import { GET as getVideoRoute } from "../../app/api/videos/[id]/route";
import { GET as listRoute } from "../../app/api/videos/route";
import { pipelineHandler } from "../../lib/queue/handlers";
import { createWorker } from "../../lib/queue/worker";
import { ROOT, type TestDb } from "../queue/helpers";
import { apiTestDb, body, newCaller, params, request } from "./helpers";

const STUB = path.join(ROOT, "tests/pipeline/fixtures/stub-model");
const tmp = mkdtempSync(path.join(tmpdir(), "spacetime-api-shapes-"));

/** The stub without outputs/aspects: a model directory written before them. */
function oldModel(): string {
  const dir = path.join(tmp, "old");
  cpSync(STUB, dir, { recursive: true });
  const m = JSON.parse(readFileSync(path.join(dir, "model.json"), "utf8"));
  delete m.outputs;
  delete m.aspects;
  delete m.defaults.fps;
  delete m.defaults.aspect;
  delete m.files.vae_decoder_24;
  writeFileSync(path.join(dir, "model.json"), JSON.stringify(m));
  return dir;
}

let t: TestDb;
beforeEach(() => {
  t = apiTestDb();
  process.env.SPACETIME_MODEL_DIR = STUB;
});
afterEach(() => t.cleanup());
afterAll(() => {
  delete process.env.SPACETIME_MODEL_DIR;
  rmSync(tmp, { recursive: true, force: true });
});

async function refused(settings: Record<string, unknown>, field: string, message: RegExp) {
  const res = await createJob(request("POST", "/api/jobs", { caller: newCaller(), body: { prompt: "a ball", ...settings } }));
  expect(res.status, JSON.stringify(settings)).toBe(400);
  const { error } = await body(res);
  expect(error.message).toMatch(new RegExp(`(^|[ :;])${field}: `));
  expect(error.message).toMatch(message);
}

describe("fps and aspect in POST /api/jobs", () => {
  it("400 naming the field for a value the model lacks, and nothing queued", async () => {
    await refused({ fps: 30 }, "fps", /8 or 24 fps/);
    await refused({ fps: "24" }, "fps", /number/);
    await refused({ aspect: "4:3" }, "aspect", /1:1, 16:9, 9:16/);
    await refused({ aspect: 169 }, "aspect", /string/);
    expect(await t.db.run((q) => q.job.count())).toBe(0);
  });

  it("an old model directory allows only 8 fps and 1:1", async () => {
    process.env.SPACETIME_MODEL_DIR = oldModel();
    await refused({ fps: 24 }, "fps", /this model makes clips at 8 fps/);
    await refused({ aspect: "16:9" }, "aspect", /this model draws 1:1 \(/);
    const ok = await createJob(request("POST", "/api/jobs", { caller: newCaller(), body: { prompt: "a ball", fps: 8, aspect: "1:1" } }));
    expect(ok.status).toBe(202);
  });

  it("OpenAPI lists the model's choices", async () => {
    const doc = await body(await openApiRoute(request("GET", "/api/openapi.json")));
    const p = doc.paths["/api/jobs"].post.requestBody.content["application/json"].schema.properties;
    expect(p.fps.enum).toEqual([8, 24]);
    expect(p.aspect.enum).toEqual(["1:1", "16:9", "9:16"]);
  });

  it("a 24-fps 16:9 job makes a clip of its real size; the views and extend keep it", async () => {
    const worker = createWorker({ handler: pipelineHandler({ modelDir: STUB, threads: 1 }), db: t.db, id: "w", mediaRoot: t.media, log: () => {} });
    const alice = newCaller();
    const res = await createJob(request("POST", "/api/jobs", { caller: alice, body: { prompt: "a red ball", seed: 3, steps: 1, fps: 24, aspect: "16:9" } }));
    expect(res.status).toBe(202);
    const jobId = (await body(res)).jobs[0].id as string;
    expect(await worker.runOnce()).toBe(true);
    const row = await t.db.run((q) => q.video.findUniqueOrThrow({ where: { jobId } }));
    expect([row.width, row.height, row.fps, row.frames, row.aspect]).toEqual([96, 64, 24, 25, "16:9"]);
    const { video } = await body(await getVideoRoute(request("GET", `/api/videos/${row.id}`, { caller: alice }), params({ id: row.id })));
    expect(video).toMatchObject({ width: 96, height: 64, fps: 24, aspect: "16:9", frames: 25 });
    const list = await body(await listRoute(request("GET", "/api/videos?scope=mine", { caller: alice })));
    expect(list.videos[0]).toMatchObject({ width: 96, height: 64, aspect: "16:9" });

    const ext = await extendRoute(request("POST", `/api/videos/${row.id}/extend`, { caller: alice, body: {} }), params({ id: row.id }));
    expect(ext.status).toBe(202);
    expect(await worker.runOnce()).toBe(true);
    const longer = await t.db.run((q) => q.video.findFirstOrThrow({ where: { NOT: { id: row.id } } }));
    expect([longer.width, longer.height, longer.fps, longer.aspect, longer.frames]).toEqual([96, 64, 24, "16:9", 25 + 4 * 6]);
  });

  it("remix changes the shape and keeps the clip's seconds; a bad one is a 400 naming the field", async () => {
    const worker = createWorker({ handler: pipelineHandler({ modelDir: STUB, threads: 1 }), db: t.db, id: "w", mediaRoot: t.media, log: () => {} });
    const alice = newCaller();
    const res = await createJob(request("POST", "/api/jobs", { caller: alice, body: { prompt: "a red ball", seed: 3, steps: 1, fps: 24, aspect: "16:9" } }));
    const jobId = (await body(res)).jobs[0].id as string;
    expect(await worker.runOnce()).toBe(true);
    const clip = await t.db.run((q) => q.video.findUniqueOrThrow({ where: { jobId } }));
    const remix = (b: unknown) => remixRoute(request("POST", `/api/videos/${clip.id}/remix`, { caller: alice, body: b }), params({ id: clip.id }));

    for (const [b, field] of [[{ fps: 30 }, "fps"], [{ aspect: "4:3" }, "aspect"]] as const) {
      const bad = await remix(b);
      expect(bad.status).toBe(400);
      expect((await body(bad)).error.message).toMatch(new RegExp(`(^|[ :;])${field}: `));
    }
    expect((await remix({ fps: 8, aspect: "9:16" })).status).toBe(202);
    expect(await worker.runOnce()).toBe(true);
    const made = await t.db.run((q) => q.video.findFirstOrThrow({ where: { NOT: { id: clip.id } } }));
    // 25 frames at 24 fps are 1 s; at 8 fps that is 9 frames.
    expect([made.fps, made.aspect, made.width, made.height, made.frames]).toEqual([8, "9:16", 32, 48, 9]);
  });
});
