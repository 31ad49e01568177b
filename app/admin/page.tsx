import type { Metadata } from "next";
import { redirect } from "next/navigation";

import { AdminPanel } from "@/components/AdminPanel";
import { canManageUsers } from "@/lib/auth/actor";
import { pageActor } from "@/lib/http/page";

export const metadata: Metadata = { title: "Admin", robots: { index: false } };
export const dynamic = "force-dynamic";

export default async function AdminPage() {
  const actor = await pageActor();
  if (!canManageUsers(actor)) redirect(actor.user ? "/" : "/login");
  return (
    <main className="wide">
      <h1>Admin</h1>
      <AdminPanel />
    </main>
  );
}
