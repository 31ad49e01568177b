/**
 * Storyboards through the API, on the planned stub model (tests/pipeline/fixtures): `shots`
 * in POST /api/jobs instead of `prompt`, kept with the job and the clip, made by the worker as
 * one clip over one plan, listed in the views, found by gallery search by any shot's words,
 * written into the MP4, kept by remix; a bad storyboard is a 400 naming the field.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

import { GET as getJobRoute } from "../../app/api/jobs/[id]/route";
import { POST as createJobRoute } from "../../app/api/jobs/route";
import { POST as extendRoute } from "../../app/api/videos/[id]/extend/route";
import { POST as remixRoute } from "../../app/api/videos/[id]/remix/route";
import { GET as getVideoRoute } from "../../app/api/videos/[id]/route";
import { GET as listVideosRoute } from "../../app/api/videos/route";
import { extendPlan } from "../../lib/plan/extend";
import { planStoryboard } from "../../lib/storyboard/plan";
import { ROOT } from "../queue/helpers";
import { body, params, request } from "./helpers";
import { pipelineSuite } from "./pipeline-suite";

const PLANNED = path.join(ROOT, "tests/pipeline/fixtures/stub-planned-model"); // 64x64, 9-frame windows, 8 more per chunk at 8 fps
const SHOTS = [
  { prompt: "a red ball bouncing in the snow", seconds: 1 },
  { prompt: "a red ball moving right past a lighthouse", seconds: 1.5 },
];
const STORED = SHOTS.map((s) => ({ ...s, camera: "static" }));

const suite = pipelineSuite(PLANNED);

const post = (b: unknown, headers: Record<string, string> = {}) => createJobRoute(request("POST", "/api/jobs", { caller: suite.alice, body: b, headers }));
const jobView = async (id: string) => (await body(await getJobRoute(request("GET", `/api/jobs/${id}`, { caller: suite.alice }), params({ id })))).job;
const videoView = async (id: string) => (await body(await getVideoRoute(request("GET", `/api/videos/${id}`, { caller: suite.alice }), params({ id })))).video;
const search = async (q: string) => (await body(await listVideosRoute(request("GET", `/api/videos?scope=mine&q=${encodeURIComponent(q)}`, { caller: suite.alice })))).videos as { id: string }[];

function mp4Comment(mp4Key: string): { prompt: string; shots?: unknown; plan?: unknown } {
  const probe = execFileSync("ffprobe", ["-v", "error", "-show_entries", "format_tags=comment", "-of", "json", path.join(suite.t.media, mp4Key)], { encoding: "utf8" });
  return JSON.parse((JSON.parse(probe) as { format: { tags: { comment: string } } }).format.tags.comment);
}

describe("storyboards through the API", () => {
  it("round trip: POST shots -> job -> worker -> one clip over one plan -> views, search, MP4 -> remix", async () => {
    const res = await post({ shots: SHOTS, seed: 5, steps: 2 });
    expect(res.status, JSON.stringify((await res.clone().json()).error ?? "")).toBe(202);
    const id = (await body(res)).jobs[0].id as string;
    const prompt = `${SHOTS[0]!.prompt} / ${SHOTS[1]!.prompt}`;
    expect(await jobView(id)).toMatchObject({ prompt, shots: STORED, planSource: "planner" });

    expect(await suite.worker.runOnce()).toBe(true);
    const job = await jobView(id);
    expect(job, job.error ?? "").toMatchObject({ state: "succeeded" });
    const row = await suite.t.db.run((q) => q.video.findUniqueOrThrow({ where: { jobId: id } }));
    expect(row.frames).toBe(2.5 * 8 + 1); // the shots' seconds, one clip
    expect(row.prompt).toBe(prompt);
    expect(JSON.parse(row.shots!)).toEqual(STORED);
    // One plan over both shots: the same ball all the way (17 + 8 frames decode 3 chunks).
    const plan = planStoryboard(SHOTS, { width: 64, height: 64, fps: 8 }, 5)!;
    expect(JSON.parse(row.plan!)).toEqual(extendPlan(plan, 25));
    expect(plan.objects.map((o) => o.id)).toEqual(["o1"]);

    const clip = await videoView(row.id);
    expect(clip).toMatchObject({ prompt, shots: STORED });
    expect(job.video.shots).toEqual(STORED);
    // Gallery search finds it by either shot's words.
    expect((await search("lighthouse")).map((v) => v.id)).toEqual([row.id]);
    expect((await search("bouncing snow")).map((v) => v.id)).toEqual([row.id]);
    const comment = mp4Comment(row.mp4Key);
    expect(comment).toMatchObject({ prompt, shots: STORED });
    expect(comment.plan).toEqual(JSON.parse(row.plan!));

    // Remix keeps the shots and plans them again; a storyboard grows by a shot, not by extend.
    const remixed = await remixRoute(request("POST", `/api/videos/${row.id}/remix`, { caller: suite.alice, body: { seed: 9 } }), params({ id: row.id }));
    expect(remixed.status).toBe(202);
    expect((await body(remixed)).jobs[0]).toMatchObject({ shots: STORED, seed: 9, planSource: "planner" });
    const retold = await remixRoute(request("POST", `/api/videos/${row.id}/remix`, { caller: suite.alice, body: { prompt: "a red ball" } }), params({ id: row.id }));
    expect((await body(retold)).jobs[0]).toMatchObject({ prompt: "a red ball", shots: null, planSource: "given" }); // one prompt, over the storyboard's plan
    const ext = await extendRoute(request("POST", `/api/videos/${row.id}/extend`, { caller: suite.alice }), params({ id: row.id }));
    expect(ext.status).toBe(400);
    expect((await body(ext)).error.message).toMatch(/extend: a storyboard's length is its shots'/);
  });

  it("a bad storyboard is a 400 naming the field, and nothing is queued", async () => {
    const shot = SHOTS[0]!;
    const cases: [RegExp, Record<string, unknown>][] = [
      [/shots: a storyboard needs at least one shot/, { shots: [] }],
      [/shots\.1\.seconds: a shot lasts more than 0 s/, { shots: [shot, { ...shot, seconds: 0 }] }],
      [/shots\.0\.seconds: a shot lasts more than 0 s/, { shots: [{ ...shot, seconds: -2 }] }],
      [/shots: at most 60 s in all, the shots last 61 s/, { shots: [{ ...shot, seconds: 30 }, { ...shot, seconds: 31 }] }],
      [/shots\.0\.camera: /, { shots: [{ ...shot, camera: "dolly" }] }],
      [/shots\.0\.camera: this model renders no camera moves/, { shots: [{ ...shot, camera: "pan-left" }] }],
      [/shots\.1\.camera: this model renders no camera moves/, { shots: [shot, { ...shot, camera: "zoom-in" }] }],
      [/shots\.0\.prompt: must not be empty/, { shots: [{ ...shot, prompt: " " }] }],
      [/shots\.0\.prompt: at most 500 characters/, { shots: [{ ...shot, prompt: "a".repeat(501) }] }],
      [/shots\.0: /, { shots: [{ ...shot, lens: "wide" }] }],
      [/shots: give either prompt or shots/, { prompt: shot.prompt, shots: [shot] }],
      [/prompt: give either prompt or shots/, {}],
      [/frames: a storyboard's length is its shots'/, { shots: [shot], frames: 17 }],
      [/extend: a storyboard's length is its shots'/, { shots: [shot], extend: 1 }],
      [/plan: a storyboard is planned from its shots/, { shots: [shot], plan: JSON.parse(JSON.stringify(planStoryboard([shot], { width: 64, height: 64, fps: 8 }, 1))) }],
      [/shots: .*more than 3 different objects/, { shots: [{ prompt: "a red ball and a blue car", seconds: 1 }, { prompt: "a green cube and a white bird", seconds: 1 }] }],
    ];
    for (const [message, b] of cases) {
      const res = await post(b);
      const { error } = await body(res);
      expect(res.status, `${message}: ${error?.message}`).toBe(400);
      expect(error.code).toBe("BAD_REQUEST");
      expect(error.message).toMatch(message);
    }
    expect(await suite.t.db.run((q) => q.job.count())).toBe(0);
    // Text alone takes any number of objects: nothing is planned.
    expect((await post({ shots: [{ prompt: "a red ball and a blue car", seconds: 1 }, { prompt: "a green cube and a white bird", seconds: 1 }], plan: null })).status).toBe(202);
  });

  it("the idempotency key covers the shots", async () => {
    expect((await post({ shots: SHOTS }, { "idempotency-key": "k1" })).status).toBe(202);
    expect((await post({ shots: SHOTS }, { "idempotency-key": "k1" })).headers.get("idempotent-replayed")).toBe("true");
    expect((await post({ shots: [SHOTS[0]] }, { "idempotency-key": "k1" })).status).toBe(409);
    // The same words as one prompt are another job.
    expect((await post({ prompt: `${SHOTS[0]!.prompt} / ${SHOTS[1]!.prompt}` }, { "idempotency-key": "k1" })).status).toBe(409);
  });
});
