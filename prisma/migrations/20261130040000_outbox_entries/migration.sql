-- Events waiting for their fan-out job move from a column of `events` to a table of their own,
-- so that marking an event enqueued deletes a small row instead of rewriting the event row.
CREATE TABLE "outbox_entries" (
    "event_id" UUID NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "outbox_entries_pkey" PRIMARY KEY ("event_id")
);

-- Events committed but not yet enqueued when this runs stay on the relay's list.
INSERT INTO "outbox_entries" ("event_id", "created_at")
SELECT "id", "created_at" FROM "events" WHERE "enqueued_at" IS NULL;

-- DropIndex
DROP INDEX "events_enqueued_at_created_at_idx";

-- AlterTable
ALTER TABLE "events" DROP COLUMN "enqueued_at";
