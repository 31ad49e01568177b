/**
 * A real S3-compatible server for tests: s3rver (npm, pure JavaScript: it stores objects in a
 * temp folder, checks SigV4 signatures, answers ranges, listings and batch deletes), on a free
 * loopback port of this process. `env` is what a worker or the web server needs to use it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import S3rver from "s3rver";

export interface TestS3 {
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startS3(bucket = "spacetime-media"): Promise<TestS3> {
  const directory = mkdtempSync(path.join(tmpdir(), "spacetime-s3-"));
  const server = new S3rver({ address: "127.0.0.1", port: 0, directory, silent: true, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  return {
    env: {
      MEDIA_STORE: "s3",
      S3_BUCKET: bucket,
      S3_ENDPOINT: `http://127.0.0.1:${port}`,
      S3_REGION: "us-east-1",
      S3_ACCESS_KEY_ID: "S3RVER", // s3rver's built-in key pair
      S3_SECRET_ACCESS_KEY: "S3RVER",
    },
    async stop() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
