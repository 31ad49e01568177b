-- AlterTable
ALTER TABLE "Job" ADD COLUMN     "loop" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "Video" ADD COLUMN     "loop" BOOLEAN NOT NULL DEFAULT false;
