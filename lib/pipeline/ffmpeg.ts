/**
 * Raw RGB frames -> finished files, by ffmpeg processes fed on stdin.
 *
 * Each requested output has its own process, all running at once: an H.264
 * MP4 (yuv420p so every browser plays it, +faststart so it starts before it
 * has downloaded), a VP9 WebM, a poster image and a short animated WebP for
 * the gallery. One process encodes its outputs one after another, on one
 * core; apart, they share the machine's cores (at 24 fps and 256 px that made
 * the whole mux 2-3x quicker on two cores). Presets are chosen for the
 * worker's few cores: x264 veryfast at CRF 18, VP9 realtime speed 8 and WebP
 * compression level 2 each took a half to a third of the time of the slower
 * settings, for files 5-35% larger. The prompt and settings go into the MP4/WebM
 * metadata (title = prompt, comment = JSON of the settings), so a file still
 * says how it was made after it leaves the app.
 *
 * Outputs are written to hidden temporary names beside their targets and
 * renamed only after every ffmpeg succeeds and each file checks out (verifyOutput:
 * ffmpeg exits 0 even when it could not write its trailer, e.g. on a full
 * disk); on failure or abort every ffmpeg is killed and the temporaries (and any
 * target already renamed) are removed, so the targets hold a complete set of
 * files or nothing new.
 *
 * The binary is FFMPEG_PATH if set, else the one @ffmpeg-installer/ffmpeg ships.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { access, open, rename, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

import { modelConfig } from "../config";
import { PipelineError } from "./errors";

export interface MuxMetadata {
  prompt: string;
  negativePrompt?: string;
  seed: number;
  steps: number;
  guidance: number;
  modelId: string;
  scheduler?: string;
  aspect?: string; // the DiT frame it was made in (model.json aspects); fps and size are the stream's own
  loop?: boolean; // made to lead back into its first frame (play it on repeat)
  plan?: object; // the scene plan the clip followed, so the file alone can remake it
  shots?: object; // a storyboard's shots (prompt, seconds, camera), its prompt being theirs joined
}

/** Target paths; only the ones given are written. Poster format follows the extension (.png, .jpg/.jpeg). */
export interface MuxOutputs {
  mp4?: string;
  webm?: string;
  poster?: string;
  webp?: string;
}

export interface MuxOptions {
  frames: readonly Uint8Array[]; // each width * height * 3 bytes, RGB
  width: number;
  height: number;
  fps: number;
  outputs: MuxOutputs;
  metadata?: MuxMetadata;
  posterFrame?: "first" | "middle" | number; // default: middle
  previewSeconds?: number; // length of the animated WebP, default 3
  previewWidth?: number; // its width, default min(width, 256)
  signal?: AbortSignal;
  ffmpegPath?: string; // default: resolveFfmpeg()
}

const require = createRequire(import.meta.url);

/** The ffmpeg binary to run; throws FFMPEG_MISSING with what to do about it. */
export async function resolveFfmpeg(): Promise<string> {
  let candidate = modelConfig().ffmpegPath;
  let source = "FFMPEG_PATH";
  if (!candidate) {
    source = "@ffmpeg-installer/ffmpeg";
    try {
      // Required lazily: the package throws at load time on platforms it has no binary for.
      candidate = (require("@ffmpeg-installer/ffmpeg") as { path: string }).path;
    } catch (err) {
      throw new PipelineError(
        "FFMPEG_MISSING",
        `no ffmpeg: @ffmpeg-installer/ffmpeg is not usable here (${(err as Error).message}); install ffmpeg and set FFMPEG_PATH`,
        { cause: err },
      );
    }
  }
  try {
    await access(candidate, constants.X_OK);
  } catch (err) {
    throw new PipelineError(
      "FFMPEG_MISSING",
      `no executable ffmpeg at ${candidate} (from ${source}); set FFMPEG_PATH to an ffmpeg binary or reinstall @ffmpeg-installer/ffmpeg`,
      { cause: err },
    );
  }
  return candidate;
}

/** The first line of `ffmpeg -version`: proof the binary runs here, not only that it exists. */
export async function ffmpegVersion(ffmpeg: string): Promise<string> {
  let out = "";
  await new Promise<void>((resolve, reject) => {
    const child = spawn(ffmpeg, ["-version"], { stdio: ["ignore", "pipe", "ignore"] });
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.on("error", (err) => reject(new PipelineError("FFMPEG_MISSING", `cannot run ffmpeg at ${ffmpeg}: ${err.message}; set FFMPEG_PATH`, { cause: err })));
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new PipelineError("FFMPEG_MISSING", `ffmpeg at ${ffmpeg} does not run (\`-version\` exited ${code}); set FFMPEG_PATH`)),
    );
  });
  return out.split("\n")[0]!.split(" Copyright")[0]!.trim();
}

function posterCodec(file: string): string[] {
  const ext = path.extname(file).toLowerCase();
  if (ext === ".png") return ["-c:v", "png"];
  if (ext === ".jpg" || ext === ".jpeg") return ["-c:v", "mjpeg", "-q:v", "3", "-pix_fmt", "yuvj420p"];
  throw new PipelineError("BAD_INPUT", `poster must be .png, .jpg or .jpeg, got ${file}`);
}

function metadataArgs(m: MuxMetadata | undefined): string[] {
  if (!m) return [];
  const settings = {
    seed: m.seed,
    steps: m.steps,
    guidance: m.guidance,
    model: m.modelId,
    ...(m.scheduler ? { scheduler: m.scheduler } : {}),
    ...(m.negativePrompt ? { negative: m.negativePrompt } : {}),
    ...(m.aspect ? { aspect: m.aspect } : {}),
    ...(m.loop ? { loop: true } : {}),
    ...(m.shots ? { shots: m.shots } : {}),
    ...(m.plan ? { plan: m.plan } : {}),
  };
  return ["-metadata", `title=${m.prompt}`, "-metadata", `comment=${JSON.stringify({ prompt: m.prompt, ...settings })}`];
}

/** The ffmpeg argument list that writes one output to its temporary path. */
export function buildArgs(o: MuxOptions, kind: keyof MuxOutputs, file: string): string[] {
  const n = o.frames.length;
  // H.264 and VP9 in 4:2:0 need even sizes: pad one pixel rather than refuse.
  const even = o.width % 2 || o.height % 2 ? ["-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2"] : [];
  const args = ["-hide_banner", "-loglevel", "error", "-nostdin", "-y"];
  args.push("-f", "rawvideo", "-pix_fmt", "rgb24", "-s", `${o.width}x${o.height}`, "-framerate", String(o.fps), "-i", "pipe:0");
  if (kind === "mp4") {
    args.push("-map", "0:v", ...even, "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p");
    args.push("-movflags", "+faststart", ...metadataArgs(o.metadata), "-f", "mp4", file);
  } else if (kind === "webm") {
    // Constant quality (-b:v 0 -crf); realtime at speed 8 with -row-mt keeps it quick on few cores.
    args.push("-map", "0:v", ...even, "-c:v", "libvpx-vp9", "-b:v", "0", "-crf", "32", "-pix_fmt", "yuv420p");
    args.push("-deadline", "realtime", "-cpu-used", "8", "-row-mt", "1", ...metadataArgs(o.metadata), "-f", "webm", file);
  } else if (kind === "poster") {
    const p = o.posterFrame ?? "middle";
    const index = p === "first" ? 0 : p === "middle" ? Math.floor((n - 1) / 2) : p;
    if (!Number.isInteger(index) || index < 0 || index >= n) {
      throw new PipelineError("BAD_INPUT", `poster frame ${p} is outside the clip's ${n} frames`);
    }
    args.push("-map", "0:v", "-vf", `select=eq(n\\,${index})`, "-frames:v", "1", ...posterCodec(o.outputs.poster!));
    args.push("-f", "image2", "-update", "1", file);
  } else {
    const w = Math.min(o.previewWidth ?? 256, o.width);
    // No scale filter at the clip's own width: lanczos at scale 1 took a third of the WebP's time.
    const scale = w < o.width ? ["-vf", `scale=${w}:-1:flags=lanczos`] : [];
    args.push("-map", "0:v", "-t", String(o.previewSeconds ?? 3), ...scale);
    args.push("-c:v", "libwebp_anim", "-lossless", "0", "-quality", "70", "-compression_level", "2", "-loop", "0", "-f", "webp", file);
  }
  return args;
}

/** Writes every requested output; resolves with the final paths, or throws with nothing left behind. */
export async function mux(o: MuxOptions): Promise<MuxOutputs> {
  const frameBytes = o.width * o.height * 3;
  if (o.frames.length === 0) throw new PipelineError("BAD_INPUT", "no frames to mux");
  o.frames.forEach((f, i) => {
    if (f.length !== frameBytes) {
      throw new PipelineError("BAD_INPUT", `frame ${i} has ${f.length} bytes, expected ${o.width}x${o.height}x3 = ${frameBytes}`);
    }
  });
  const targets = Object.entries(o.outputs).filter(([, p]) => p) as [keyof MuxOutputs, string][];
  if (targets.length === 0) throw new PipelineError("BAD_INPUT", "no outputs requested");
  if (o.signal?.aborted) throw new PipelineError("ABORTED", "mux aborted before start", { cause: o.signal.reason });

  const ffmpeg = o.ffmpegPath ?? (await resolveFfmpeg());
  const tag = randomBytes(6).toString("hex");
  const tmp: MuxOutputs = {};
  for (const [k, p] of targets) tmp[k] = path.join(path.dirname(p), `.${path.basename(p)}.${tag}.part`);
  // Built before any process starts, so a bad poster frame spawns nothing.
  const argLists = targets.map(([k]) => [k, buildArgs(o, k, tmp[k]!)] as const);
  const removeTemps = () => Promise.all(Object.values(tmp).map((p) => rm(p!, { force: true })));

  const renamed: string[] = [];
  try {
    await runAll(ffmpeg, argLists.map(([, a]) => a), o.frames, o.signal);
    // An abort that lands after the encoders are done still leaves nothing behind.
    if (o.signal?.aborted) throw new PipelineError("ABORTED", "mux aborted", { cause: o.signal.reason });
    for (const [k] of targets) await verifyOutput(k, tmp[k]!);
    for (const [k, p] of targets) {
      await rename(tmp[k]!, p);
      renamed.push(p);
    }
  } catch (err) {
    // A rename that fails part-way would leave half a set (an MP4 without its poster): take it all back.
    await Promise.all([removeTemps(), ...renamed.map((p) => rm(p, { force: true }))]);
    throw err;
  }
  return Object.fromEntries(targets) as MuxOutputs;
}

/**
 * Refuses an output that is empty, not of its format, or cut short: ffmpeg reports a failed
 * write of its trailer (a full disk, a file-size limit) on stderr but still exits 0. MP4s are
 * walked box by box (the sizes must add up to the file, with a moov and an mdat); PNGs must
 * end with IEND; a WebP's RIFF size must match the file; a WebM must start with EBML.
 */
export async function verifyOutput(kind: keyof MuxOutputs, file: string): Promise<void> {
  const fail = (why: string) => {
    throw new PipelineError("FFMPEG_FAILED", `ffmpeg exited 0 but its ${kind} output is unusable: ${why}`);
  };
  const fh = await open(file, "r");
  try {
    const size = (await fh.stat()).size;
    if (size === 0) fail("the file is empty");
    const read = async (at: number, n: number) => {
      const buf = Buffer.alloc(n);
      const { bytesRead } = await fh.read(buf, 0, n, at);
      return buf.subarray(0, bytesRead);
    };
    const head = await read(0, 16);
    if (kind === "mp4") {
      const seen = new Set<string>();
      let at = 0;
      while (at < size) {
        const box = await read(at, 16);
        if (box.length < 8) fail(`a box header is cut off at byte ${at}`);
        let length = box.readUInt32BE(0);
        if (length === 1) length = box.length >= 16 ? Number(box.readBigUInt64BE(8)) : 0;
        else if (length === 0) length = size - at; // "to the end of the file"
        if (length < 8 || at + length > size) fail(`the ${box.toString("latin1", 4, 8)} box at byte ${at} runs past the end (truncated)`);
        seen.add(box.toString("latin1", 4, 8));
        at += length;
      }
      for (const need of ["ftyp", "moov", "mdat"]) if (!seen.has(need)) fail(`no ${need} box`);
    } else if (kind === "poster") {
      const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      const jpeg = head[0] === 0xff && head[1] === 0xd8;
      if (!head.subarray(0, 8).equals(png) && !jpeg) fail("not a PNG or JPEG");
      const tail = await read(Math.max(0, size - 8), 8);
      if (jpeg ? !(tail[6] === 0xff && tail[7] === 0xd9) : tail.toString("latin1", 0, 4) !== "IEND") fail("the image is cut short");
    } else if (kind === "webp") {
      if (head.toString("latin1", 0, 4) !== "RIFF" || head.toString("latin1", 8, 12) !== "WEBP") fail("not a WebP");
      if (head.readUInt32LE(4) + 8 !== size) fail(`RIFF says ${head.readUInt32LE(4) + 8} bytes, the file has ${size} (truncated)`);
    } else if (!head.subarray(0, 4).equals(Buffer.from([0x1a, 0x45, 0xdf, 0xa3]))) {
      fail("not a WebM (no EBML header)");
    }
  } finally {
    await fh.close();
  }
}

/**
 * Runs one ffmpeg per argument list at once. The first to fail stops the others and is the
 * error reported (theirs would only say they were stopped); an abort stops them all.
 */
async function runAll(ffmpeg: string, argLists: string[][], frames: readonly Uint8Array[], signal?: AbortSignal): Promise<void> {
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  let first: unknown = null;
  try {
    const runs = argLists.map((args) =>
      runFfmpeg(ffmpeg, args, frames, stop.signal).catch((err: unknown) => {
        if (!stop.signal.aborted) {
          first = err;
          stop.abort(err);
        }
        throw err;
      }),
    );
    await Promise.allSettled(runs);
    if (signal?.aborted) throw new PipelineError("ABORTED", "mux aborted", { cause: signal.reason });
    if (first) throw first;
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}

// The system is short of processes or memory for a moment: a later spawn may well succeed.
const TRANSIENT_SPAWN_ERRORS = new Set(["EAGAIN", "ENOMEM"]);
// The binary itself is not there or not runnable: no retry fixes that.
const MISSING_SPAWN_ERRORS = new Set(["ENOENT", "EACCES", "ENOEXEC", "ENOTDIR"]);
const SPAWN_TRIES = 4; // waiting 0.2, 0.4, 0.8 s between them

/**
 * Runs ffmpeg on the frames, spawning again when the spawn fails for lack of resources
 * (EAGAIN, ENOMEM): nothing was written by a process that never started.
 */
async function runFfmpeg(ffmpeg: string, args: string[], frames: readonly Uint8Array[], signal?: AbortSignal): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await runFfmpegOnce(ffmpeg, args, frames, signal);
    } catch (err) {
      const code = spawnErrorCode(err);
      if (code === null || !TRANSIENT_SPAWN_ERRORS.has(code)) throw err;
      if (attempt >= SPAWN_TRIES) {
        throw new PipelineError("FFMPEG_FAILED", `could not start ffmpeg (${code}, ${SPAWN_TRIES} tries): the system is short of processes or memory`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      if (signal?.aborted) throw new PipelineError("ABORTED", "mux aborted", { cause: signal.reason });
    }
  }
}

/** The errno code of a spawn that failed for lack of resources (SpawnError), else null. */
function spawnErrorCode(err: unknown): string | null {
  return err instanceof SpawnError ? err.errno : null;
}

/** A spawn that failed before ffmpeg ran, for a reason a later spawn may not have. */
class SpawnError extends Error {
  constructor(readonly errno: string, cause: unknown) {
    super(`spawn failed: ${errno}`, { cause });
  }
}

/** Spawns ffmpeg, streams the frames with backpressure, and settles when it exits. */
function runFfmpegOnce(ffmpeg: string, args: string[], frames: readonly Uint8Array[], signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(ffmpeg, args, { stdio: ["pipe", "ignore", "pipe"] });
    } catch (err) {
      // Node throws at once for some spawn failures (ENOMEM among them) and emits "error" for others.
      const code = (err as NodeJS.ErrnoException).code ?? "";
      return reject(TRANSIENT_SPAWN_ERRORS.has(code) ? new SpawnError(code, err) : new PipelineError("FFMPEG_FAILED", `cannot start ffmpeg at ${ffmpeg}: ${(err as Error).message}`, { cause: err }));
    }
    const stdin = child.stdin!;
    let stderr = "";
    let failure: Error | null = null;
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (d: string) => {
      stderr = (stderr + d).slice(-4000); // the tail is where ffmpeg says what went wrong
    });
    const onAbort = () => {
      failure ??= new PipelineError("ABORTED", "mux aborted", { cause: signal?.reason });
      child.kill("SIGKILL");
    };
    signal?.addEventListener("abort", onAbort, { once: true });

    child.on("error", (err: NodeJS.ErrnoException) => {
      const code = err.code ?? "";
      failure ??= MISSING_SPAWN_ERRORS.has(code)
        ? new PipelineError("FFMPEG_MISSING", `cannot run ffmpeg at ${ffmpeg}: ${err.message}; set FFMPEG_PATH`, { cause: err })
        : TRANSIENT_SPAWN_ERRORS.has(code) && child.pid === undefined
          ? new SpawnError(code, err)
          : new PipelineError("FFMPEG_FAILED", `ffmpeg at ${ffmpeg}: ${err.message}`, { cause: err });
      signal?.removeEventListener("abort", onAbort);
      reject(failure); // a process that never started may not emit "close"
    });
    // EPIPE when ffmpeg exits early: the exit code and stderr explain it better.
    stdin.on("error", () => {});
    child.on("close", (code, sig) => {
      signal?.removeEventListener("abort", onAbort);
      if (failure) return reject(failure);
      // Under -loglevel error, an error message fails the run even with exit 0 (a trailer that could not be written).
      if (code === 0 && !/error|failed|no space|too large/i.test(stderr)) return resolve();
      reject(new PipelineError("FFMPEG_FAILED", `ffmpeg failed (${sig ?? `exit ${code}`}): ${stderr.trim() || "no message"}`));
    });

    (async () => {
      for (const f of frames) {
        if (failure || child.exitCode !== null) return;
        if (!stdin.write(f)) {
          await new Promise<void>((done) => {
            const go = () => {
              stdin.off("drain", go);
              child.off("close", go);
              done();
            };
            stdin.once("drain", go);
            child.once("close", go);
          });
        }
      }
      stdin.end();
    })();
  });
}
