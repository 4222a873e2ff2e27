export { MicroBatcher } from './micro-batcher.ts';
export type { MicroBatcherOptions } from './micro-batcher.ts';
