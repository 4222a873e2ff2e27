-- The length of the signing secret in force, in UTF-8 bytes, kept beside its ciphertext so that
-- lists can warn about a weak secret without decrypting any. NULL for a row written without it.
ALTER TABLE "destinations" ADD COLUMN "secret_bytes" INTEGER;

-- Existing rows: AES-GCM's ciphertext is as long as the plaintext, and it is the last field of
-- either secret format, in unpadded base64url (4 characters for 3 bytes).
UPDATE "destinations" SET "secret_bytes" = (length(regexp_replace("secret_ciphertext", '^.*:', '')) * 3) / 4;
