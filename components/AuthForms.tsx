"use client";
/** Sign in and sign up (/login). The first account made on a server is its admin. */
import { useState, type FormEvent } from "react";

import { api } from "./api";

export function AuthForms({ signup }: { signup: "first-admin" | "open" | "approval" | "closed" }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function send(e: FormEvent<HTMLFormElement>, path: string, fields: string[]) {
    e.preventDefault();
    setError(null);
    setBusy(true);
    const data = new FormData(e.currentTarget);
    const bodyOf = Object.fromEntries(fields.map((f) => [f, String(data.get(f) ?? "")]).filter(([, v]) => v !== ""));
    try {
      await api(path, { method: "POST", body: JSON.stringify(bodyOf) });
      window.location.assign("/");
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  }

  return (
    <>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <section aria-labelledby="signin">
        <h2 id="signin">Sign in</h2>
        <form className="auth" onSubmit={(e) => send(e, "/api/auth/login", ["login", "password"])}>
          <label>
            Username or email
            <input id="login-name" name="login" autoComplete="username" required />
          </label>
          <label>
            Password
            <input id="login-password" name="password" type="password" autoComplete="current-password" required />
          </label>
          <button type="submit" className="primary" id="login-submit" disabled={busy}>
            Sign in
          </button>
        </form>
      </section>
      {signup !== "closed" && (
        <section aria-labelledby="signup">
          <h2 id="signup">Sign up</h2>
          <p className="note">
            {signup === "first-admin"
              ? "No account exists yet: the first one is this server's admin."
              : signup === "approval"
                ? "New accounts wait for the admin's approval before they can make clips."
                : "New accounts can make clips at once."}{" "}
            Clips this browser made without an account become the account&apos;s.
          </p>
          <form className="auth" onSubmit={(e) => send(e, "/api/auth/signup", ["username", "email", "password"])}>
            <label>
              Username
              <input id="signup-username" name="username" autoComplete="username" required pattern="[A-Za-z0-9_.\-]{3,32}" />
            </label>
            <label>
              Email (optional)
              <input id="signup-email" name="email" type="email" autoComplete="email" />
            </label>
            <label>
              Password (8 characters or more)
              <input id="signup-password" name="password" type="password" autoComplete="new-password" minLength={8} required />
            </label>
            <button type="submit" className="primary" id="signup-submit" disabled={busy}>
              Sign up
            </button>
          </form>
        </section>
      )}
    </>
  );
}
