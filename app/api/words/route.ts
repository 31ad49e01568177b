/** GET /api/words?text=...: which words of a prompt the model knows (for the prompt box). */
import { z } from "zod";

import { json, readQuery, route } from "@/lib/http/respond";
import { markWords } from "@/lib/http/words";

export const dynamic = "force-dynamic";

const wordsQuery = z.object({ text: z.string().max(2000, "at most 2000 characters") }).strict();

export async function GET(req: Request): Promise<Response> {
  return route(req, async () => {
    const { text } = readQuery(req, wordsQuery);
    return json(200, await markWords(text), { "cache-control": "private, max-age=60" });
  });
}
