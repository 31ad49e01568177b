-- Denoising checkpoints are kept inline (Job.checkpoint); live previews beside them.
ALTER TABLE "Job" DROP COLUMN "checkpointPath";
ALTER TABLE "Job" ADD COLUMN "preview" BLOB;

-- The gallery's scopes each walk their own index in cursor order (createdAt, id).
DROP INDEX "Video_callerId_createdAt_idx";
CREATE INDEX "Video_callerId_createdAt_id_idx" ON "Video"("callerId", "createdAt" DESC, "id" DESC);
DROP INDEX "Video_published_createdAt_idx";
CREATE INDEX "Video_published_createdAt_id_idx" ON "Video"("published", "createdAt" DESC, "id" DESC);

-- Prompt search: an FTS5 index of Video.prompt (words, Porter-stemmed: "balls" finds "ball").
-- Its rowids grow with insertion, so newest-first is FTS5's own descending rowid order and a
-- page stops after its matches instead of sorting all of them. Prompts never change; videos
-- are deleted softly (deletedAt), so the delete trigger only serves a job's hard delete.
-- detail = none: rowids only, no positions (search ANDs words, never phrases): smaller, faster to walk.
CREATE VIRTUAL TABLE "VideoSearch" USING fts5("prompt", "videoId" UNINDEXED, tokenize = 'porter unicode61 remove_diacritics 2', detail = 'none');

INSERT INTO "VideoSearch" ("prompt", "videoId") SELECT "prompt", "id" FROM "Video" ORDER BY "createdAt", "id";

CREATE TRIGGER "Video_search_insert" AFTER INSERT ON "Video" BEGIN
  INSERT INTO "VideoSearch" ("prompt", "videoId") VALUES (new."prompt", new."id");
END;

CREATE TRIGGER "Video_search_delete" AFTER DELETE ON "Video" BEGIN
  DELETE FROM "VideoSearch" WHERE "videoId" = old."id";
END;
