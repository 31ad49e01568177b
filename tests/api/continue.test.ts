/**
 * "Continue from here" through the API (issue 18), on the planned stub model: POST
 * /api/videos/:id/continue queues a job whose settings are the new clip's and whose continueOf
 * says which clip it keeps up to which frame (snapped down to a latent frame's end); the worker
 * makes it, the clip's plan kept up to the cut. Bad input is a 400 naming the field.
 * (That the kept frames are the clip's own, byte for byte: tests/pipeline/continue.test.ts.)
 */
import path from "node:path";
import { describe, expect, it } from "vitest";

import { GET as getJobRoute } from "../../app/api/jobs/[id]/route";
import { POST as createJobRoute } from "../../app/api/jobs/route";
import { POST as continueRoute } from "../../app/api/videos/[id]/continue/route";
import { POST as extendRoute } from "../../app/api/videos/[id]/extend/route";
import type { ScenePlan } from "../../lib/plan/schema";
import { ROOT } from "../queue/helpers";
import { body, newCaller, params, request } from "./helpers";
import { pipelineSuite } from "./pipeline-suite";

const PLANNED = path.join(ROOT, "tests/pipeline/fixtures/stub-planned-model"); // 9-frame windows of 5 latent frames, 8 more per chunk at 8 fps
const PROMPT = "a red ball moving right in the snow";

const suite = pipelineSuite(PLANNED);

const jobView = async (id: string) => (await body(await getJobRoute(request("GET", `/api/jobs/${id}`, { caller: suite.alice }), params({ id })))).job;
const videoRow = (jobId: string) => suite.t.db.run((q) => q.video.findUniqueOrThrow({ where: { jobId } }));
const jobRow = (id: string) => suite.t.db.run((q) => q.job.findUniqueOrThrow({ where: { id } }));

/** Submits a clip and runs it on the worker; its row. */
async function made(b: Record<string, unknown>) {
  const res = await createJobRoute(request("POST", "/api/jobs", { caller: suite.alice, body: { seed: 5, steps: 2, ...b } }));
  expect(res.status, JSON.stringify((await res.clone().json()).error ?? "")).toBe(202);
  const id = (await body(res)).jobs[0].id as string;
  expect(await suite.worker.runOnce()).toBe(true);
  expect(await jobView(id), "the clip's job").toMatchObject({ state: "succeeded" });
  return videoRow(id);
}

const continueClip = async (videoId: string, b: unknown, caller = suite.alice) => {
  const res = await continueRoute(request("POST", `/api/videos/${videoId}/continue`, { caller, body: b }), params({ id: videoId }));
  return { status: res.status, body: await body(res) };
};

describe("POST /api/videos/:id/continue", () => {
  it("queues the new clip: the clip up to the frame (snapped down), then the seconds asked for; the worker makes it", async () => {
    const clip = await made({ prompt: PROMPT, frames: 17 });
    const plan = JSON.parse(clip.plan!) as ScenePlan;
    // Frame 12 lies in latent frame 6 (frames 10-11): the clip is kept to frame 11, then 2 s (16 frames) follow.
    const res = await continueClip(clip.id, { frame: 12, seconds: 2, prompt: "a red ball moving left in the snow" });
    expect(res.status, JSON.stringify(res.body.error ?? "")).toBe(202);
    const id = res.body.jobs[0].id as string;
    expect(res.body.jobs[0]).toMatchObject({ prompt: "a red ball moving left in the snow", frames: 27, seed: 5, steps: 2 });
    expect(JSON.parse((await jobRow(id)).continueOf!)).toEqual({ videoId: clip.id, frame: 11, prompt: PROMPT, plan });

    expect(await suite.worker.runOnce()).toBe(true);
    expect(await jobView(id)).toMatchObject({ state: "succeeded" });
    const more = await videoRow(id);
    expect(more).toMatchObject({ frames: 27, prompt: "a red ball moving left in the snow" });
    const followed = JSON.parse(more.plan!) as ScenePlan;
    expect(followed.objects.map((o) => o.track.x.slice(0, 11))).toEqual(plan.objects.map((o) => o.track.x.slice(0, 11)));
    expect(followed.objects[0]!.track.x[26]!).toBeLessThan(followed.objects[0]!.track.x[10]!); // it went left

    // Without a prompt the clip's own goes on; a continued clip cannot be continued again (yet).
    const same = await continueClip(clip.id, { frame: 17, seconds: 1 });
    expect(same.status).toBe(202);
    expect(same.body.jobs[0]).toMatchObject({ prompt: PROMPT, frames: 25 });
    expect(await continueClip(more.id, { frame: 3, seconds: 1 })).toMatchObject({ status: 400, body: { error: { message: expect.stringMatching(/^video: continuing a continued clip is not supported yet/) } } });
    // Nor extended: its settings alone would make other first frames.
    const ext = await extendRoute(request("POST", `/api/videos/${more.id}/extend`, { caller: suite.alice }), params({ id: more.id }));
    expect(ext.status).toBe(400);
    expect((await body(ext)).error.message).toMatch(/^video: extending a continued clip is not supported yet/);
  });

  it("is a 400 naming the field for a frame past the end, no seconds, too long a clip or a storyboard", async () => {
    const clip = await made({ prompt: PROMPT });
    const cases: [unknown, RegExp][] = [
      [{ frame: 10, seconds: 1 }, /^frame: frame 10 is past the clip's end \(it has 9 frames\)/],
      [{ frame: 0, seconds: 1 }, /frame: at least 1/],
      [{ frame: 2.5, seconds: 1 }, /frame: must be a whole frame number/],
      [{ frame: 5, seconds: 0 }, /seconds: must be more than 0/],
      [{ frame: 5, seconds: 0.01 }, /^seconds: at least one frame/],
      [{ frame: 5 }, /seconds: /],
      [{ frame: 5, seconds: 1000 }, /^seconds: the clip would be 1000.5 s long, more than the model's 41 s \(0.5 s are kept\)/],
      [{ frame: 5, seconds: 1, prompt: "" }, /prompt: must not be empty/],
      [{ frame: 5, seconds: 1, plan: null }, /plan/],
    ];
    for (const [b, message] of cases) {
      const res = await continueClip(clip.id, b);
      expect(res, JSON.stringify(b)).toMatchObject({ status: 400, body: { error: { code: "BAD_REQUEST", message: expect.stringMatching(message) } } });
    }
    const board = await made({ shots: [{ prompt: PROMPT, seconds: 1 }, { prompt: "a red ball bouncing in the snow", seconds: 1 }] });
    expect(await continueClip(board.id, { frame: 5, seconds: 1 })).toMatchObject({
      status: 400,
      body: { error: { message: expect.stringMatching(/^video: continuing a storyboard from a frame is not supported yet/) } },
    });
  });

  it("continues anyone's published clip, as a clip of the caller's; another's unpublished one is a 404", async () => {
    const clip = await made({ prompt: PROMPT });
    const bob = newCaller();
    await suite.t.db.run((q) => q.video.update({ where: { id: clip.id }, data: { published: false } }));
    expect((await continueClip(clip.id, { frame: 5, seconds: 1 }, bob)).status).toBe(404);
    await suite.t.db.run((q) => q.video.update({ where: { id: clip.id }, data: { published: true } }));
    const res = await continueClip(clip.id, { frame: 5, seconds: 1 }, bob);
    expect(res.status).toBe(202);
    expect((await jobRow(res.body.jobs[0].id)).callerId).toBe(bob.id);
  });
});
