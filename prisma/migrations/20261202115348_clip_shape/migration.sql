-- AlterTable
ALTER TABLE "Job" ADD COLUMN "aspect" TEXT;
ALTER TABLE "Job" ADD COLUMN "fps" INTEGER;

-- AlterTable (by hand: ADD COLUMN, not Prisma's table redefinition, which would drop the
-- gallery_search migration's FTS5 triggers on "Video")
ALTER TABLE "Video" ADD COLUMN "aspect" TEXT NOT NULL DEFAULT '1:1';
