/**
 * Runs once when the Next server starts (before it handles requests): in the Node runtime,
 * requests Next cannot handle are answered or mended first (lib/http/request-guard.ts).
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { installRequestGuard } = await import("./lib/http/request-guard");
  installRequestGuard();
}
