-- Which stored leads a partner may change: by default only leads it created or has itself
-- submitted before. Existing partners get that default too, and an operator sets `any` for the ones
-- it trusts to change other partners' leads.
CREATE TYPE "PartnerChangeScope" AS ENUM ('own', 'any');

ALTER TABLE "partners" ADD COLUMN "change_scope" "PartnerChangeScope" NOT NULL DEFAULT 'own';

