-- Who disabled a destination: a subscriber may enable its own after an automatic disable, not after an operator's.
ALTER TABLE "destinations" ADD COLUMN "disabled_by_operator" BOOLEAN NOT NULL DEFAULT false;

-- Destinations disabled before this column existed: every reason but the dispatcher's two automatic ones was an operator's.
UPDATE "destinations" SET "disabled_by_operator" = true
WHERE NOT "enabled" AND "deleted_at" IS NULL
  AND "disabled_reason" <> 'the receiver answered 410 Gone'
  AND "disabled_reason" NOT LIKE 'disabled automatically:%';
