-- AlterTable
ALTER TABLE "Job" ADD COLUMN     "shots" TEXT;

-- AlterTable
ALTER TABLE "Video" ADD COLUMN     "shots" TEXT;

