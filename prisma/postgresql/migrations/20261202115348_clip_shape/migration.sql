-- AlterTable
ALTER TABLE "Job" ADD COLUMN     "aspect" TEXT,
ADD COLUMN     "fps" INTEGER;

-- AlterTable
ALTER TABLE "Video" ADD COLUMN     "aspect" TEXT NOT NULL DEFAULT '1:1';

