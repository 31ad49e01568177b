-- CreateTable
CREATE TABLE "Job" (
    "id" TEXT NOT NULL,
    "callerId" TEXT NOT NULL,
    "idempotencyKey" TEXT,
    "prompt" TEXT NOT NULL,
    "negativePrompt" TEXT NOT NULL DEFAULT '',
    "seed" BIGINT,
    "steps" INTEGER,
    "guidance" DOUBLE PRECISION,
    "frames" INTEGER,
    "extend" INTEGER NOT NULL DEFAULT 0,
    "scheduler" TEXT,
    "state" TEXT NOT NULL DEFAULT 'queued',
    "priority" INTEGER NOT NULL DEFAULT 0,
    "attempt" INTEGER NOT NULL DEFAULT 0,
    "maxAttempts" INTEGER NOT NULL DEFAULT 3,
    "runAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leaseExpiresAt" TIMESTAMP(3),
    "workerId" TEXT,
    "heartbeatAt" TIMESTAMP(3),
    "cancelRequested" BOOLEAN NOT NULL DEFAULT false,
    "progressStep" INTEGER NOT NULL DEFAULT 0,
    "progressTotal" INTEGER NOT NULL DEFAULT 0,
    "secondsPerStep" DOUBLE PRECISION,
    "error" TEXT,
    "checkpoint" BYTEA,
    "checkpointPath" TEXT,
    "checkpointStep" INTEGER,
    "checkpointAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "Job_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Video" (
    "id" TEXT NOT NULL,
    "jobId" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "callerId" TEXT NOT NULL,
    "published" BOOLEAN NOT NULL DEFAULT false,
    "prompt" TEXT NOT NULL,
    "negativePrompt" TEXT NOT NULL DEFAULT '',
    "steps" INTEGER NOT NULL,
    "guidance" DOUBLE PRECISION NOT NULL,
    "scheduler" TEXT NOT NULL,
    "mp4Key" TEXT NOT NULL,
    "webmKey" TEXT,
    "posterKey" TEXT,
    "webpKey" TEXT,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "frames" INTEGER NOT NULL,
    "fps" DOUBLE PRECISION NOT NULL,
    "seed" BIGINT NOT NULL,
    "modelId" TEXT NOT NULL,
    "timings" TEXT NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deletedAt" TIMESTAMP(3),

    CONSTRAINT "Video_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "QueueState" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "paused" BOOLEAN NOT NULL DEFAULT false,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "QueueState_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Worker" (
    "id" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "provider" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "heartbeatAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "stoppedAt" TIMESTAMP(3),
    "jobsDone" INTEGER NOT NULL DEFAULT 0,
    "secondsPerStep" DOUBLE PRECISION,

    CONSTRAINT "Worker_pkey" PRIMARY KEY ("id")
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

-- AddForeignKey
ALTER TABLE "Video" ADD CONSTRAINT "Video_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "Job"("id") ON DELETE CASCADE ON UPDATE CASCADE;
