-- Deliveries of one lead are made in event order: fanning out an event first fans out the
-- lead's earlier events that have not been fanned out yet (see apps/dispatcher/src/event-fan-out.ts).
ALTER TABLE "events" ADD COLUMN     "fanned_out_at" TIMESTAMP(3);
