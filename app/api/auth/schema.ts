/** Request shapes of /api/auth/* and /api/admin/*. */
import { z } from "zod";

import { JOB_STATES } from "@/lib/db/jobs";
import { PASSWORD_MAX, PASSWORD_MIN } from "@/lib/auth/password";
import { SIGNUP_POLICIES } from "@/lib/db/instance-settings";
import { ROLE_LIST } from "@/lib/db/users";

const password = z.string().min(PASSWORD_MIN, `at least ${PASSWORD_MIN} characters`).max(PASSWORD_MAX, `at most ${PASSWORD_MAX} characters`);

/** POST /api/auth/signup */
export const signupBody = z
  .object({
    username: z.string().regex(/^[A-Za-z0-9_.-]{3,32}$/, "3 to 32 letters, digits, '.', '_' or '-'"),
    email: z.email("not an email address").max(200).optional(),
    password,
  })
  .strict();

/** POST /api/auth/login: `login` is the username or the email. */
export const loginBody = z.object({ login: z.string().min(1).max(200), password: z.string().min(1).max(PASSWORD_MAX) }).strict();

/** POST /api/auth/logout */
export const logoutBody = z.object({ everywhere: z.boolean().default(false) }).strict();

const quota = z.number().int().min(1).max(1_000_000).nullable();

/** PATCH /api/admin/users/[id]: a role (approve = "user") and quotas (null = the server's default). */
export const updateUserBody = z
  .object({
    role: z.enum(ROLE_LIST as [string, ...string[]]).optional(),
    quotas: z.object({ maxActive: quota.optional(), maxCostInFlight: quota.optional(), maxCostPerHour: quota.optional() }).strict().optional(),
  })
  .strict();

/** POST /api/admin/users/[id]/password */
export const resetPasswordBody = z.object({ password }).strict();

const states = z.array(z.enum(Object.values(JOB_STATES) as [string, ...string[]])).min(1).max(5);

/** POST /api/admin/jobs: bulk cancel or purge; no filter means every queued and running job. */
export const bulkJobsBody = z
  .object({
    action: z.enum(["cancel", "purge"]),
    callerId: z.string().max(64).optional(),
    states: states.optional(),
    olderThanMinutes: z.number().int().min(0).max(525_600).optional(),
  })
  .strict();

/** GET /api/admin/jobs */
export const listAllJobsQuery = z
  .object({
    callerId: z.string().max(64).optional(),
    state: z.enum(Object.values(JOB_STATES) as [string, ...string[]]).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(200),
  })
  .strict();

/** PATCH /api/admin/settings */
export const settingsBody = z.object({ signupPolicy: z.enum(SIGNUP_POLICIES) }).strict();
