/**
 * STAND-IN HANDLER FOR TESTS: NOT A MODEL. It sleeps through `steps` fake denoising steps,
 * reporting progress and honouring the abort signal like generate(), grows a temporary file
 * as it goes (so a killed worker leaves a half-written file behind, as a real mux could), and
 * finally writes a few placeholder bytes as the .mp4 and .png by temporary name + rename.
 * Its "resume state" is the step number, saved every `resumeStateEvery` steps and resumed from.
 * Selected in scripts/worker.ts by SPACETIME_WORKER_HANDLER=stand-in.
 */
import { appendFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

import type { JobHandler } from "../handlers";

export interface StandInOptions {
  steps?: number; // default: the job's steps, else 8
  stepMs?: number; // default 20
  failAttempts?: number; // attempts (1-based) up to this one throw a retryable error
  error?: Error; // thrown instead of the default one
  resumeStateEvery?: number; // default 0: no resume states
}

export function standInHandler(options: StandInOptions = {}): JobHandler {
  return async ({ job, signal, outBase, progress, resume, saveResumeState }) => {
    const steps = options.steps ?? job.steps ?? 8;
    const stepMs = options.stepMs ?? 20;
    const resumeStateEvery = options.resumeStateEvery ?? 0;
    const resumedAtStep = resume ? Number(Buffer.from(resume.bytes).toString("utf8")) : 0;
    const dir = path.dirname(outBase);
    const partial = path.join(dir, `.${path.basename(outBase)}.mp4.standin.part`);
    try {
      for (let step = resumedAtStep + 1; step <= steps; step++) {
        signal.throwIfAborted();
        await sleep(stepMs, undefined, { signal });
        await appendFile(partial, `step ${step}\n`);
        if (options.failAttempts !== undefined && job.attempt <= options.failAttempts && step === Math.ceil(steps / 2)) {
          throw options.error ?? new Error(`stand-in failure on attempt ${job.attempt}`);
        }
        progress({ step, total: steps });
        if (resumeStateEvery > 0 && step % resumeStateEvery === 0 && step < steps) await saveResumeState(step, Buffer.from(String(step)));
      }
      signal.throwIfAborted();
      await rename(partial, `${outBase}.mp4`);
      const posterTmp = path.join(dir, `.${path.basename(outBase)}.png.standin.part`);
      await writeFile(posterTmp, "STAND-IN POSTER\n");
      await rename(posterTmp, `${outBase}.png`);
    } finally {
      await rm(partial, { force: true });
    }
    return {
      files: { mp4: `${outBase}.mp4`, poster: `${outBase}.png` },
      width: 32,
      height: 32,
      frames: 9,
      fps: 8,
      seed: job.seed ?? 1234,
      steps,
      guidance: job.guidance ?? 4,
      scheduler: job.scheduler ?? "flow-match-euler",
      modelId: "stand-in",
      timings: { denoise: steps * stepMs, total: steps * stepMs },
      secondsPerStep: stepMs / 1000,
      resumedAtStep,
    };
  };
}
