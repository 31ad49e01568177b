/**
 * Finished clips. A caller sees their own clips and clips others have published; a share
 * slug opens a published clip for anyone. Deleted clips are kept as rows (deletedAt) so a
 * slug never comes back to life, but are invisible everywhere.
 */
import type { Prisma } from "@prisma/client";

import { getDb, type Db } from "./client";
import { AppError } from "./errors";
import { toVideo, type Video } from "./jobs";

const dbOf = (o: { db?: Db }) => o.db ?? getDb();

/** A clip its owner may see, or anyone may if published. */
export async function getVideo(input: { videoId: string; callerId: string; db?: Db }): Promise<Video> {
  const row = await dbOf(input).run((p) => p.video.findUnique({ where: { id: input.videoId } }));
  if (!row || row.deletedAt || (row.callerId !== input.callerId && !row.published)) {
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

/**
 * The gallery, newest first, by cursor (an opaque string from the previous page).
 * scope "mine": the caller's clips; "public": published clips; "all": both.
 * `q` matches words of the prompt (case-insensitive substring).
 */
export async function listVideos(input: {
  callerId: string;
  scope?: "mine" | "public" | "all";
  cursor?: string | null;
  q?: string;
  limit?: number;
  db?: Db;
}): Promise<VideoPage> {
  const limit = Math.min(Math.max(input.limit ?? 24, 1), 100);
  const scope = input.scope ?? "all";
  const visible: Prisma.VideoWhereInput =
    scope === "mine"
      ? { callerId: input.callerId }
      : scope === "public"
        ? { published: true }
        : { OR: [{ callerId: input.callerId }, { published: true }] };
  const and: Prisma.VideoWhereInput[] = [{ deletedAt: null }, visible];
  if (input.cursor) {
    const { createdAt, id } = decodeCursor(input.cursor);
    and.push({ OR: [{ createdAt: { lt: createdAt } }, { createdAt, id: { lt: id } }] });
  }
  const q = input.q?.trim();
  if (q) and.push({ prompt: { contains: q } }); // SQLite LIKE: case-insensitive for ASCII
  const rows = await dbOf(input).run((p) =>
    p.video.findMany({ where: { AND: and }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: limit + 1 }),
  );
  const page = rows.slice(0, limit).map(toVideo);
  const last = page.at(-1);
  return { videos: page, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}

function encodeCursor(v: { createdAt: Date; id: string }): string {
  return Buffer.from(`${v.createdAt.getTime()}.${v.id}`).toString("base64url");
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const match = /^(\d{1,15})\.([A-Za-z0-9_-]{1,64})$/.exec(text);
  if (!match) throw new AppError("BAD_REQUEST", "invalid cursor");
  return { createdAt: new Date(Number(match[1])), id: match[2]! };
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
 * Deletes one of the caller's clips: hidden at once and its share link dead. Returns its
 * media keys so the caller can remove the files.
 */
export async function deleteVideo(input: { videoId: string; callerId: string; now?: Date; db?: Db }): Promise<Video> {
  const db = dbOf(input);
  const row = await db.write(async (tx) => {
    const found = await tx.video.findUnique({ where: { id: input.videoId } });
    if (!found || found.callerId !== input.callerId || found.deletedAt) throw new AppError("NOT_FOUND", "no such video");
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

/** The live videos of some of a caller's jobs, by job id (a job card shows its finished clip). */
export async function videosOfJobs(input: { jobIds: string[]; callerId: string; db?: Db }): Promise<Map<string, Video>> {
  if (input.jobIds.length === 0) return new Map();
  const rows = await dbOf(input).run((p) =>
    p.video.findMany({ where: { jobId: { in: input.jobIds }, callerId: input.callerId, deletedAt: null } }),
  );
  return new Map(rows.map((r) => [r.jobId, toVideo(r)]));
}
