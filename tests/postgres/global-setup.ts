/**
 * Vitest global setup of the "postgresql" project: one throwaway PostgreSQL server for the run,
 * with the committed migrations applied (by `prisma migrate deploy`, as the app's) to a template
 * database that each test's database is copied from (tests/queue/helpers.ts freshDb).
 */
import type { TestProject } from "vitest/node";

import { migrateDeploy } from "../../lib/db/migrate";
import { startPostgres } from "./server";

export const TEMPLATE_DATABASE = "spacetime_template";

declare module "vitest" {
  export interface ProvidedContext {
    postgresUrl: string; // the server's maintenance database, postgres://.../postgres
  }
}

export default async function setup(project: TestProject) {
  const server = await startPostgres();
  const template = await server.createDatabase(TEMPLATE_DATABASE);
  migrateDeploy({ url: template, cwd: process.cwd() });
  project.provide("postgresUrl", server.url("postgres"));
  return () => server.stop();
}
