import { classifyDatabaseError as classifyDriverError, type DatabaseErrorKind } from '@leadrelay/db';
import { ConcurrentWriteError } from './concurrent-write-error.ts';

export { describeDatabaseError, type DatabaseErrorKind } from '@leadrelay/db';

/** `@leadrelay/db`'s classification, plus the worker's own lost race (ConcurrentWriteError). */
export function classifyDatabaseError(error: unknown): DatabaseErrorKind {
  if (error instanceof ConcurrentWriteError) return 'conflict';
  return classifyDriverError(error);
}
