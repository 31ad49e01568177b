-- AlterTable
ALTER TABLE "Job" ADD COLUMN     "continueOf" TEXT;
