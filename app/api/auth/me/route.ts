/** GET /api/auth/me: the mode (local | shared), the caller's role and account, what they may do, and the sign-up policy. */
import { getSignupPolicy } from "@/lib/db/instance-settings";
import { countUsers } from "@/lib/db/users";
import { meView } from "@/lib/http/account-views";
import { json, route } from "@/lib/http/respond";

export const dynamic = "force-dynamic";

export async function GET(req: Request): Promise<Response> {
  return route(req, async (ctx) => {
    const actor = await ctx.callerOrNull();
    const firstAccount = (await countUsers()) === 0;
    return json(200, { ...meView(actor), signup: firstAccount ? "first-admin" : await getSignupPolicy() });
  });
}
