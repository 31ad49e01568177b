-- AlterTable
ALTER TABLE "Job" ADD COLUMN "plan" TEXT;

-- AlterTable
ALTER TABLE "Video" ADD COLUMN "plan" TEXT;

