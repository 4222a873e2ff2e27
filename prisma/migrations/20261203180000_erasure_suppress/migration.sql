-- An erasure made by RETENTION_LEADS removes the leads without keeping the person out.
ALTER TABLE "erasures" ADD COLUMN "suppress" BOOLEAN NOT NULL DEFAULT true;
