-- CreateTable
CREATE TABLE "Job" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "callerId" TEXT NOT NULL,
    "idempotencyKey" TEXT,
    "prompt" TEXT NOT NULL,
    "negativePrompt" TEXT NOT NULL DEFAULT '',
    "seed" BIGINT,
    "steps" INTEGER,
    "guidance" REAL,
    "frames" INTEGER,
    "extend" INTEGER NOT NULL DEFAULT 0,
    "scheduler" TEXT,
    "state" TEXT NOT NULL DEFAULT 'queued',
    "priority" INTEGER NOT NULL DEFAULT 0,
    "attempt" INTEGER NOT NULL DEFAULT 0,
    "maxAttempts" INTEGER NOT NULL DEFAULT 3,
    "runAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leaseExpiresAt" DATETIME,
    "workerId" TEXT,
    "heartbeatAt" DATETIME,
    "cancelRequested" BOOLEAN NOT NULL DEFAULT false,
    "progressStep" INTEGER NOT NULL DEFAULT 0,
    "progressTotal" INTEGER NOT NULL DEFAULT 0,
    "secondsPerStep" REAL,
    "error" TEXT,
    "checkpoint" BLOB,
    "checkpointPath" TEXT,
    "checkpointStep" INTEGER,
    "checkpointAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" DATETIME,
    "finishedAt" DATETIME
);

-- CreateTable
CREATE TABLE "Video" (
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
    "seed" BIGINT NOT NULL,
    "modelId" TEXT NOT NULL,
    "timings" TEXT NOT NULL DEFAULT '{}',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deletedAt" DATETIME,
    CONSTRAINT "Video_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "Job" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "QueueState" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT DEFAULT 1,
    "paused" BOOLEAN NOT NULL DEFAULT false,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Worker" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "host" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "provider" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "heartbeatAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "stoppedAt" DATETIME,
    "jobsDone" INTEGER NOT NULL DEFAULT 0,
    "secondsPerStep" REAL
);

-- CreateIndex
CREATE INDEX "Job_state_priority_createdAt_runAt_idx" ON "Job"("state", "priority", "createdAt", "runAt");

-- CreateIndex
CREATE INDEX "Job_state_leaseExpiresAt_idx" ON "Job"("state", "leaseExpiresAt");

-- CreateIndex
CREATE INDEX "Job_callerId_createdAt_idx" ON "Job"("callerId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Job_callerId_idempotencyKey_key" ON "Job"("callerId", "idempotencyKey");

-- CreateIndex
CREATE UNIQUE INDEX "Video_jobId_key" ON "Video"("jobId");

-- CreateIndex
CREATE UNIQUE INDEX "Video_slug_key" ON "Video"("slug");

-- CreateIndex
CREATE INDEX "Video_createdAt_id_idx" ON "Video"("createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "Video_callerId_createdAt_idx" ON "Video"("callerId", "createdAt" DESC);

-- CreateIndex
CREATE INDEX "Video_published_createdAt_idx" ON "Video"("published", "createdAt" DESC);

-- CreateIndex
CREATE INDEX "Worker_heartbeatAt_idx" ON "Worker"("heartbeatAt");
