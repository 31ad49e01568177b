/**
 * Raw RGB frames -> finished files, by one ffmpeg process fed on stdin.
 *
 * One process writes every requested output from a single decode of the
 * input: an H.264 MP4 (yuv420p so every browser plays it, +faststart so it
 * starts before it has downloaded), a VP9 WebM, a poster image and a short
 * animated WebP for the gallery. The prompt and settings go into the MP4/WebM
 * metadata (title = prompt, comment = JSON of the settings), so a file still
 * says how it was made after it leaves the app.
 *
 * Outputs are written to hidden temporary names beside their targets and
 * renamed only after ffmpeg succeeds; on failure or abort ffmpeg is killed and
 * the temporaries are removed, so a target path either holds a complete file
 * or nothing new.
 *
 * The binary is FFMPEG_PATH if set, else the one @ffmpeg-installer/ffmpeg ships.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { access, rename, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

import { PipelineError } from "./errors";

export interface MuxMetadata {
  prompt: string;
  negativePrompt?: string;
  seed: number;
  steps: number;
  guidance: number;
  modelId: string;
  scheduler?: string;
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
  let candidate = process.env.FFMPEG_PATH;
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
  };
  return ["-metadata", `title=${m.prompt}`, "-metadata", `comment=${JSON.stringify({ prompt: m.prompt, ...settings })}`];
}

/** The ffmpeg argument list for the requested outputs, written to the given temporary paths. */
export function buildArgs(o: MuxOptions, tmp: MuxOutputs): string[] {
  const n = o.frames.length;
  // H.264 and VP9 in 4:2:0 need even sizes: pad one pixel rather than refuse.
  const even = o.width % 2 || o.height % 2 ? ["-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2"] : [];
  const args = ["-hide_banner", "-loglevel", "error", "-nostdin", "-y"];
  args.push("-f", "rawvideo", "-pix_fmt", "rgb24", "-s", `${o.width}x${o.height}`, "-framerate", String(o.fps), "-i", "pipe:0");
  if (tmp.mp4) {
    args.push("-map", "0:v", ...even, "-c:v", "libx264", "-preset", "medium", "-crf", "18", "-pix_fmt", "yuv420p");
    args.push("-movflags", "+faststart", ...metadataArgs(o.metadata), "-f", "mp4", tmp.mp4);
  }
  if (tmp.webm) {
    // Constant quality (-b:v 0 -crf); -row-mt and cpu-used 4 keep it quick on few cores.
    args.push("-map", "0:v", ...even, "-c:v", "libvpx-vp9", "-b:v", "0", "-crf", "32", "-pix_fmt", "yuv420p");
    args.push("-deadline", "good", "-cpu-used", "4", "-row-mt", "1", ...metadataArgs(o.metadata), "-f", "webm", tmp.webm);
  }
  if (tmp.poster) {
    const p = o.posterFrame ?? "middle";
    const index = p === "first" ? 0 : p === "middle" ? Math.floor((n - 1) / 2) : p;
    if (!Number.isInteger(index) || index < 0 || index >= n) {
      throw new PipelineError("BAD_INPUT", `poster frame ${p} is outside the clip's ${n} frames`);
    }
    args.push("-map", "0:v", "-vf", `select=eq(n\\,${index})`, "-frames:v", "1", ...posterCodec(o.outputs.poster!));
    args.push("-f", "image2", "-update", "1", tmp.poster);
  }
  if (tmp.webp) {
    const w = Math.min(o.previewWidth ?? 256, o.width);
    args.push("-map", "0:v", "-t", String(o.previewSeconds ?? 3), "-vf", `scale=${w}:-1:flags=lanczos`);
    args.push("-c:v", "libwebp_anim", "-lossless", "0", "-quality", "70", "-loop", "0", "-f", "webp", tmp.webp);
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
  const args = buildArgs(o, tmp);
  const removeTemps = () => Promise.all(Object.values(tmp).map((p) => rm(p!, { force: true })));

  try {
    await runFfmpeg(ffmpeg, args, o.frames, o.signal);
    for (const [k, p] of targets) await rename(tmp[k]!, p);
  } catch (err) {
    await removeTemps();
    throw err;
  }
  return Object.fromEntries(targets) as MuxOutputs;
}

/** Spawns ffmpeg, streams the frames with backpressure, and settles when it exits. */
function runFfmpeg(ffmpeg: string, args: string[], frames: readonly Uint8Array[], signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg, args, { stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    let failure: PipelineError | null = null;
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (d: string) => {
      stderr = (stderr + d).slice(-4000); // the tail is where ffmpeg says what went wrong
    });
    const onAbort = () => {
      failure ??= new PipelineError("ABORTED", "mux aborted", { cause: signal?.reason });
      child.kill("SIGKILL");
    };
    signal?.addEventListener("abort", onAbort, { once: true });

    child.on("error", (err: NodeJS.ErrnoException) => {
      failure ??= new PipelineError("FFMPEG_MISSING", `cannot run ffmpeg at ${ffmpeg}: ${err.message}; set FFMPEG_PATH`, { cause: err });
      signal?.removeEventListener("abort", onAbort);
      reject(failure); // a process that never started may not emit "close"
    });
    // EPIPE when ffmpeg exits early: the exit code and stderr explain it better.
    child.stdin.on("error", () => {});
    child.on("close", (code, sig) => {
      signal?.removeEventListener("abort", onAbort);
      if (failure) return reject(failure);
      if (code === 0) return resolve();
      reject(new PipelineError("FFMPEG_FAILED", `ffmpeg failed (${sig ?? `exit ${code}`}): ${stderr.trim() || "no message"}`));
    });

    (async () => {
      for (const f of frames) {
        if (failure || child.exitCode !== null) return;
        if (!child.stdin.write(f)) {
          await new Promise<void>((done) => {
            const go = () => {
              child.stdin.off("drain", go);
              child.off("close", go);
              done();
            };
            child.stdin.once("drain", go);
            child.once("close", go);
          });
        }
      }
      child.stdin.end();
    })();
  });
}
