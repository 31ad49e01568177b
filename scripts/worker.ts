/**
 * `npm run worker`: one worker process serving the job queue until Ctrl-C / SIGTERM, which
 * aborts the running job and returns it to the queue (the attempt is not counted). A second
 * signal (a second or more later) exits at once; the job's lease then expires and another
 * worker picks it up.
 *
 * Environment (all of it checked by lib/config.ts; .env.example lists every variable):
 *   DATABASE_URL       file:PATH (SQLite, this host only; default file:./data/spacetime.db) or
 *                      postgres://... (PostgreSQL, workers on any host), migrated by `npm run db:migrate`
 *   MEDIA_ROOT         where runs are written (default ./data/media), and the clips too with the local store
 *   MEDIA_STORE=s3, S3_BUCKET, S3_ENDPOINT, ...   finished clips go to an S3-compatible store (lib/storage)
 *   SPACETIME_MODEL_DIR, SPACETIME_PROVIDER (cpu|cuda|webgpu|auto), SPACETIME_THREADS   for the pipeline
 *
 * Before its first claim the worker checks what it needs (the provider's name, the model's
 * manifest and file hashes, sessions on that provider, a runnable ffmpeg); anything wrong is
 * one line on stderr and exit status 2, with nothing claimed and nothing registered.
 *   WORKER_LEASE_MS    lease length (default 30000; renewed every half)
 *   WORKER_CHECKPOINT_EVERY   denoising steps between saved resume states (default 5)
 *   WORKER_ID          a stable id (default host-pid-random)
 *   SPACETIME_WORKER_HANDLER=stand-in   TESTS ONLY: a fake handler instead of the model
 *     (STANDIN_STEPS, STANDIN_STEP_MS), see lib/queue/testing/stand-in-handler.ts
 *   SPACETIME_WORKER_HANDLER=paced-pipeline   TESTS ONLY: the model, denoising slowed to
 *     PACED_STEP_MS a step, see lib/queue/testing/paced-handler.ts
 */
import { ConfigError, checkWorkerConfig, modelConfig, workerConfig } from "../lib/config";
import { getDb } from "../lib/db/client";
import type { Provider } from "../lib/pipeline/providers";
import { checkPipeline, pipelineHandler, type JobHandler } from "../lib/queue/handlers";
import { pacedPipelineHandler } from "../lib/queue/testing/paced-handler";
import { standInHandler } from "../lib/queue/testing/stand-in-handler";
import { createWorker } from "../lib/queue/worker";

/** A misconfigured worker says why in one line and exits before it touches the queue. */
class PreflightError extends Error {}

/** The handler the environment asks for, checked (model, provider, ffmpeg) before any claim. */
async function configure(): Promise<{ handler: JobHandler; model: string; provider: Provider }> {
  checkWorkerConfig(); // every variable it reads, each named when bad (lib/config.ts)
  const c = workerConfig();
  if (c.handler === "stand-in") {
    const handler = standInHandler({ ...c.standIn, resumeStateEvery: c.resumeStateEvery });
    return { handler, model: "stand-in", provider: c.provider };
  }
  const options = { modelDir: modelConfig().modelDir, provider: c.provider, threads: c.threads, resumeStateEvery: c.resumeStateEvery };
  try {
    console.log(`[worker] checked: ${await checkPipeline(options)}`);
  } catch (err) {
    throw new PreflightError((err as Error).message.split("\n").map((l) => l.trim()).filter(Boolean).join(" "));
  }
  const handler = c.handler === "pipeline" ? pipelineHandler(options) : pacedPipelineHandler({ ...options, paceMs: c.pacedStepMs });
  return { handler, model: options.modelDir, provider: c.provider };
}

let setup: Awaited<ReturnType<typeof configure>>;
try {
  setup = await configure();
} catch (err) {
  if (!(err instanceof PreflightError || err instanceof ConfigError)) throw err;
  console.error(`[worker] cannot start: ${err.message}`);
  process.exit(2);
}

const db = getDb();
const { id, leaseMs } = workerConfig();
const worker = createWorker({ handler: setup.handler, db, id, leaseMs, provider: setup.provider, model: setup.model });

let firstSignalAt = 0;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    // Ctrl-C under `npm start` arrives twice at once (from the terminal and forwarded by
    // scripts/start.mjs): only a repeat at least a second later means "now".
    if (firstSignalAt && Date.now() - firstSignalAt < 1_000) return;
    if (firstSignalAt) {
      console.error(`[worker ${worker.id}] ${signal} again: exiting now`);
      process.exit(130);
    }
    firstSignalAt = Date.now();
    console.log(`[worker ${worker.id}] ${signal}: stopping (the running job goes back to the queue)`);
    void worker.stop().then(
      () => db.close().then(() => process.exit(0)),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
}

worker.start().catch(async (err: unknown) => {
  console.error(`[worker ${worker.id}] failed: ${err instanceof Error ? err.message : String(err)}`);
  await db.close().catch(() => {});
  process.exit(1);
});
