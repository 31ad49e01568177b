/**
 * Where a job's files go: MEDIA_ROOT (default ./data/media)/<jobId>/<videoId>.{mp4,webm,png,webp}.
 * Paths are built from database ids only, checked against ID_PATTERN, never from user input.
 *
 * Each run names its files after a video id of its own, so a worker that lost its lease can
 * remove its files without touching the run that replaced it. A worker that claims a job
 * first clears the job's folder (leftovers of a run that died), and the sweeper removes
 * whatever no live video refers to, so no orphan or half-written file outlives a crash.
 */
import { chmod, mkdir, readdir, rm, rmdir } from "node:fs/promises";
import path from "node:path";

import { storeConfig } from "../config";
import type { Db } from "../db/client";
import type { MediaStore } from "../storage";
import { isId } from "../db/ids";
import { mediaOwners } from "../db/videos";

/** Media folders are the owner's alone: private clips live in them. */
export const PRIVATE_DIR_MODE = 0o700;

/** Creates the media root if need be, and makes it (an older, looser one too) the owner's alone. */
export async function makeRootPrivate(root: string): Promise<void> {
  await mkdir(root, { recursive: true, mode: PRIVATE_DIR_MODE });
  await chmod(root, PRIVATE_DIR_MODE);
}

export function mediaRoot(): string {
  return path.resolve(storeConfig().mediaRoot);
}

export function jobDir(root: string, jobId: string): string {
  if (!isId(jobId)) throw new Error(`not a job id: ${JSON.stringify(jobId)}`);
  return path.join(root, jobId);
}

/** The path of a run's files without extension; the .mp4 goes to `${base}.mp4`. */
export async function prepareRun(root: string, jobId: string, videoId: string): Promise<string> {
  if (!isId(videoId)) throw new Error(`not a video id: ${JSON.stringify(videoId)}`);
  const dir = jobDir(root, jobId);
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  return path.join(dir, videoId);
}

/** A file's key relative to the media root, as stored in Video ("<jobId>/<videoId>.mp4"). */
export function mediaKey(root: string, file: string): string {
  const rel = path.relative(root, file);
  if (rel.startsWith("..") || path.isAbsolute(rel)) throw new Error(`${file} is outside the media root ${root}`);
  return rel.split(path.sep).join("/");
}

/** Removes everything of a job: for a worker that has just claimed it, or for a job that ended without a video. */
export async function clearJobDir(root: string, jobId: string): Promise<void> {
  await rm(jobDir(root, jobId), { recursive: true, force: true });
}

/** Removes one run's files (finished or temporary: "<videoId>.*" and ".<videoId>.*"), then the folder if empty. */
export async function removeRunFiles(root: string, jobId: string, videoId: string): Promise<void> {
  const dir = jobDir(root, jobId);
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    names.filter((n) => n.startsWith(`${videoId}.`) || n.startsWith(`.${videoId}.`)).map((n) => rm(path.join(dir, n), { force: true })),
  );
  await rmdir(dir).catch(() => {}); // not empty (another run's files) or already gone: fine
}

/**
 * Removes files no live video refers to: folders of jobs that are gone or ended without a
 * video, and stray files beside a finished job's video. Folders of queued or running jobs are
 * left to their workers. Returns the paths removed.
 */
export async function sweepMedia(input: { root: string; db?: Db }): Promise<string[]> {
  const entries = await readdir(input.root, { withFileTypes: true }).catch(() => []);
  const dirs = entries.filter((e) => e.isDirectory() && isId(e.name)).map((e) => e.name);
  if (dirs.length === 0) return [];
  const owners = await mediaOwners({ jobIds: dirs, db: input.db });
  const removed: string[] = [];
  for (const jobId of dirs) {
    const owner = owners.get(jobId);
    const dir = path.join(input.root, jobId);
    if (owner && (owner.state === "queued" || owner.state === "running")) continue;
    if (!owner || owner.keys.length === 0) {
      await rm(dir, { recursive: true, force: true });
      removed.push(dir);
      continue;
    }
    const keep = new Set(owner.keys.map((k) => path.basename(k)));
    for (const name of await readdir(dir)) {
      if (keep.has(name)) continue;
      await rm(path.join(dir, name), { recursive: true, force: true });
      removed.push(path.join(dir, name));
    }
  }
  return removed;
}

/**
 * The same for a media store that is not the run folder (S3): objects of jobs that are gone
 * or ended without a video, and objects beside a finished job's video. Returns the keys removed.
 */
export async function sweepStore(input: { store: MediaStore; db?: Db }): Promise<string[]> {
  const jobIds = await input.store.jobIds();
  if (jobIds.length === 0) return [];
  const owners = await mediaOwners({ jobIds, db: input.db });
  const removed: string[] = [];
  for (const jobId of jobIds) {
    const owner = owners.get(jobId);
    if (owner && (owner.state === "queued" || owner.state === "running")) continue;
    const keep = new Set(owner?.keys ?? []);
    const stray = (await input.store.listJob(jobId)).filter((k) => !keep.has(k));
    await input.store.remove(stray);
    removed.push(...stray);
  }
  return removed;
}
