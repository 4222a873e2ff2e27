-- CRMs that register their own destinations, test mode and going live (seed 003's flow), and
-- sandbox partners whose leads reach test destinations only. Existing destinations are an
-- operator's: they belong to no subscriber and stay live.
CREATE TYPE "DestinationMode" AS ENUM ('test', 'pending_review', 'live');

CREATE TABLE "subscribers" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "contact_email" TEXT,
    "max_destinations" INTEGER NOT NULL DEFAULT 10,
    "api_key_hash" TEXT NOT NULL,
    "api_key_prefix" TEXT NOT NULL,
    "disabled_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "subscribers_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "subscribers_api_key_hash_key" ON "subscribers"("api_key_hash");

ALTER TABLE "partners" ADD COLUMN "sandbox" BOOLEAN NOT NULL DEFAULT false;

ALTER TABLE "destinations"
    ADD COLUMN "subscriber_id" UUID,
    ADD COLUMN "mode" "DestinationMode" NOT NULL DEFAULT 'live',
    ADD COLUMN "live_description" TEXT,
    ADD COLUMN "partner_id_label" TEXT,
    ADD COLUMN "partner_id_help" TEXT,
    ADD COLUMN "review_note" TEXT;

ALTER TABLE "destinations" ADD CONSTRAINT "destinations_subscriber_id_fkey" FOREIGN KEY ("subscriber_id") REFERENCES "subscribers"("id") ON DELETE SET NULL ON UPDATE CASCADE;

CREATE INDEX "destinations_subscriber_id_idx" ON "destinations"("subscriber_id");
