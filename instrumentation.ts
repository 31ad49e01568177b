/**
 * Runs once when the Next server starts (before it handles requests): in the Node runtime,
 * requests Next cannot handle are answered or mended first (lib/http/request-guard.ts).
 */
export async function register() {
  // This exact test lets the bundler drop the import from the edge build (it needs node:http).
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { installRequestGuard } = await import("./lib/http/request-guard");
    installRequestGuard();
  }
}
