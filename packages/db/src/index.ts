export {
  createDatabaseClient,
  isRecordNotFoundError,
  isUniqueConstraintError,
  runStatement,
  withStatementTransaction,
  withTransaction,
} from './database-client.ts';
export { classifyDatabaseError, describeDatabaseError, isDatabaseUnavailableError } from './database-error.ts';
export type { DatabaseErrorKind } from './database-error.ts';
export type { StatementTransaction, StatementTransactionOptions } from './statement-transaction.ts';
export type { DatabaseClient, DatabaseClientOptions, TransactionClient } from './database-client.ts';
export { SessionAdvisoryLock } from './session-advisory-lock.ts';
export type { SessionAdvisoryLockOptions } from './session-advisory-lock.ts';
export { newTimeOrderedUuid, timeOfTimeOrderedUuid } from './time-ordered-uuid.ts';
export { dropDatabase, ensureDatabaseExists, maintenanceUrlFor } from './database-admin.ts';
export { Prisma } from './generated/prisma/client.ts';
export * from './generated/prisma/enums.ts';
export type * from './generated/prisma/models.ts';
export { addErasureCounts, erasedDeliveryReason, erasureCountKinds } from './erasure-counts.ts';
export type { ErasureCountKind, ErasureCounts } from './erasure-counts.ts';
export { recordSuppressions } from './suppression-rows.ts';
