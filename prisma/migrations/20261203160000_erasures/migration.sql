-- Erasure: an owner's request to remove a person everywhere. The worker carries it out, and what stays
-- of each erased lead is a tombstone (its id, partner, when and by which erasure).

-- CreateEnum
CREATE TYPE "ErasureStatus" AS ENUM ('pending', 'running', 'completed');

-- CreateTable
CREATE TABLE "erasures" (
    "id" UUID NOT NULL,
    "status" "ErasureStatus" NOT NULL DEFAULT 'pending',
    "reason" TEXT NOT NULL,
    "requested_by" TEXT NOT NULL,
    "email" TEXT,
    "phone" TEXT,
    "partner_id" UUID,
    "external_id" TEXT,
    "lead_ids" UUID[] DEFAULT ARRAY[]::UUID[],
    "identity_keys" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "resolved_at" TIMESTAMP(3),
    "counts" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMP(3),

    CONSTRAINT "erasures_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "erasures_status_created_at_idx" ON "erasures"("status", "created_at");

-- AlterTable
ALTER TABLE "leads" ADD COLUMN "erased_at" TIMESTAMP(3),
ADD COLUMN "erasure_id" UUID;
