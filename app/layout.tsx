import type { Metadata } from "next";
import { headers } from "next/headers";
import Link from "next/link";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Spacetime", template: "%s · Spacetime" },
  description: "Type a prompt, get a short video clip, generated on your own machine.",
};

export default async function RootLayout({ children }: Readonly<{ children: ReactNode }>) {
  // Reading the per-request nonce (middleware.ts) renders every page per request, so Next can
  // put the nonce on its scripts.
  await headers();
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
            <Link href="/fleet">Fleet</Link>
          </nav>
        </header>
        {children}
      </body>
    </html>
  );
}
