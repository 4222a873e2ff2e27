-- The append-only audit log of changes made through the admin API. No request body, personal data
-- or secret is ever stored here.
CREATE TABLE "audit_log" (
    "id" UUID NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor_kind" TEXT NOT NULL,
    "actor_id" UUID,
    "actor_name" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target_id" TEXT,
    "ip" TEXT NOT NULL,
    "status_code" INTEGER NOT NULL,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "audit_log_created_at_id_idx" ON "audit_log"("created_at" DESC, "id" DESC);

CREATE INDEX "audit_log_actor_name_created_at_idx" ON "audit_log"("actor_name", "created_at" DESC);

CREATE INDEX "audit_log_target_id_created_at_idx" ON "audit_log"("target_id", "created_at" DESC);

-- PostgreSQL itself keeps the log append-only: any UPDATE or DELETE of a row, and any TRUNCATE of
-- the table, is refused with an error, whatever client sends it. Only dropping the table, or a
-- role that owns it disabling these triggers on purpose, gets past them.
-- Prisma's migration runner splits a script at every semicolon, dollar quotes included, so the
-- function body spells its semicolons as the escape \073 in an E'' string.
CREATE FUNCTION "audit_log_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS
E'BEGIN RAISE EXCEPTION ''the audit log is append-only: % is not allowed on audit_log'', TG_OP USING ERRCODE = ''insufficient_privilege''\073 END\073';

CREATE TRIGGER "audit_log_no_update_or_delete"
    BEFORE UPDATE OR DELETE ON "audit_log"
    FOR EACH ROW EXECUTE FUNCTION "audit_log_refuse_change"();

CREATE TRIGGER "audit_log_no_truncate"
    BEFORE TRUNCATE ON "audit_log"
    FOR EACH STATEMENT EXECUTE FUNCTION "audit_log_refuse_change"();
