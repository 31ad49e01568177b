/**
 * Finished clips. A caller sees their own clips and clips others have published; a share
 * slug opens a published clip for anyone. Deleted clips are kept as rows (deletedAt) so a
 * slug never comes back to life, but are invisible everywhere.
 */
import { Prisma, type Job as JobRow, type Video as VideoRow } from "@prisma/client";

import type { ScenePlan } from "../plan/schema";

import { getDb, type Db, type Tx } from "./client";
import { cursorText, keysetText, parseKeyset, toCursor, type Keyset } from "./cursor";
import { AppError } from "./errors";
import { newId } from "./ids";
import { planColumn } from "./plan-column";

const dbOf = (o: { db?: Db }) => o.db ?? getDb();

/** A clip as the app sees it: the seed as a number (it fits: at most 2^48). */
export type Video = Omit<VideoRow, "seed"> & { seed: number };

export function toVideo(row: VideoRow): Video {
  return { ...row, seed: Number(row.seed) };
}

/** What a finished run made; keys are relative to the media root. */
export interface VideoOutput extends VideoMetadata {
  videoId: string; // chosen by the worker before the run: its files are named after it
  mp4Key: string;
  webmKey?: string;
  posterKey?: string;
  webpKey?: string;
}

/** The clip's description and how it was made, as the handler reports it and the Video row keeps it. */
export interface VideoMetadata {
  width: number;
  height: number;
  frames: number;
  fps: number;
  aspect?: string; // model.json aspects key the clip was made in ("1:1" when absent)
  loop?: boolean; // made to lead back into its first frame
  seed: number;
  steps: number;
  guidance: number;
  scheduler: string;
  modelId: string;
  timings: Record<string, number>; // ms
  secondsPerStep: number | null; // measured denoising speed, for ETAs
  plan?: ScenePlan | null; // the scene plan the clip followed (null: text alone; absent: not known)
}

/**
 * The clip of a job that has just succeeded, in completeJob's transaction (lib/db/jobs.ts):
 * its prompt and owner from the job's row, the rest from what the run made.
 */
export async function insertVideo(tx: Tx, input: { job: JobRow; output: VideoOutput; now: Date }): Promise<Video> {
  const { job: row, output: o, now } = input;
  const video = await tx.video.create({
    data: {
      id: o.videoId,
      jobId: row.id,
      slug: newId(),
      callerId: row.callerId,
      prompt: row.prompt,
      negativePrompt: row.negativePrompt,
      steps: o.steps,
      guidance: o.guidance,
      scheduler: o.scheduler,
      mp4Key: o.mp4Key,
      webmKey: o.webmKey ?? null,
      posterKey: o.posterKey ?? null,
      webpKey: o.webpKey ?? null,
      width: o.width,
      height: o.height,
      frames: o.frames,
      fps: o.fps,
      aspect: o.aspect ?? "1:1",
      loop: o.loop ?? false,
      seed: BigInt(o.seed),
      modelId: o.modelId,
      timings: JSON.stringify(o.timings),
      plan: planColumn(o.plan),
      shots: row.shots, // the job's storyboard is the clip's
      createdAt: now,
    },
  });
  return toVideo(video);
}

/** A clip its owner may see, or anyone may if published (`anyOwner`: the admin sees every clip). */
export async function getVideo(input: { videoId: string; callerId: string; anyOwner?: boolean; db?: Db }): Promise<Video> {
  const row = await dbOf(input).run((p) => p.video.findUnique({ where: { id: input.videoId } }));
  if (!row || row.deletedAt || (row.callerId !== input.callerId && !row.published && !input.anyOwner)) {
    throw new AppError("NOT_FOUND", "no such video");
  }
  return toVideo(row);
}

/** The clip behind a share link: published and not deleted, else NOT_FOUND. */
export async function getVideoBySlug(input: { slug: string; db?: Db }): Promise<Video> {
  const row = await dbOf(input).run((p) => p.video.findUnique({ where: { slug: input.slug } }));
  if (!row || row.deletedAt || !row.published) throw new AppError("NOT_FOUND", "no such video");
  return toVideo(row);
}

export interface VideoPage {
  videos: Video[];
  nextCursor: string | null;
}

export type GalleryScope = "mine" | "public" | "all";

/**
 * The gallery, newest first, by cursor (an opaque string from the previous page).
 * scope "mine": the caller's clips; "public": published clips; "all": both.
 *
 * Every page costs about the same at 1k or 100k clips (npm run bench:gallery):
 * - Listing walks the scope's own index, (callerId | published, createdAt, id), from the
 *   cursor and stops after a page; "all" reads a page of each of the two and merges them.
 * - `q` searches the words of the prompt (Porter-stemmed, case- and accent-insensitive,
 *   every word must occur) in the FTS5 index "VideoSearch", whose rowids grow with insertion:
 *   FTS5 walks the matches newest first and the page stops after `limit` visible ones,
 *   instead of LIKE scanning every prompt or sorting every match. Its cursor is that rowid.
 */
export async function listVideos(input: {
  callerId: string;
  scope?: GalleryScope;
  cursor?: string | null;
  q?: string;
  limit?: number;
  db?: Db;
}): Promise<VideoPage> {
  const limit = Math.min(Math.max(input.limit ?? 24, 1), 100);
  const scope = input.scope ?? "all";
  const db = dbOf(input);
  const cursor = input.cursor ? decodeCursor(input.cursor) : null;
  const q = input.q?.trim();
  if (q) {
    if (cursor && cursor.kind !== "search") throw new AppError("BAD_REQUEST", "this cursor belongs to a listing, not to a search");
    return searchVideos({ db, callerId: input.callerId, scope, q, after: cursor?.rowid ?? null, limit });
  }
  if (cursor && cursor.kind !== "list") throw new AppError("BAD_REQUEST", "this cursor belongs to a search, not to a listing");
  const before = cursor ? Prisma.sql`AND ("createdAt", "id") < (${cursor.createdAt}, ${cursor.id})` : Prisma.empty;
  const page = (where: Prisma.Sql) =>
    db.run((p) =>
      p.$queryRaw<VideoRow[]>`
        SELECT * FROM "Video" WHERE ${where} AND "deletedAt" IS NULL ${before}
        ORDER BY "createdAt" DESC, "id" DESC LIMIT ${limit + 1}`,
    );
  const mine = Prisma.sql`"callerId" = ${input.callerId}`;
  const published = Prisma.sql`"published" = true`;
  let rows: VideoRow[];
  if (scope === "mine") rows = await page(mine);
  else if (scope === "public") rows = await page(published);
  else {
    const [a, b] = [await page(mine), await page(published)];
    const seen = new Set<string>();
    rows = [...a, ...b]
      .filter((r) => !seen.has(r.id) && seen.add(r.id))
      .sort((x, y) => y.createdAt.getTime() - x.createdAt.getTime() || (y.id < x.id ? -1 : y.id > x.id ? 1 : 0))
      .slice(0, limit + 1);
  }
  const videos = rows.slice(0, limit).map(toVideo);
  const last = videos.at(-1);
  return { videos, nextCursor: rows.length > limit && last ? encodeCursor({ kind: "list", createdAt: last.createdAt, id: last.id }) : null };
}

const MAX_QUERY_WORDS = 12;

async function searchVideos(input: { db: Db; callerId: string; scope: GalleryScope; q: string; after: number | null; limit: number }): Promise<VideoPage> {
  // Words only, each quoted: the user's text never reaches FTS5's query syntax (AND, NEAR, *, ...).
  const words = (input.q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, MAX_QUERY_WORDS);
  if (words.length === 0) return { videos: [], nextCursor: null };
  const match = words.map((w) => `"${w}"`).join(" "); // FTS5's query: each word quoted
  const visible =
    input.scope === "mine"
      ? Prisma.sql`v."callerId" = ${input.callerId}`
      : input.scope === "public"
        ? Prisma.sql`v."published" = true`
        : Prisma.sql`(v."callerId" = ${input.callerId} OR v."published" = true)`;
  const after = input.after === null ? Prisma.empty : Prisma.sql`AND s."rowid" < ${input.after}`;
  // PostgreSQL's "VideoSearch" is a tsvector table with the same rowids (its gallery_search migration).
  const matches =
    input.db.provider === "postgresql"
      ? Prisma.sql`s."document" @@ plainto_tsquery('spacetime_search', ${words.join(" ")})`
      : Prisma.sql`"VideoSearch" MATCH ${match}`;
  const rows = await input.db.run((p) =>
    p.$queryRaw<(VideoRow & { searchRowid: number | bigint })[]>`
      SELECT v.*, s."rowid" AS "searchRowid"
      FROM "VideoSearch" s JOIN "Video" v ON v."id" = s."videoId"
      WHERE ${matches} ${after} AND v."deletedAt" IS NULL AND ${visible}
      ORDER BY s."rowid" DESC LIMIT ${input.limit + 1}`,
  );
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return {
    videos: page.map(({ searchRowid: _rowid, ...row }) => toVideo(row)),
    nextCursor: rows.length > input.limit && last ? encodeCursor({ kind: "search", rowid: Number(last.searchRowid) }) : null,
  };
}

type Cursor = ({ kind: "list" } & Keyset) | { kind: "search"; rowid: number };

function encodeCursor(c: Cursor): string {
  return toCursor(c.kind === "list" ? keysetText(c) : `s${c.rowid}`);
}

function decodeCursor(cursor: string): Cursor {
  const text = cursorText(cursor);
  const list = parseKeyset(text);
  if (list) return { kind: "list", ...list };
  const search = /^s(\d{1,15})$/.exec(text);
  if (search) return { kind: "search", rowid: Number(search[1]) };
  throw new AppError("BAD_REQUEST", "invalid cursor");
}

/** Publish or unpublish one of the caller's clips. */
export async function setVideoPublished(input: { videoId: string; callerId: string; published: boolean; db?: Db }): Promise<Video> {
  const db = dbOf(input);
  const { count } = await db.run((p) =>
    p.video.updateMany({
      where: { id: input.videoId, callerId: input.callerId, deletedAt: null },
      data: { published: input.published },
    }),
  );
  if (count === 0) throw new AppError("NOT_FOUND", "no such video");
  return getVideo({ videoId: input.videoId, callerId: input.callerId, db });
}

/**
 * Deletes one of the caller's clips (any clip, without `callerId`: the admin): hidden at once and its share link dead. Returns its
 * media keys so the caller can remove the files.
 */
export async function deleteVideo(input: { videoId: string; callerId?: string; now?: Date; db?: Db }): Promise<Video> {
  const db = dbOf(input);
  const row = await db.write(async (tx) => {
    const found = await tx.video.findUnique({ where: { id: input.videoId } });
    if (!found || (input.callerId !== undefined && found.callerId !== input.callerId) || found.deletedAt) throw new AppError("NOT_FOUND", "no such video");
    return tx.video.update({ where: { id: found.id }, data: { deletedAt: input.now ?? new Date(), published: false } });
  });
  return toVideo(row);
}

/** For the media sweeper: each job's state and, if it has one, its live video's keys. */
export async function mediaOwners(input: { jobIds: string[]; db?: Db }): Promise<Map<string, { state: string; keys: string[] }>> {
  const rows = await dbOf(input).run((p) =>
    p.job.findMany({ where: { id: { in: input.jobIds } }, select: { id: true, state: true, video: true } }),
  );
  return new Map(
    rows.map((r) => {
      const v = r.video && !r.video.deletedAt ? r.video : null;
      const keys = v ? [v.mp4Key, v.webmKey, v.posterKey, v.webpKey].filter((k): k is string => k !== null) : [];
      return [r.id, { state: r.state, keys }];
    }),
  );
}

/** The live videos of some jobs, by job id (a job card shows its finished clip, to its owner). */
export async function videosOfJobs(input: { jobIds: string[]; db?: Db }): Promise<Map<string, Video>> {
  if (input.jobIds.length === 0) return new Map();
  const rows = await dbOf(input).run((p) => p.video.findMany({ where: { jobId: { in: input.jobIds }, deletedAt: null } }));
  return new Map(rows.map((r) => [r.jobId, toVideo(r)]));
}
