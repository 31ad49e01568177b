/**
 * Runs once when the Next server starts (before it handles requests): in the Node runtime,
 * the configuration is checked (a bad variable stops the server, named), requests Next cannot handle are answered or mended first (lib/http/request-guard.ts), and
 * every request is stamped with its real peer address (lib/http/peer-stamp.ts), which proxy
 * trust and per-address limits need.
 */
export async function register() {
  // This exact test lets the bundler drop the import from the edge build (it needs node:http).
  if (process.env.NEXT_RUNTIME === "nodejs") {
    // Every variable the server reads, checked before the first request (lib/config.ts).
    const { checkServerConfig } = await import("./lib/config");
    checkServerConfig();
    const { installRequestGuard } = await import("./lib/http/request-guard");
    installRequestGuard();
    const { installPeerStamp } = await import("./lib/http/peer-stamp");
    installPeerStamp();
  }
}
