-- Retention: the worker's sweep removes raw submission payloads, event documents (the body every
-- delivery of the event sends) and attempt answers past their settings, and keeps the rows.

-- AlterTable
ALTER TABLE "raw_submissions" ALTER COLUMN "payload" DROP NOT NULL,
ADD COLUMN "payload_sha256" TEXT,
ADD COLUMN "payload_removed_at" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "events" ALTER COLUMN "document" DROP NOT NULL,
ADD COLUMN "document_removed_at" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "delivery_attempts" ADD COLUMN "response_body_removed_at" TIMESTAMP(3);

-- Partial indexes, not in schema.prisma (Prisma 6 has no partial indexes): each holds only the rows
-- whose content is still stored, so the sweep reads the oldest of them at once and a swept row
-- leaves its index. New rows join at the right edge (their times only grow).
CREATE INDEX "raw_submissions_received_at_retained_idx" ON "raw_submissions"("received_at") WHERE "payload" IS NOT NULL;

CREATE INDEX "events_created_at_retained_idx" ON "events"("created_at") WHERE "document" IS NOT NULL;

CREATE INDEX "delivery_attempts_started_at_retained_idx" ON "delivery_attempts"("started_at") WHERE "response_body" IS NOT NULL;
