/**
 * `npm run worker`: one worker process serving the job queue until Ctrl-C / SIGTERM, which
 * aborts the running job and returns it to the queue (the attempt is not counted). A second
 * signal (a second or more later) exits at once; the job's lease then expires and another
 * worker picks it up.
 *
 * Environment:
 *   DATABASE_URL       file:PATH (SQLite, this host only; default file:./data/spacetime.db) or
 *                      postgres://... (PostgreSQL, workers on any host), migrated by `npm run db:migrate`
 *   MEDIA_ROOT         where runs are written (default ./data/media), and the clips too with the local store
 *   MEDIA_STORE=s3, S3_BUCKET, S3_ENDPOINT, ...   finished clips go to an S3-compatible store (lib/storage)
 *   SPACETIME_MODEL_DIR, SPACETIME_PROVIDER (cpu|cuda|webgpu|auto), SPACETIME_THREADS   for the pipeline
 *   WORKER_LEASE_MS    lease length (default 30000; renewed every half)
 *   WORKER_CHECKPOINT_EVERY   denoising steps between checkpoints (default 5)
 *   WORKER_ID          a stable id (default host-pid-random)
 *   SPACETIME_WORKER_HANDLER=stand-in   TESTS ONLY: a fake handler instead of the model
 *     (STANDIN_STEPS, STANDIN_STEP_MS), see lib/queue/testing/stand-in-handler.ts
 *   SPACETIME_WORKER_HANDLER=paced-pipeline   TESTS ONLY: the model, denoising slowed to
 *     PACED_STEP_MS a step, see lib/queue/testing/paced-handler.ts
 */
import { getDb } from "../lib/db/client";
import { pipelineHandler, type JobHandler, type PipelineHandlerOptions } from "../lib/queue/handlers";
import { pacedPipelineHandler } from "../lib/queue/testing/paced-handler";
import { standInHandler } from "../lib/queue/testing/stand-in-handler";
import { createWorker } from "../lib/queue/worker";

function envInt(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
}

const handlerName = process.env.SPACETIME_WORKER_HANDLER ?? "pipeline";
let handler: JobHandler;
let model = process.env.SPACETIME_MODEL_DIR ?? "models/dev";
const provider = (process.env.SPACETIME_PROVIDER ?? "cpu") as NonNullable<PipelineHandlerOptions["provider"]>;
if (handlerName === "stand-in") {
  handler = standInHandler({ steps: envInt("STANDIN_STEPS"), stepMs: envInt("STANDIN_STEP_MS"), checkpointEvery: envInt("WORKER_CHECKPOINT_EVERY") });
  model = "stand-in";
} else if (handlerName === "pipeline" || handlerName === "paced-pipeline") {
  const options = {
    modelDir: process.env.SPACETIME_MODEL_DIR,
    provider,
    threads: envInt("SPACETIME_THREADS"),
    checkpointEvery: envInt("WORKER_CHECKPOINT_EVERY"),
  };
  handler = handlerName === "pipeline" ? pipelineHandler(options) : pacedPipelineHandler({ ...options, paceMs: envInt("PACED_STEP_MS") ?? 20 });
} else {
  throw new Error(`SPACETIME_WORKER_HANDLER must be "pipeline", "stand-in" or "paced-pipeline", got "${handlerName}"`);
}

const db = getDb();
const worker = createWorker({ handler, db, id: process.env.WORKER_ID, leaseMs: envInt("WORKER_LEASE_MS"), provider, model });

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
