-- Pending submissions name their partner, so that a partner's pending rows can be counted
-- (WORKER_PENDING_ACTIVITIES_MAX_PER_PARTNER), and are found by age to expire them
-- (WORKER_PENDING_ACTIVITIES_TTL).
-- AlterTable
ALTER TABLE "pending_submissions" ADD COLUMN "partner_id" UUID;

-- Rows stored before this carry their partner in the job payload the worker validated.
UPDATE "pending_submissions" SET "partner_id" = ("payload"->>'partnerId')::uuid;

ALTER TABLE "pending_submissions" ALTER COLUMN "partner_id" SET NOT NULL;

-- CreateIndex
CREATE INDEX "pending_submissions_partner_id_idx" ON "pending_submissions"("partner_id");

-- CreateIndex
CREATE INDEX "pending_submissions_stored_at_idx" ON "pending_submissions"("stored_at");
