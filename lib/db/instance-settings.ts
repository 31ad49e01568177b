/** Settings the admin changes while the server runs (one row per key); env gives the default. */
import { getDb, type Db } from "./client";

export const SIGNUP_POLICIES = ["open", "approval", "closed"] as const;
export type SignupPolicy = (typeof SIGNUP_POLICIES)[number];

const dbOf = (o: { db?: Db }) => o.db ?? getDb();

/** SPACETIME_SIGNUP (open | approval | closed), default approval: new accounts wait for the admin. */
export function defaultSignupPolicy(): SignupPolicy {
  const raw = process.env.SPACETIME_SIGNUP || "approval";
  if (!(SIGNUP_POLICIES as readonly string[]).includes(raw)) throw new Error(`SPACETIME_SIGNUP must be open, approval or closed, got "${raw}"`);
  return raw as SignupPolicy;
}

export async function getSignupPolicy(input: { db?: Db } = {}): Promise<SignupPolicy> {
  const row = await dbOf(input).run((p) => p.instanceSetting.findUnique({ where: { key: "signupPolicy" } }));
  return row && (SIGNUP_POLICIES as readonly string[]).includes(row.value) ? (row.value as SignupPolicy) : defaultSignupPolicy();
}

export async function setSignupPolicy(input: { policy: SignupPolicy; db?: Db }): Promise<void> {
  await dbOf(input).run((p) =>
    p.instanceSetting.upsert({
      where: { key: "signupPolicy" },
      create: { key: "signupPolicy", value: input.policy, updatedAt: new Date() },
      update: { value: input.policy },
    }),
  );
}
