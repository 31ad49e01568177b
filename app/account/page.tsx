import type { Metadata } from "next";
import { redirect } from "next/navigation";

import { AccountPanel } from "@/components/AccountPanel";
import { pageActor } from "@/lib/http/page";

export const metadata: Metadata = { title: "Account", robots: { index: false } };
export const dynamic = "force-dynamic";

export default async function AccountPage() {
  if (!(await pageActor()).user) redirect("/login");
  return (
    <main>
      <h1>Account</h1>
      <AccountPanel />
    </main>
  );
}
