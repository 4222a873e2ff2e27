/**
 * Another transaction wrote a row this batch counted on writing (the same submission processed
 * by two workers, or a lead with the same email stored meanwhile). The batch is rolled back and
 * planned again against what is committed now.
 */
export class ConcurrentWriteError extends Error {
  override readonly name = 'ConcurrentWriteError';
}
