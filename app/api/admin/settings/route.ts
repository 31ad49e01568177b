/** GET/PATCH /api/admin/settings { signupPolicy: open | approval | closed } (admin only). */
import { requireUserManager } from "@/lib/auth/actor";
import { getSignupPolicy, setSignupPolicy } from "@/lib/db/instance-settings";
import { json, readJson, route } from "@/lib/http/respond";
import { quotaDefaults } from "@/lib/queue/quotas";

import { settingsBody } from "../../auth/schema";

export const dynamic = "force-dynamic";

export async function GET(req: Request): Promise<Response> {
  return route(req, async (ctx) => {
    requireUserManager(await ctx.callerOrNull());
    return json(200, { signupPolicy: await getSignupPolicy(), quotaDefaults: quotaDefaults() });
  });
}

export async function PATCH(req: Request): Promise<Response> {
  return route(req, async (ctx) => {
    const body = await readJson(req, settingsBody);
    requireUserManager(await ctx.callerOrNull());
    await setSignupPolicy({ policy: body.signupPolicy });
    return json(200, { signupPolicy: await getSignupPolicy(), quotaDefaults: quotaDefaults() });
  });
}
