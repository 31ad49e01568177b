-- DropIndex
DROP INDEX "Video_callerId_createdAt_idx";

-- DropIndex
DROP INDEX "Video_published_createdAt_idx";

-- AlterTable
ALTER TABLE "Job" DROP COLUMN "checkpointPath",
ADD COLUMN     "preview" BYTEA;

-- CreateIndex
CREATE INDEX "Video_callerId_createdAt_id_idx" ON "Video"("callerId", "createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "Video_published_createdAt_id_idx" ON "Video"("published", "createdAt" DESC, "id" DESC);


-- Hand-written, the PostgreSQL twin of the SQLite migration's FTS5 "VideoSearch": prompt words,
-- Porter-stemmed ("balls" finds "ball"), case- and accent-insensitive, and no stop words (as in
-- FTS5, every word of a search must occur, "or" included). Rows get growing "rowid"s in
-- insertion order, the search's newest-first cursor as in SQLite, and a GIN index finds matches.
-- No semicolon may appear inside a statement or comment here: Prisma's PostgreSQL adapter splits
-- migration scripts at every one, so a rule (one statement) fills the table, not a trigger.
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE TEXT SEARCH DICTIONARY "spacetime_english_stem" (TEMPLATE = snowball, LANGUAGE = english);
CREATE TEXT SEARCH CONFIGURATION "spacetime_search" (COPY = simple);
ALTER TEXT SEARCH CONFIGURATION "spacetime_search"
  ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH unaccent, "spacetime_english_stem";

CREATE TABLE "VideoSearch" (
    "rowid" BIGSERIAL PRIMARY KEY,
    "videoId" TEXT NOT NULL REFERENCES "Video"("id") ON DELETE CASCADE,
    "document" TSVECTOR NOT NULL
);
CREATE INDEX "VideoSearch_document_idx" ON "VideoSearch" USING GIN ("document");
CREATE INDEX "VideoSearch_videoId_idx" ON "VideoSearch"("videoId");

INSERT INTO "VideoSearch" ("videoId", "document")
  SELECT "id", to_tsvector('spacetime_search', "prompt") FROM "Video" ORDER BY "createdAt", "id";

CREATE RULE "Video_search_insert" AS ON INSERT TO "Video"
  DO ALSO INSERT INTO "VideoSearch" ("videoId", "document") VALUES (NEW."id", to_tsvector('spacetime_search', NEW."prompt"));
