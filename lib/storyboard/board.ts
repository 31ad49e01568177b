/**
 * The Create page's storyboard as it is edited: rows of shots with ids that stay put while
 * shots move (so focus and React keys follow a shot), and the edits the timeline makes. Pure
 * functions, unit-tested; the browser loads this module.
 */
import type { CameraMove, ShotInput } from "./schema";
import { MAX_SHOTS } from "./schema";

export interface ShotRow {
  id: number;
  prompt: string;
  seconds: string; // as typed; toShots() reads it
  camera: CameraMove;
}

/** Seconds a new shot lasts: about two chunks at 8 fps, long enough to show a motion. */
export const NEW_SHOT_SECONDS = "3";

export function newBoard(prompts: readonly string[] = [""]): ShotRow[] {
  return prompts.map((prompt, id) => ({ id, prompt, seconds: NEW_SHOT_SECONDS, camera: "static" }));
}

/** The board with a new empty shot after `after` (at the end when absent); unchanged at MAX_SHOTS. */
export function addShot(rows: readonly ShotRow[], after?: number): ShotRow[] {
  if (rows.length >= MAX_SHOTS) return [...rows];
  const id = rows.reduce((m, r) => Math.max(m, r.id), -1) + 1;
  const at = after === undefined ? rows.length : rows.findIndex((r) => r.id === after) + 1;
  return [...rows.slice(0, at), { id, prompt: "", seconds: NEW_SHOT_SECONDS, camera: "static" as const }, ...rows.slice(at)];
}

/** The board without shot `id`; the last shot stays (a storyboard has at least one). */
export function removeShot(rows: readonly ShotRow[], id: number): ShotRow[] {
  return rows.length <= 1 ? [...rows] : rows.filter((r) => r.id !== id);
}

/** Shot `id` moved one place earlier (-1) or later (+1); unchanged at either end. */
export function moveShot(rows: readonly ShotRow[], id: number, by: -1 | 1): ShotRow[] {
  const i = rows.findIndex((r) => r.id === id);
  const j = i + by;
  if (i < 0 || j < 0 || j >= rows.length) return [...rows];
  const out = [...rows];
  [out[i], out[j]] = [out[j]!, out[i]!];
  return out;
}

export function updateShot(rows: readonly ShotRow[], id: number, change: Partial<Omit<ShotRow, "id">>): ShotRow[] {
  return rows.map((r) => (r.id === id ? { ...r, ...change } : r));
}

/** The board as POST /api/jobs's `shots` (the server checks them; a blank seconds field reads as 0 and is refused naming the shot). */
export function toShots(rows: readonly ShotRow[]): ShotInput[] {
  return rows.map((r) => ({ prompt: r.prompt, seconds: r.seconds.trim() === "" ? 0 : Number(r.seconds), ...(r.camera !== "static" ? { camera: r.camera } : {}) }));
}

/** Seconds in all, of the fields that hold a number. */
export function boardSeconds(rows: readonly ShotRow[]): number {
  return rows.reduce((t, r) => t + (Number.isFinite(Number(r.seconds)) ? Number(r.seconds) : 0), 0);
}
