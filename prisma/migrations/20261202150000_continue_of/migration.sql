-- AlterTable (by hand: ADD COLUMN, not Prisma's table redefinition, which would drop the
-- gallery_search migration's FTS5 triggers on "Video")
ALTER TABLE "Job" ADD COLUMN "continueOf" TEXT;
