-- DropTable
DROP TABLE "pending_activities";

-- CreateTable
CREATE TABLE "pending_submissions" (
    "id" UUID NOT NULL,
    "lead_id" UUID NOT NULL,
    "payload" JSONB NOT NULL,
    "received_at" TIMESTAMP(3) NOT NULL,
    "stored_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "pending_submissions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "lead_aliases" (
    "id" UUID NOT NULL,
    "lead_id" UUID NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "lead_aliases_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "pending_submissions_lead_id_received_at_idx" ON "pending_submissions"("lead_id", "received_at");

-- CreateIndex
CREATE INDEX "lead_aliases_lead_id_idx" ON "lead_aliases"("lead_id");

-- AddForeignKey
ALTER TABLE "lead_aliases" ADD CONSTRAINT "lead_aliases_lead_id_fkey" FOREIGN KEY ("lead_id") REFERENCES "leads"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

