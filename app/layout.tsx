import type { Metadata } from "next";
import { headers } from "next/headers";
import Link from "next/link";
import type { ReactNode } from "react";
import "./globals.css";

import { canManageQueue, canManageUsers } from "@/lib/auth/actor";
import { pageActor } from "@/lib/http/page";

export const metadata: Metadata = {
  title: { default: "Spacetime", template: "%s · Spacetime" },
  description: "Type a prompt, get a short video clip, generated on your own machine.",
};

export default async function RootLayout({ children }: Readonly<{ children: ReactNode }>) {
  // Reading the per-request nonce (middleware.ts) renders every page per request, so Next can
  // put the nonce on its scripts.
  await headers();
  const actor = await pageActor();
  return (
    <html lang="en">
      <body>
        <header className="site">
          <Link href="/" className="brand">
            Spacetime
          </Link>
          <nav aria-label="Main">
            <Link href="/">Create</Link>
            <Link href="/gallery">Gallery</Link>
            {canManageQueue(actor) && <Link href="/fleet">Fleet</Link>}
            {actor.shared && canManageUsers(actor) && <Link href="/admin">Admin</Link>}
          </nav>
          <nav aria-label="Account" className="account">
            {actor.user ? (
              <Link href="/account" className="who">
                {actor.user.username}
                {actor.role === "pending" ? " (awaiting approval)" : ""}
              </Link>
            ) : (
              actor.shared && <Link href="/login">Sign in</Link>
            )}
          </nav>
        </header>
        {children}
      </body>
    </html>
  );
}
