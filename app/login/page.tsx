import type { Metadata } from "next";

import { AuthForms } from "@/components/AuthForms";
import { getSignupPolicy } from "@/lib/db/instance-settings";
import { countUsers } from "@/lib/db/users";

export const metadata: Metadata = { title: "Sign in", robots: { index: false } };
export const dynamic = "force-dynamic";

export default async function LoginPage() {
  const signup = (await countUsers()) === 0 ? "first-admin" : await getSignupPolicy();
  return (
    <main>
      <h1>Sign in</h1>
      <AuthForms signup={signup} />
    </main>
  );
}
