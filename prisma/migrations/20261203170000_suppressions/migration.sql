-- Suppression: keyed hashes of the emails and phones of erased and do-not-contact people. A later
-- submission of one of them stores nothing. Never the plain value.

-- CreateTable
CREATE TABLE "suppressions" (
    "hash" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "erasure_id" UUID,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "suppressions_pkey" PRIMARY KEY ("hash")
);
