import path from "node:path";
import { defineConfig } from "vitest/config";

import { POSTGRES_MISSING, postgresBinDir } from "./tests/postgres/server";

// The suites that show the web app's data layer and the queue run unchanged on PostgreSQL:
// run a second time in the "postgresql" project, each test on a database of its own
// (tests/queue/helpers.ts). SQLite-only suites (PRAGMAs, query plans, one-file contention,
// and the long random-kill run) stay out.
const ON_BOTH_PROVIDERS = [
  "tests/api/{jobs,videos,events,queue,security,workers,roles,accounts,plans,storyboards,continue,query-count}.test.ts",
  "tests/queue/{claim,submit,cancel,complete,lease,retry,pause,position,move-to-front,videos,worker,checkpoint}.test.ts",
];
const postgres = postgresBinDir() !== null;
if (!postgres) console.warn(`[vitest] PostgreSQL tests skipped: ${POSTGRES_MISSING}`);

export default defineConfig({
  // The app's "@/..." imports (tsconfig paths), for tests that call route handlers.
  resolve: { alias: { "@": path.resolve(__dirname) } },
  test: {
    environment: "node",
    // ffmpeg encodes and ONNX sessions share 2 CPU cores with training runs.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // One file at a time: encoders and onnxruntime already use every core.
    fileParallelism: false,
    projects: [
      { extends: true, test: { name: "sqlite", include: ["tests/**/*.test.ts"], exclude: ["tests/postgres/**"] } },
      {
        extends: true,
        test: {
          name: "postgresql",
          // Without the server binaries only tests/postgres runs, and each of its files skips with POSTGRES_MISSING.
          include: postgres ? ["tests/postgres/**/*.test.ts", ...ON_BOTH_PROVIDERS] : ["tests/postgres/**/*.test.ts"],
          globalSetup: postgres ? ["tests/postgres/global-setup.ts"] : [],
          env: { SPACETIME_TEST_PROVIDER: "postgresql" },
        },
      },
    ],
  },
});
