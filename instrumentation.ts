/**
 * Runs once when the Next server starts (before it handles requests): in the Node runtime,
 * stamp each request with its real peer address (lib/http/peer-stamp.ts), which proxy trust
 * and per-address limits need.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { installPeerStamp } = await import("./lib/http/peer-stamp");
  installPeerStamp();
}
