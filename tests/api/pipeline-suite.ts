/**
 * The hooks of an API suite whose jobs the real pipeline makes: the model directory installed as
 * SPACETIME_MODEL_DIR for the file, and for each test a fresh database (apiTestDb), a signed
 * caller and a worker running the pipeline on that model with one thread.
 */
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";

import { releaseRuntimes } from "../../lib/pipeline/sessions";
import { pipelineHandler } from "../../lib/queue/handlers";
import { createWorker, type QueueWorker } from "../../lib/queue/worker";
import type { TestDb } from "../queue/helpers";
import { apiTestDb, newCaller } from "./helpers";

export interface PipelineSuite {
  t: TestDb;
  worker: QueueWorker;
  alice: { id: string; cookie: string };
}

/** Registers the hooks; the returned object holds the current test's database, worker and caller. */
export function pipelineSuite(modelDir: string): PipelineSuite {
  const s = {} as PipelineSuite;
  beforeAll(() => {
    process.env.SPACETIME_MODEL_DIR = modelDir;
  });
  afterAll(async () => {
    delete process.env.SPACETIME_MODEL_DIR;
    await releaseRuntimes();
  });
  beforeEach(() => {
    s.t = apiTestDb();
    s.alice = newCaller(); // signed with the test secret apiTestDb sets
    s.worker = createWorker({ handler: pipelineHandler({ modelDir, threads: 1 }), db: s.t.db, id: "w", mediaRoot: s.t.media, log: () => {} });
  });
  afterEach(() => s.t.cleanup());
  return s;
}
