/** GET /api/openapi.json: the API's OpenAPI 3.1 document. */
import { json, route } from "@/lib/http/respond";
import { modelSettingsLimits } from "@/lib/queue/job-settings";

import { openApiDocument } from "./document";

export async function GET(req: Request): Promise<Response> {
  return route(req, async () => json(200, openApiDocument(modelSettingsLimits()), { "cache-control": "public, max-age=300" }));
}
