-- What an attempt sent, so a CRM can compare it with what its receiver got: the headers exactly
-- (JSON text, no personal data in them) and the partner_id the body carried. The body itself is
-- the event's document serialized with that partner_id, so no second copy of the person is kept.
ALTER TABLE "delivery_attempts" ADD COLUMN "request_headers" TEXT;
ALTER TABLE "delivery_attempts" ADD COLUMN "request_partner_id" TEXT;
