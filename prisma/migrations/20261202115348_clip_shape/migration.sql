-- AlterTable
ALTER TABLE "Job" ADD COLUMN "aspect" TEXT;
ALTER TABLE "Job" ADD COLUMN "fps" INTEGER;

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Video" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "jobId" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "callerId" TEXT NOT NULL,
    "published" BOOLEAN NOT NULL DEFAULT false,
    "prompt" TEXT NOT NULL,
    "negativePrompt" TEXT NOT NULL DEFAULT '',
    "steps" INTEGER NOT NULL,
    "guidance" REAL NOT NULL,
    "scheduler" TEXT NOT NULL,
    "mp4Key" TEXT NOT NULL,
    "webmKey" TEXT,
    "posterKey" TEXT,
    "webpKey" TEXT,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "frames" INTEGER NOT NULL,
    "fps" REAL NOT NULL,
    "aspect" TEXT NOT NULL DEFAULT '1:1',
    "seed" BIGINT NOT NULL,
    "modelId" TEXT NOT NULL,
    "timings" TEXT NOT NULL DEFAULT '{}',
    "plan" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deletedAt" DATETIME,
    CONSTRAINT "Video_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "Job" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_Video" ("callerId", "createdAt", "deletedAt", "fps", "frames", "guidance", "height", "id", "jobId", "modelId", "mp4Key", "negativePrompt", "plan", "posterKey", "prompt", "published", "scheduler", "seed", "slug", "steps", "timings", "webmKey", "webpKey", "width") SELECT "callerId", "createdAt", "deletedAt", "fps", "frames", "guidance", "height", "id", "jobId", "modelId", "mp4Key", "negativePrompt", "plan", "posterKey", "prompt", "published", "scheduler", "seed", "slug", "steps", "timings", "webmKey", "webpKey", "width" FROM "Video";
DROP TABLE "Video";
ALTER TABLE "new_Video" RENAME TO "Video";
CREATE UNIQUE INDEX "Video_jobId_key" ON "Video"("jobId");
CREATE UNIQUE INDEX "Video_slug_key" ON "Video"("slug");
CREATE INDEX "Video_createdAt_id_idx" ON "Video"("createdAt" DESC, "id" DESC);
CREATE INDEX "Video_callerId_createdAt_id_idx" ON "Video"("callerId", "createdAt" DESC, "id" DESC);
CREATE INDEX "Video_published_createdAt_id_idx" ON "Video"("published", "createdAt" DESC, "id" DESC);
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

