/** Request shapes of /api/videos and /api/videos/[id]. */
import { z } from "zod";

/** GET /api/videos: newest first; `cursor` from the previous page's nextCursor. */
export const listVideosQuery = z
  .object({
    cursor: z.string().max(200).optional(),
    q: z.string().max(200, "at most 200 characters").optional(),
    scope: z.enum(["all", "mine", "public"]).default("all"),
    limit: z.coerce.number().int().min(1).max(100).default(24),
  })
  .strict();

/** PATCH /api/videos/[id] */
export const updateVideoBody = z.object({ visibility: z.enum(["public", "private"]) }).strict();
