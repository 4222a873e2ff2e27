-- Named operator tokens with roles. The tokens are stored as SHA-256 only and the bootstrap
-- ADMIN_TOKEN is not a row here.
CREATE TYPE "OperatorRole" AS ENUM ('owner', 'admin', 'viewer');

CREATE TABLE "operators" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "role" "OperatorRole" NOT NULL,
    "token_hash" TEXT NOT NULL,
    "token_prefix" TEXT NOT NULL,
    "revoked_at" TIMESTAMP(3),
    "rotated_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "operators_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "operators_name_key" ON "operators"("name");

CREATE UNIQUE INDEX "operators_token_hash_key" ON "operators"("token_hash");
