/** Settings the admin changes while the server runs (one row per key); env gives the default. */
import { SIGNUP_POLICIES, databaseConfig } from "../config";

import { getDb, type Db } from "./client";

export { SIGNUP_POLICIES };
export type SignupPolicy = (typeof SIGNUP_POLICIES)[number];

const dbOf = (o: { db?: Db }) => o.db ?? getDb();

/** SPACETIME_SIGNUP (open | approval | closed), default approval: new accounts wait for the admin. */
export const defaultSignupPolicy = (): SignupPolicy => databaseConfig().signup;

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
