/**
 * The OpenAPI 3.1 document of the HTTP API, served at /api/openapi.json. Request shapes come
 * from the routes' own zod schemas (z.toJSONSchema), so the document cannot drift from what
 * the handlers accept, and the job settings carry the served model's own bounds.
 */
import { z } from "zod";

import { settingsFields, type SettingsLimits } from "@/lib/pipeline/contract";
import { planSchema } from "@/lib/plan/schema";
import { shotsSchema } from "@/lib/storyboard/schema";

import { bulkJobsBody, listAllJobsQuery, loginBody, logoutBody, resetPasswordBody, settingsBody, signupBody, updateUserBody } from "../auth/schema";
import { createJobBody, listJobsQuery } from "../jobs/schema";
import { continueVideoBody, listVideosQuery, remixVideoBody, updateVideoBody } from "../videos/schema";

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: "input", unrepresentable: "any" });

function queryParams(s: z.ZodObject) {
  const json = schema(s) as { properties?: Record<string, object>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, p]) => ({ name, in: "query", required: json.required?.includes(name) ?? false, schema: p }));
}

const error = {
  type: "object",
  required: ["error"],
  properties: { error: { type: "object", required: ["code", "message"], properties: { code: { type: "string" }, message: { type: "string" } } } },
};

const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [String(c), { description: STATUS[c], content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } }]));

const STATUS: Record<number, string> = {
  400: "invalid input (the message names each bad field)",
  401: "no caller identity (the cookie is missing or not signed by this server), not signed in, or the session has expired or been revoked",
  403: "cross-site request, or not allowed for the caller's role",
  404: "not found, or not the caller's",
  409: "the job's state forbids it, or the idempotency key was used with other settings",
  413: "body over 16 KB (256 KB for bodies that may carry a scene plan: POST /api/jobs and /api/videos/{id}/remix)",
  415: "body not JSON",
  416: "range not satisfiable",
  429: "a quota or rate limit (the message says which); Retry-After says when to try again",
  503: "the server cannot answer now (the database is busy, or the model's manifest cannot be read)",
};

const json = (ref: string) => ({ "application/json": { schema: { $ref: `#/components/schemas/${ref}` } } });
const idParam = (name = "id") => ({ name, in: "path", required: true, schema: { type: "string", pattern: "^[A-Za-z0-9_-]{24}$" } });

/** The document for the served model: the job settings' bounds are its contract's (lib/pipeline/contract.ts). */
export function openApiDocument(limits: SettingsLimits) {
  return {
    openapi: "3.1.0",
    info: {
      title: "Spacetime",
      version: "1",
      description:
        "Text-to-video studio API. Callers are identified by a session cookie (accounts, on a shared instance) or a signed, httpOnly cookie (spacetime_caller) the server sets on first use; POST/PATCH/DELETE from another origin are refused. Errors are { error: { code, message } }.",
    },
    paths: {
      "/api/jobs": {
        post: {
          summary:
            "Queue 1-4 jobs (variations get consecutive seeds). `plan`: a scene plan (docs/scene-plan.md) to follow, null for text alone; absent, the worker plans the prompt (models that follow plans). A plan that does not fit the model or the clip's length is a 400 naming its field (plan.objects.0.track.x.3, plan.frames, plan.objects.0.kind, ...). `shots`: a storyboard (docs/storyboard.md) instead of `prompt` (exactly one of the two): a clip of shots, each with its prompt and seconds (60 s in all), made as one job over one plan; each shot's camera (static, pan-left/right/up/down, follow, zoom-in, zoom-out) films it, refused by a model trained before the camera; a bad shot is a 400 naming it (shots.1.seconds, shots.0.camera)",
          parameters: [{ name: "Idempotency-Key", in: "header", required: false, schema: { type: "string", maxLength: 190 } }],
          requestBody: { required: true, content: { "application/json": { schema: schema(createJobBody(limits)) } } },
          responses: { "202": { description: "queued (or, for a repeated Idempotency-Key, the jobs made the first time)", content: json("JobList") }, ...errors(400, 403, 409, 413, 415, 429, 503) },
        },
        get: { summary: "The caller's jobs, newest first", parameters: queryParams(listJobsQuery), responses: { "200": { description: "jobs", content: json("JobList") }, ...errors(400) } },
      },
      "/api/jobs/{id}": {
        get: { summary: "One of the caller's jobs, with `plan`: the scene plan its clip followed (before the run: the one it was given)", parameters: [idParam()], responses: { "200": { description: "the job", content: json("JobEnvelope") }, ...errors(401, 404) } },
        delete: { summary: "Cancel (queued: at once; running: at its next step)", parameters: [idParam()], responses: { "200": { description: "the job", content: json("JobEnvelope") }, ...errors(401, 403, 404, 409) } },
      },
      "/api/jobs/{id}/front": {
        post: { summary: "Move a queued job to the front of the queue", parameters: [idParam()], responses: { "200": { description: "the job", content: json("JobEnvelope") }, ...errors(401, 403, 404, 409) } },
      },
      "/api/jobs/{id}/events": {
        get: {
          summary:
            "Server-Sent Events: `state` and `progress` events carrying the job, `error` when the server lost track of it (the stream ends; reconnect); honours Last-Event-ID; ends at a terminal state. A caller may hold 200 streams open at once (SPACETIME_MAX_STREAMS_PER_CALLER)",
          parameters: [idParam(), { name: "Last-Event-ID", in: "header", required: false, schema: { type: "string" } }],
          responses: { "200": { description: "event stream", content: { "text/event-stream": { schema: { type: "string" } } } }, ...errors(401, 404, 429) },
        },
      },
      "/api/queue": { get: { summary: "Whether the queue is paused", responses: { "200": { description: "state", content: json("QueueState") } } } },
      "/api/queue/pause": { post: { summary: "Stop claiming jobs (running ones finish)", responses: { "200": { description: "state", content: json("QueueState") }, ...errors(401, 403) } } },
      "/api/workers": {
        get: {
          summary: "The fleet: workers seen in the last hour (host, provider, model, status, jobs done, seconds per step) and the live workers' throughput",
          responses: { "200": { description: "the fleet", content: { "application/json": { schema: { type: "object" } } } }, ...errors(401, 403) },
        },
      },
      "/api/queue/resume": { post: { summary: "Claim jobs again", responses: { "200": { description: "state", content: json("QueueState") }, ...errors(401, 403) } } },
      "/api/videos": {
        get: { summary: "The gallery: the caller's clips and published ones, newest first", parameters: queryParams(listVideosQuery), responses: { "200": { description: "a page", content: json("VideoPage") }, ...errors(400) } },
      },
      "/api/videos/{id}": {
        get: { summary: "A clip (the caller's, or published)", parameters: [idParam()], responses: { "200": { description: "the clip", content: json("VideoEnvelope") }, ...errors(404) } },
        patch: {
          summary: "Publish or unpublish (owner only)",
          parameters: [idParam()],
          requestBody: { required: true, content: { "application/json": { schema: schema(updateVideoBody) } } },
          responses: { "200": { description: "the clip", content: json("VideoEnvelope") }, ...errors(400, 401, 403, 404, 413, 415) },
        },
        delete: { summary: "Delete (owner only): hidden everywhere, share link dead, files removed", parameters: [idParam()], responses: { "204": { description: "deleted" }, ...errors(401, 403, 404) } },
      },
      "/api/videos/{id}/extend": {
        post: {
          summary: "Queue the clip again with one more chunk at the end, as a new clip of the caller's (any clip the caller can see)",
          parameters: [idParam(), { name: "Idempotency-Key", in: "header", required: false, schema: { type: "string", maxLength: 190 } }],
          responses: { "202": { description: "queued", content: json("JobList") }, ...errors(400, 403, 404, 409, 429) },
        },
      },
      "/api/videos/{id}/continue": {
        post: {
          summary:
            "Queue a new clip of the caller's that keeps the clip up to `frame` (snapped down to where a latent frame ends) and continues it for `seconds` more under `prompt` (default the clip's); any clip the caller can see but a storyboard, a loop or a continued clip",
          parameters: [idParam(), { name: "Idempotency-Key", in: "header", required: false, schema: { type: "string", maxLength: 190 } }],
          requestBody: { required: true, content: { "application/json": { schema: schema(continueVideoBody(limits)) } } },
          responses: { "202": { description: "queued", content: json("JobList") }, ...errors(400, 403, 404, 409, 413, 415, 429) },
        },
      },
      "/api/videos/{id}/remix": {
        post: {
          summary: "Queue a job with the clip's settings and scene plan, changed by the body (any clip the caller can see); `plan` replaces the clip's plan, null makes it from text alone",
          parameters: [idParam(), { name: "Idempotency-Key", in: "header", required: false, schema: { type: "string", maxLength: 190 } }],
          requestBody: { required: false, content: { "application/json": { schema: schema(remixVideoBody(limits)) } } },
          responses: { "202": { description: "queued", content: json("JobList") }, ...errors(400, 403, 404, 409, 413, 415, 429) },
        },
      },
      "/api/videos/{id}/plan": {
        get: {
          summary: "The scene plan the clip followed, as a JSON file (Content-Disposition: attachment); 404 for a clip made from text alone",
          parameters: [idParam()],
          responses: { "200": { description: "the plan", content: json("ScenePlan") }, ...errors(404) },
        },
      },
      "/api/words": {
        get: {
          summary: "Which words of a prompt the model knows",
          parameters: [{ name: "text", in: "query", required: true, schema: { type: "string", maxLength: 2000 } }],
          responses: { "200": { description: "words", content: json("Words") }, ...errors(400) },
        },
      },
      "/api/auth/signup": {
        post: {
          summary: "Make an account and sign in (the first account is the admin; later ones follow the sign-up policy)",
          requestBody: { required: true, content: { "application/json": { schema: schema(signupBody) } } },
          responses: { "201": { description: "signed in (session cookie set)", content: json("Account") }, ...errors(400, 403, 409) },
        },
      },
      "/api/auth/login": {
        post: {
          summary: "Sign in with username or email and password",
          requestBody: { required: true, content: { "application/json": { schema: schema(loginBody) } } },
          responses: { "200": { description: "signed in (session cookie set)", content: json("Account") }, ...errors(400, 401, 429) },
        },
      },
      "/api/auth/logout": {
        post: { summary: "End this session, or every session (everywhere: true)", requestBody: { content: { "application/json": { schema: schema(logoutBody) } } }, responses: { "200": { description: "revoked" }, ...errors(401) } },
      },
      "/api/auth/me": { get: { summary: "Mode (local | shared), role, account and rights of the caller", responses: { "200": { description: "the caller" }, ...errors(401) } } },
      "/api/account": { get: { summary: "The signed-in user's quotas, disk use and sessions", responses: { "200": { description: "the account" }, ...errors(401) } } },
      "/api/admin/users": { get: { summary: "Every account, with jobs queued and disk use (admin)", responses: { "200": { description: "users" }, ...errors(401, 403) } } },
      "/api/admin/users/{id}": {
        patch: {
          summary: "Approve, change the role of, or set quotas for an account (admin)",
          parameters: [idParam()],
          requestBody: { required: true, content: { "application/json": { schema: schema(updateUserBody) } } },
          responses: { "200": { description: "the user" }, ...errors(400, 401, 403, 404, 409) },
        },
      },
      "/api/admin/users/{id}/password": {
        post: {
          summary: "Set a new password for an account; its sessions end (admin)",
          parameters: [idParam()],
          requestBody: { required: true, content: { "application/json": { schema: schema(resetPasswordBody) } } },
          responses: { "200": { description: "done" }, ...errors(400, 401, 403, 404) },
        },
      },
      "/api/admin/users/{id}/sessions": { delete: { summary: "End every session of an account (admin)", parameters: [idParam()], responses: { "200": { description: "revoked" }, ...errors(401, 403, 404) } } },
      "/api/admin/jobs": {
        get: { summary: "Every caller's jobs (admin)", parameters: queryParams(listAllJobsQuery), responses: { "200": { description: "jobs" }, ...errors(400, 401, 403) } },
        post: {
          summary: "Bulk cancel or purge by owner, state and age; no filter: every queued and running job (admin)",
          requestBody: { required: true, content: { "application/json": { schema: schema(bulkJobsBody) } } },
          responses: { "200": { description: "counts: canceled, flagged, deleted" }, ...errors(400, 401, 403) },
        },
      },
      "/api/admin/settings": {
        get: { summary: "The sign-up policy and quota defaults (admin)", responses: { "200": { description: "settings" }, ...errors(401, 403) } },
        patch: { summary: "Set the sign-up policy (admin)", requestBody: { required: true, content: { "application/json": { schema: schema(settingsBody) } } }, responses: { "200": { description: "settings" }, ...errors(400, 401, 403) } },
      },
      "/media/{videoId}/{file}": {
        get: {
          summary: "A clip's file, with byte ranges and ETag",
          parameters: [idParam("videoId"), { name: "file", in: "path", required: true, schema: { enum: ["video.mp4", "video.webm", "poster.png", "preview.webp"] } }],
          responses: { "200": { description: "the file" }, "206": { description: "a byte range" }, "304": { description: "not modified" }, ...errors(404, 416) },
        },
      },
    },
    components: {
      schemas: {
        Error: error,
        ScenePlan: { ...schema(planSchema), description: "docs/scene-plan.md" },
        Shots: { ...schema(shotsSchema(settingsFields(limits).prompt)), description: "docs/storyboard.md" },
        Account: { type: "object", properties: { user: { type: "object" }, claimed: { type: "object", properties: { jobs: { type: "integer" }, videos: { type: "integer" } } } } },
        QueueState: { type: "object", properties: { paused: { type: "boolean" } } },
        JobEnvelope: { type: "object", properties: { job: { $ref: "#/components/schemas/Job" } } },
        JobList: {
          type: "object",
          properties: { jobs: { type: "array", items: { $ref: "#/components/schemas/Job" } }, nextCursor: { type: ["string", "null"], description: "GET only" } },
        },
        Job: {
          type: "object",
          description: "See JobView in lib/http/views.ts",
          properties: {
            id: { type: "string" },
            state: { enum: ["queued", "running", "succeeded", "failed", "canceled"] },
            prompt: { type: "string" },
            progress: { type: "object", properties: { step: { type: "integer" }, total: { type: "integer" } } },
            position: { type: ["integer", "null"], description: "1 = next; 0 = running; null = finished" },
            etaSeconds: { type: ["number", "null"] },
            error: { type: ["string", "null"] },
            video: { oneOf: [{ $ref: "#/components/schemas/Video" }, { type: "null" }] },
            planSource: { enum: ["given", "planner", "none"], description: "given: a plan came with the job; planner: the worker plans the prompt; none: text alone" },
            shots: { description: "The storyboard's shots (prompt: theirs joined); null for a clip of one prompt", oneOf: [{ $ref: "#/components/schemas/Shots" }, { type: "null" }] },
            plan: { description: "GET /api/jobs/{id} only: the plan the clip followed (null: text alone), before the run the one given", oneOf: [{ $ref: "#/components/schemas/ScenePlan" }, { type: "null" }] },
            preview: {
              description: "Event stream only, while running: the latest latent preview, frames * height * width RGB bytes in base64",
              oneOf: [
                { type: "object", properties: { width: { type: "integer" }, height: { type: "integer" }, frames: { type: "integer" }, rgb: { type: "string" } } },
                { type: "null" },
              ],
            },
          },
        },
        VideoEnvelope: { type: "object", properties: { video: { $ref: "#/components/schemas/Video" } } },
        VideoPage: { type: "object", properties: { videos: { type: "array", items: { $ref: "#/components/schemas/Video" } }, nextCursor: { type: ["string", "null"] } } },
        Video: {
          type: "object",
          description: "See VideoView in lib/http/views.ts",
          properties: {
            id: { type: "string" },
            slug: { type: "string" },
            prompt: { type: "string" },
            visibility: { enum: ["public", "private"] },
            mine: { type: "boolean" },
            media: { type: "object", properties: { mp4: { type: "string" }, webm: { type: ["string", "null"] }, poster: { type: ["string", "null"] }, webp: { type: ["string", "null"] } } },
            shareUrl: { type: ["string", "null"] },
            shots: { description: "The storyboard's shots (prompt: theirs joined); null for a clip of one prompt", oneOf: [{ $ref: "#/components/schemas/Shots" }, { type: "null" }] },
            plan: { description: "GET /api/videos/{id} only: the scene plan the clip followed (null: text alone; absent for clips made before plans were kept)", oneOf: [{ $ref: "#/components/schemas/ScenePlan" }, { type: "null" }] },
          },
        },
        Words: {
          type: "object",
          properties: {
            available: { type: "boolean" },
            words: { type: "array", items: { type: "object", properties: { word: { type: "string" }, known: { type: ["boolean", "null"] } } } },
            unknown: { type: "array", items: { type: "string" } },
            truncated: { type: "boolean" },
            maxWords: { type: ["integer", "null"] },
          },
        },
      },
    },
  };
}
