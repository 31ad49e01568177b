/**
 * The media stores behind one contract: the local-disk store and the S3 store, the latter
 * against a real S3-compatible server (s3rver) started here. Then media responses (ranges,
 * ETags) served from either, and the store settings read from the environment.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { newId } from "../../lib/db/ids";
import { objectResponse } from "../../lib/http/media";
import { mediaStoreFromEnv, type MediaStore } from "../../lib/storage";
import { LocalMediaStore } from "../../lib/storage/local";
import { startS3, type TestS3 } from "./s3-server";

const dir = mkdtempSync(path.join(tmpdir(), "spacetime-store-"));
let s3: TestS3;
beforeAll(async () => {
  s3 = await startS3();
});
afterAll(async () => {
  await s3.stop();
  rmSync(dir, { recursive: true, force: true });
});

const bytes = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7) % 251));

/** A finished file of a run, as a worker leaves it in its run folder. */
function runFile(runs: string, jobId: string, name: string, data: Buffer): string {
  mkdirSync(path.join(runs, jobId), { recursive: true });
  const file = path.join(runs, jobId, name);
  writeFileSync(file, data);
  return file;
}

async function text(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  return Buffer.from(await new Response(stream).arrayBuffer());
}

const stores: [string, () => { store: MediaStore; runs: string }][] = [
  [
    "local",
    () => {
      const root = mkdtempSync(path.join(dir, "local-"));
      return { store: new LocalMediaStore(root), runs: mkdtempSync(path.join(dir, "runs-")) };
    },
  ],
  ["s3", () => ({ store: mediaStoreFromEnv({ ...s3.env, S3_PREFIX: `t${newId().slice(0, 6)}/` }), runs: mkdtempSync(path.join(dir, "runs-")) })],
];

describe.each(stores)("%s store", (kind, make) => {
  it("puts a finished file (consuming it), then heads, reads and reads ranges of it", async () => {
    const { store, runs } = make();
    expect(store.kind).toBe(kind);
    const [jobId, videoId] = [newId(), newId()];
    const data = bytes(10_000);
    const file = runFile(runs, jobId, `${videoId}.mp4`, data);
    const key = `${jobId}/${videoId}.mp4`;
    expect(await store.head(key)).toBeNull();
    await store.put(key, file);
    expect(existsSync(file)).toBe(false);

    const info = await store.head(key);
    expect(info).toMatchObject({ size: 10_000, etag: expect.stringMatching(/^"[^"]+"$/) });
    expect(info!.lastModified.getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect((await text(await store.read(key))).equals(data)).toBe(true);
    expect((await text(await store.read(key, { start: 100, end: 199 }))).equals(data.subarray(100, 200))).toBe(true);
    expect((await text(await store.read(key, { start: 9_990, end: 9_999 }))).equals(data.subarray(9_990))).toBe(true);
  });

  it("lists a job's objects and the jobs that have any, and removes them", async () => {
    const { store, runs } = make();
    const [a, b] = [newId(), newId()];
    const keys = [`${a}/${newId()}.mp4`, `${a}/${newId()}.png`, `${b}/${newId()}.webm`];
    for (const k of keys) await store.put(k, runFile(runs, k.split("/")[0]!, k.split("/")[1]!, bytes(10)));
    expect((await store.listJob(a)).sort()).toEqual(keys.slice(0, 2).sort());
    expect((await store.jobIds()).sort()).toEqual([a, b].sort());
    await store.remove([keys[0]!, keys[2]!, `${b}/${newId()}.mp4`]); // a missing one is no error
    expect(await store.listJob(a)).toEqual([keys[1]]);
    expect(await store.listJob(b)).toEqual([]);
    expect(await store.head(keys[0]!)).toBeNull();
  });

  it("refuses keys that are not \"<jobId>/<videoId>.<ext>\"", async () => {
    const { store, runs } = make();
    const file = runFile(runs, newId(), "x.mp4", bytes(1));
    for (const key of ["../escape.mp4", `${newId()}/../../etc.mp4`, `${newId()}/${newId()}.sh`, "a/b.mp4"]) {
      await expect(store.put(key, file), key).rejects.toThrow(/not a media key/);
      await expect(store.head(key), key).rejects.toThrow(/not a media key/);
    }
  });

  it("serves media responses from the store: 200, 206, 416, 304 and HEAD", async () => {
    const { store, runs } = make();
    const [jobId, videoId] = [newId(), newId()];
    const data = bytes(1000);
    const key = `${jobId}/${videoId}.mp4`;
    await store.put(key, runFile(runs, jobId, `${videoId}.mp4`, data));
    const req = (headers: Record<string, string> = {}, method = "GET") => new Request("http://x/media", { method, headers });
    const cache = "private, max-age=60";

    const whole = (await objectResponse(req(), store, key, cache))!;
    expect(whole.status).toBe(200);
    expect(whole.headers.get("content-type")).toBe("video/mp4");
    expect(whole.headers.get("content-length")).toBe("1000");
    expect(Buffer.from(await whole.arrayBuffer()).equals(data)).toBe(true);
    const etag = whole.headers.get("etag")!;

    const part = (await objectResponse(req({ range: "bytes=-100" }), store, key, cache))!;
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe("bytes 900-999/1000");
    expect(Buffer.from(await part.arrayBuffer()).equals(data.subarray(900))).toBe(true);
    expect((await objectResponse(req({ range: "bytes=1000-" }), store, key, cache))!.status).toBe(416);
    expect((await objectResponse(req({ "if-none-match": etag }), store, key, cache))!.status).toBe(304);
    // If-Range with another ETag: the whole object, not the range.
    expect((await objectResponse(req({ range: "bytes=0-9", "if-range": '"other"' }), store, key, cache))!.status).toBe(200);
    const head = (await objectResponse(req({}, "HEAD"), store, key, cache))!;
    expect(head.status).toBe(200);
    expect(head.body).toBeNull();
    expect(await objectResponse(req(), store, `${jobId}/${newId()}.mp4`, cache)).toBeNull();
  });
});

describe("store settings from the environment", () => {
  it("defaults to local disk under MEDIA_ROOT", () => {
    const store = mediaStoreFromEnv({ MEDIA_ROOT: dir });
    expect(store).toMatchObject({ kind: "local", where: dir });
    expect(mediaStoreFromEnv({ MEDIA_STORE: "" })).toMatchObject({ kind: "local", where: path.resolve("data/media") });
  });

  it("describes what is missing or wrong", () => {
    expect(() => mediaStoreFromEnv({ MEDIA_STORE: "s3" })).toThrow(/S3_BUCKET/);
    expect(() => mediaStoreFromEnv({ MEDIA_STORE: "nfs" })).toThrow(/MEDIA_STORE/);
    expect(() => mediaStoreFromEnv({ MEDIA_STORE: "s3", S3_BUCKET: "b", S3_ENDPOINT: "not a url" })).toThrow(/S3_ENDPOINT/);
    expect(() => mediaStoreFromEnv({ MEDIA_STORE: "s3", S3_BUCKET: "b", S3_ACCESS_KEY_ID: "k" })).toThrow(/both/);
    expect(() => mediaStoreFromEnv({ MEDIA_STORE: "s3", S3_BUCKET: "b", S3_PREFIX: "../" })).toThrow(/S3_PREFIX/);
    expect(mediaStoreFromEnv({ MEDIA_STORE: "s3", S3_BUCKET: "b", S3_PREFIX: "clips/" }).where).toBe("s3://b/clips/");
  });
});
