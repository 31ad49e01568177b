/**
 * Scene plans through the API, on the planned stub model (tests/pipeline/fixtures): a plan sent
 * with POST /api/jobs is checked against the model (400 naming the field), kept with the job,
 * followed by the worker, kept with the clip and written into its MP4, carried by remix and
 * held over the added frames by extend. Without a plan the worker plans the prompt and the clip
 * keeps that plan; plan: null is text alone.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

import { GET as getJobRoute } from "../../app/api/jobs/[id]/route";
import { POST as createJobRoute } from "../../app/api/jobs/route";
import { POST as extendRoute } from "../../app/api/videos/[id]/extend/route";
import { GET as planRoute } from "../../app/api/videos/[id]/plan/route";
import { POST as remixRoute } from "../../app/api/videos/[id]/remix/route";
import { GET as getVideoRoute } from "../../app/api/videos/[id]/route";
import { planBounds, planProblems } from "../../lib/pipeline/contract";
import { readManifest } from "../../lib/pipeline/manifest";
import { extendPlan } from "../../lib/plan/extend";
import { planPrompt } from "../../lib/plan/prompt";
import type { ScenePlan } from "../../lib/plan/schema";
import { cancel } from "../../lib/queue";
import { ROOT } from "../queue/helpers";
import { body, params, request } from "./helpers";
import { pipelineSuite } from "./pipeline-suite";

const PLANNED = path.join(ROOT, "tests/pipeline/fixtures/stub-planned-model");
const PLAIN = path.join(ROOT, "tests/pipeline/fixtures/stub-model");
const manifest = readManifest(PLANNED); // 64x64, 9 frames a window, 8 more per chunk at 8 fps
const PROMPT = "two small blue cubes spinning at night";
const frame = { width: 64, height: 64, fps: 8 };
const planOf = (frames: number, prompt = PROMPT, seed = 5) => planPrompt(prompt, { ...frame, frames }, seed)!;

const suite = pipelineSuite(PLANNED);

const post = (b: unknown, headers: Record<string, string> = {}) => createJobRoute(request("POST", "/api/jobs", { caller: suite.alice, body: b, headers }));

async function submitJob(b: Record<string, unknown>): Promise<string> {
  const res = await post({ prompt: PROMPT, seed: 5, steps: 2, ...b });
  expect(res.status, JSON.stringify((await res.clone().json()).error ?? "")).toBe(202);
  return (await body(res)).jobs[0].id as string;
}

const jobView = async (id: string) => (await body(await getJobRoute(request("GET", `/api/jobs/${id}`, { caller: suite.alice }), params({ id })))).job;
const videoView = async (id: string) => (await body(await getVideoRoute(request("GET", `/api/videos/${id}`, { caller: suite.alice }), params({ id })))).video;
const videoRow = (jobId: string) => suite.t.db.run((q) => q.video.findUniqueOrThrow({ where: { jobId } }));

/** Runs the queued job on the worker; the clip's row. */
async function run(jobId: string) {
  expect(await suite.worker.runOnce()).toBe(true);
  const job = await jobView(jobId);
  expect(job, job.error ?? "").toMatchObject({ state: "succeeded" });
  return videoRow(jobId);
}

/** The `comment` metadata of a clip's MP4 (JSON: the settings, and the plan it followed). */
function mp4Comment(mp4Key: string): { plan?: ScenePlan; seed: number } {
  const probe = execFileSync("ffprobe", ["-v", "error", "-show_entries", "format_tags=comment", "-of", "json", path.join(suite.t.media, mp4Key)], { encoding: "utf8" });
  return JSON.parse((JSON.parse(probe) as { format: { tags: { comment: string } } }).format.tags.comment);
}

const remix = async (videoId: string, b: unknown = {}) => {
  const res = await remixRoute(request("POST", `/api/videos/${videoId}/remix`, { caller: suite.alice, body: b }), params({ id: videoId }));
  return { status: res.status, body: await body(res) };
};

describe("scene plans through the API", () => {
  it("round trip: POST with a plan -> job view -> worker -> clip -> MP4 -> remix -> extend", async () => {
    const plan = planOf(9);
    const id = await submitJob({ plan });
    const queued = await jobView(id);
    expect(queued).toMatchObject({ planSource: "given", plan });

    const row = await run(id);
    expect(JSON.parse(row.plan!)).toEqual(plan);
    expect((await jobView(id)).plan).toEqual(plan);
    const clip = await videoView(row.id);
    expect(clip.plan).toEqual(plan);
    expect(mp4Comment(row.mp4Key).plan).toEqual(plan);
    const download = await planRoute(request("GET", `/api/videos/${row.id}/plan`, { caller: suite.alice }), params({ id: row.id }));
    expect(download.headers.get("content-disposition")).toMatch(/^attachment; filename="plan-/);
    expect(await download.json()).toEqual(plan);

    // Remix keeps the plan (under another seed here), unless told otherwise.
    const kept = await remix(row.id, { seed: 9 });
    expect(kept.status).toBe(202);
    expect(kept.body.jobs[0]).toMatchObject({ planSource: "given", seed: 9 });
    expect((await jobView(kept.body.jobs[0].id)).plan).toEqual(plan);
    const remixed = await run(kept.body.jobs[0].id);
    expect(JSON.parse(remixed.plan!)).toEqual(plan);
    expect(Number(remixed.seed)).toBe(9);
    const textAlone = await remix(row.id, { plan: null });
    expect(textAlone.body.jobs[0].planSource).toBe("none");
    const other = planOf(9, "a big red ball bouncing on the grass", 3);
    const replaced = await remix(row.id, { plan: other });
    expect((await jobView(replaced.body.jobs[0].id)).plan).toEqual(other);
    expect((await remix(row.id, { frames: 17 })).body.error.message).toMatch(/plan\.frames: 9 frames, fewer than the 17/);
    // Another aspect plans the prompt again for the new frame; with a plan: null clip it stays text alone.
    const reframed = await remix(row.id, { aspect: "16:9" });
    expect(reframed.status).toBe(202);
    expect(reframed.body.jobs[0]).toMatchObject({ planSource: "planner", aspect: "16:9" });
    for (const r of [textAlone, replaced, reframed]) await cancel({ db: suite.t.db, jobId: r.body.jobs[0].id }); // not run here

    // Extend: one chunk more, the plan held over its frames.
    const ext = await extendRoute(request("POST", `/api/videos/${row.id}/extend`, { caller: suite.alice }), params({ id: row.id }));
    expect(ext.status).toBe(202);
    const extId = (await body(ext)).jobs[0].id as string;
    const longer = (await jobView(extId)).plan as ScenePlan;
    const perChunk = manifest.video.frames - 1; // (latent frames - 1 context frame) * 2
    expect(longer).toEqual(extendPlan(plan, manifest.video.frames + perChunk));
    const extended = await run(extId);
    expect(extended.frames).toBe(manifest.video.frames + perChunk);
    const followed = JSON.parse(extended.plan!) as ScenePlan;
    expect(followed.frames).toBe(extended.frames);
    expect(followed.objects.map((o) => o.track.x.slice(0, 9))).toEqual(plan.objects.map((o) => o.track.x));
    expect(mp4Comment(extended.mp4Key).plan).toEqual(followed);
  });

  it("without a plan the worker plans the prompt and the clip keeps that plan; plan: null is text alone", async () => {
    const planned = await submitJob({});
    expect(await jobView(planned)).toMatchObject({ planSource: "planner", plan: null });
    const row = await run(planned);
    const made = JSON.parse(row.plan!) as ScenePlan;
    expect(made.objects.map((o) => [o.kind, o.colour, o.size, o.motion])).toEqual([
      ["cube", "blue", "small", "spinning"],
      ["cube", "blue", "small", "spinning"],
    ]);
    expect(made).toEqual(planOf(9)); // the planner's plan for this prompt and seed
    expect((await jobView(planned)).plan).toEqual(made);
    expect(mp4Comment(row.mp4Key).plan).toEqual(made);

    const alone = await submitJob({ plan: null });
    expect(await jobView(alone)).toMatchObject({ planSource: "none", plan: null });
    const plain = await run(alone);
    expect(plain.plan).toBe("null");
    expect((await videoView(plain.id)).plan).toBeNull();
    expect(mp4Comment(plain.mp4Key)).not.toHaveProperty("plan");
    expect((await planRoute(request("GET", `/api/videos/${plain.id}/plan`, { caller: suite.alice }), params({ id: plain.id }))).status).toBe(404);
    // A text-alone clip stays text alone when extended (its first frames come out the same).
    const ext = await extendRoute(request("POST", `/api/videos/${plain.id}/extend`, { caller: suite.alice }), params({ id: plain.id }));
    expect((await body(ext)).jobs[0].planSource).toBe("none");
    // A clip made before plans were kept (plan NULL) shows none and is extended as it was made: planned by the worker.
    await suite.t.db.run((q) => q.video.update({ where: { id: row.id }, data: { plan: null } }));
    expect(await videoView(row.id)).not.toHaveProperty("plan");
    const old = await extendRoute(request("POST", `/api/videos/${row.id}/extend`, { caller: suite.alice }), params({ id: row.id }));
    expect((await body(old)).jobs[0].planSource).toBe("planner");
  });

  it("a bad plan is a 400 naming the field, and nothing is queued", async () => {
    const plan = planOf(9);
    const edit = (change: (p: ScenePlan) => void) => {
      const p = structuredClone(plan);
      change(p);
      return p;
    };
    const cases: [RegExp, Record<string, unknown>][] = [
      [/plan\.objects\.0\.track\.x\.3: centre 500 lies outside the 64x64 frame/, { plan: edit((p) => (p.objects[0]!.track.x[3] = 500)) }],
      [/plan\.objects\.1\.track\.y\.0: /, { plan: edit((p) => (p.objects[1]!.track.y[0] = -1)) }],
      [/plan\.objects: /, { plan: edit((p) => (p.objects = [0, 1, 2, 3].map((i) => ({ ...p.objects[0]!, id: `o${i + 1}` })))) }],
      [/plan\.objects\.0\.kind: /, { plan: edit((p) => (p.objects[0]!.kind = "dragon")) }],
      [/plan\.objects\.0\.track\.y: 8 values for 9 frames/, { plan: edit((p) => p.objects[0]!.track.y.pop()) }],
      [/plan\.frames: 9 frames, fewer than the 17 the clip has/, { plan, frames: 17 }],
      [/plan\.frames: 17 frames, more than the 9 a clip of 9 frames decodes/, { plan: planOf(17), frames: 9 }],
      [/plan\.frames: 9 frames make 1 chunk\(s\), extend asks for 2/, { plan, extend: 1 }],
      [/plan\.frames: 481 frames need 60 chunks, more than the 41 allowed/, { plan: planOf(481) }],
      [/plan\.width: the model draws 64x64 frames, the plan is 128x64/, { plan: edit((p) => (p.width = 128)) }],
      [/plan\.fps: the model makes 8 fps, the plan has 16/, { plan: edit((p) => (p.fps = 16)) }],
      [/plan\.version: /, { plan: edit((p) => ((p as { version: number }).version = 2)) }],
    ];
    for (const [message, extra] of cases) {
      const res = await post({ prompt: PROMPT, ...extra });
      const { error } = await body(res);
      expect(res.status, `${message}: ${error?.message}`).toBe(400);
      expect(error.code).toBe("BAD_REQUEST");
      expect(error.message).toMatch(message);
    }
    // A model that follows no plans takes none.
    process.env.SPACETIME_MODEL_DIR = PLAIN;
    try {
      const res = await post({ prompt: PROMPT, plan: { ...plan, width: 32, height: 32, objects: [] } });
      expect(res.status).toBe(400);
      expect((await body(res)).error.message).toMatch(/plan: this model does not follow scene plans/);
      expect((await post({ prompt: PROMPT, plan: null })).status).toBe(202); // text alone is what it does anyway
    } finally {
      process.env.SPACETIME_MODEL_DIR = PLANNED;
    }
    expect(await suite.t.db.run((q) => q.job.count())).toBe(1);
  });

  it("takes a long clip's plan (over 16 KB of JSON); the idempotency key covers the plan", async () => {
    const long = planOf(9 + 40 * 8); // the longest clip of this model: 41 chunks
    expect(JSON.stringify(long).length).toBeGreaterThan(16 * 1024);
    const res = await post({ prompt: PROMPT, plan: long }, { "idempotency-key": "k1" });
    expect(res.status).toBe(202);
    expect((await post({ prompt: PROMPT, plan: long }, { "idempotency-key": "k1" })).headers.get("idempotent-replayed")).toBe("true");
    expect((await post({ prompt: PROMPT, plan: planOf(9) }, { "idempotency-key": "k1" })).status).toBe(409);
  });

  it("the rules know the model's kinds and colours", () => {
    const bounds = planBounds(manifest)!;
    expect(bounds).toMatchObject({ width: 64, height: 64, fps: 8, maxObjects: 3, window: 9, perExtension: 8, maxChunks: 41 });
    const plan = planOf(9);
    expect(planProblems(plan, bounds, { extend: 0 })).toEqual([]);
    expect(planProblems(plan, { ...bounds, kinds: ["ball"], colours: ["red"] }, { extend: 0 }).map((p) => p.path)).toEqual([
      ["objects", 0, "kind"],
      ["objects", 0, "colour"],
      ["objects", 1, "kind"],
      ["objects", 1, "colour"],
    ]);
  });

  it("loop: kept with the job and the clip, written into the MP4, kept by remix; a bad one is a 400 naming it", async () => {
    const bad = await post({ prompt: PROMPT, loop: "yes" });
    expect(bad.status).toBe(400);
    expect((await body(bad)).error.message).toMatch(/(^|[ :;])loop: /);
    const id = await submitJob({ loop: true });
    expect(await jobView(id)).toMatchObject({ loop: true });
    const row = await run(id);
    expect(row.loop).toBe(true);
    expect(await videoView(row.id)).toMatchObject({ loop: true });
    expect(mp4Comment(row.mp4Key)).toMatchObject({ loop: true });
    // Two chunks (9 frames, then 8 more) less the closing frames: of 2 latent frames of 2 video frames,
    // the first's leading frame stays (it leads back into frame 0).
    expect(row.frames).toBe(9 + 8 - 3);
    const again = await remix(row.id, { seed: 6 });
    expect(await jobView(again.body.jobs[0].id)).toMatchObject({ loop: true });
    const plain = await remix(row.id, { loop: false });
    expect(await jobView(plain.body.jobs[0].id)).toMatchObject({ loop: false });
  });
});
