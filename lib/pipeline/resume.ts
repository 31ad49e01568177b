/**
 * Denoising resume states: everything generate() needs to continue a run where it stopped and
 * end with the same clip, bit for bit, as a run that never stopped.
 *
 * The trajectory of a clip is a function of its settings and seed alone (noise.ts), so a
 * resume state holds only what the loop has computed: the latent after `step` steps of chunk
 * `chunk`, the scheduler's state (dpmpp-2m's previous prediction), and the final latents of
 * the chunks already done (decoded again on resume: the VAE is deterministic; the last one is
 * the next chunk's context). The seed is kept too, since a run may have drawn it at random.
 * A hash of the settings (settingsHash()) guards against resuming a different job or model.
 *
 * Bytes (little-endian): "STCK", u32 version, u32 header length, the header as JSON, then the
 * float32 arrays it lists (latent, previous if any, chunk latents), then the SHA-256 of all of
 * it before, so a truncated or damaged state is refused rather than resumed.
 */
import { createHash } from "node:crypto";

import { PipelineError } from "./errors";
import type { SchedulerState } from "./schedulers";

export interface DenoiseState {
  settingsHash: string; // see settingsHash()
  seed: number;
  chunk: number; // 0-based chunk being denoised
  step: number; // steps of that chunk done (1..steps)
  latent: Float32Array; // the sample after those steps
  scheduler: SchedulerState;
  chunkLatents: Float32Array[]; // final latents of chunks 0..chunk-1
}

/** What a trajectory depends on, hashed: a state resumes only a run with the same one. */
export function settingsHash(parts: {
  modelId: string;
  prompt: string;
  negativePrompt: string;
  seed: number;
  steps: number;
  guidance: number;
  scheduler: string;
  chunks: number;
  contextFrames: number;
  continueFrom?: Float32Array;
  plan?: object; // the scene plan followed, when there is one (absent keeps plan-less hashes as they were)
  continueOf?: object; // the clip continued from a frame: its frame, prompt and plan
  shots?: object; // a storyboard's shots: their prompts condition the chunks (absent for one prompt)
  fps?: number; // with aspect: absent for an old directory's one shape (8 fps, 1:1), keeping those hashes
  aspect?: string;
}): string {
  const h = createHash("sha256");
  const { continueFrom, ...rest } = parts;
  h.update(JSON.stringify(rest));
  if (continueFrom) h.update(new Uint8Array(continueFrom.buffer, continueFrom.byteOffset, continueFrom.byteLength));
  return h.digest("hex");
}

const MAGIC = "STCK";
const VERSION = 1;

interface Header {
  fingerprint: string; // the settings hash (the field's first name, kept so that stored states still read)
  seed: number;
  chunk: number;
  step: number;
  stepIndex: number;
  size: number; // floats per latent
  hasPrevious: boolean;
  chunkLatents: number;
}

export function encodeDenoiseState(s: DenoiseState): Uint8Array {
  const size = s.latent.length;
  for (const a of [s.scheduler.previous, ...s.chunkLatents]) {
    if (a && a.length !== size) throw new PipelineError("BAD_INPUT", `resume state arrays must all hold ${size} values, got ${a.length}`);
  }
  const header: Header = {
    fingerprint: s.settingsHash,
    seed: s.seed,
    chunk: s.chunk,
    step: s.step,
    stepIndex: s.scheduler.stepIndex,
    size,
    hasPrevious: s.scheduler.previous !== null,
    chunkLatents: s.chunkLatents.length,
  };
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const arrays = [s.latent, ...(s.scheduler.previous ? [s.scheduler.previous] : []), ...s.chunkLatents];
  const body = Buffer.alloc(12 + json.length + arrays.length * size * 4);
  body.write(MAGIC, 0, "latin1");
  body.writeUInt32LE(VERSION, 4);
  body.writeUInt32LE(json.length, 8);
  json.copy(body, 12);
  let at = 12 + json.length;
  for (const a of arrays) {
    for (let i = 0; i < size; i++) body.writeFloatLE(a[i]!, at + 4 * i); // explicit little-endian, whatever the host
    at += size * 4;
  }
  const digest = createHash("sha256").update(body).digest();
  return new Uint8Array(Buffer.concat([body, digest]));
}

/** The state in `bytes`, or a BAD_RESUME_STATE error saying what is wrong with them. */
export function decodeDenoiseState(bytes: Uint8Array): DenoiseState {
  const bad = (why: string) => new PipelineError("BAD_RESUME_STATE", `unusable denoising resume state: ${why}`);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 12 + 32) throw bad(`only ${buf.length} bytes`);
  const body = buf.subarray(0, buf.length - 32);
  if (!createHash("sha256").update(body).digest().equals(buf.subarray(buf.length - 32))) throw bad("checksum mismatch");
  if (body.toString("latin1", 0, 4) !== MAGIC) throw bad("not a resume state");
  const version = body.readUInt32LE(4);
  if (version !== VERSION) throw bad(`version ${version}, this build reads ${VERSION}`);
  const jsonLength = body.readUInt32LE(8);
  let header: Header;
  try {
    header = JSON.parse(body.toString("utf8", 12, 12 + jsonLength)) as Header;
  } catch {
    throw bad("header is not JSON");
  }
  const { size, chunkLatents, hasPrevious } = header;
  const count = 1 + (hasPrevious ? 1 : 0) + chunkLatents;
  const ints = [header.seed, header.chunk, header.step, header.stepIndex, size, chunkLatents];
  if (!ints.every((n) => Number.isSafeInteger(n) && n >= 0) || typeof header.fingerprint !== "string") throw bad("header fields");
  if (body.length !== 12 + jsonLength + count * size * 4) throw bad("length does not match its header");
  let at = 12 + jsonLength;
  const next = () => {
    const a = new Float32Array(size);
    for (let i = 0; i < size; i++) a[i] = body.readFloatLE(at + 4 * i);
    at += size * 4;
    return a;
  };
  const latent = next();
  const previous = hasPrevious ? next() : null;
  return {
    settingsHash: header.fingerprint,
    seed: header.seed,
    chunk: header.chunk,
    step: header.step,
    latent,
    scheduler: { stepIndex: header.stepIndex, previous },
    chunkLatents: Array.from({ length: chunkLatents }, next),
  };
}
