/**
 * TESTS ONLY: the real pipeline handler (generate(), resume states, resume, ffmpeg), with each
 * saved resume state held back by `paceMs` per step since the last one, so that the stub
 * model's denoising lasts long enough for a crash test to kill a worker in the middle of it
 * (the stub's own steps take about a millisecond). The pause falls between denoising steps.
 * Selected in scripts/worker.ts by SPACETIME_WORKER_HANDLER=paced-pipeline.
 */
import { setTimeout as sleep } from "node:timers/promises";

import { pipelineHandler, type JobHandler, type PipelineHandlerOptions } from "../handlers";

export function pacedPipelineHandler(options: PipelineHandlerOptions & { paceMs: number }): JobHandler {
  const { paceMs, ...rest } = options;
  const inner = pipelineHandler(rest);
  return (run) => {
    let last = run.resume?.step ?? 0;
    return inner({
      ...run,
      saveResumeState: async (step, bytes) => {
        await sleep(paceMs * (step - last), undefined, { signal: run.signal }).catch(() => {}); // an abort ends the pause; generate() then stops
        last = step;
        return run.saveResumeState(step, bytes);
      },
    });
  };
}
