/**
 * Who may pause and resume the whole queue, and see the fleet's hosts. Self-hosted for one
 * person (the default): any caller with an identity. With SPACETIME_ADMIN_TOKEN set (a shared
 * instance): only requests carrying `Authorization: Bearer <token>`.
 */
import { timingSafeEqual } from "node:crypto";

import { AppError } from "@/lib/db/errors";

export function requireQueueAdmin(req: Request, what = "pausing and resuming the queue"): void {
  const token = process.env.SPACETIME_ADMIN_TOKEN;
  if (!token) return;
  const given = Buffer.from(req.headers.get("authorization")?.replace(/^Bearer\s+/i, "") ?? "", "utf8");
  const expected = Buffer.from(token, "utf8");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new AppError("FORBIDDEN", `${what} needs the admin token on this server`);
  }
}
