import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const benchDirectory = dirname(fileURLToPath(import.meta.url));

/** What every stage bench is called with, besides its own `options`. */
export interface StageBenchOptions {
  /** The run's `--duration-seconds`, so a stage bench keeps to the same budget. */
  durationSeconds: number;
  /** Progress lines, shown like the runner's own. */
  log: (line: string) => void;
}

/** A stage bench that lives in a file of its own, written and owned separately from this runner. */
export interface StageBenchDefinition {
  /** Shown in the output, e.g. `worker persist`. */
  title: string;
  /** File in bench/, e.g. `worker-persist.ts`. */
  fileName: string;
  /** The function it exports, called with `StageBenchOptions` and `options`, returning its figures. */
  exportName: string;
  /**
   * The bench's own options (its sizes). These benches run to a job count, not for a time, so
   * the runner sizes them to keep the whole run short.
   */
  options: Record<string, unknown>;
}

export type StageBenchOutcome =
  | { definition: StageBenchDefinition; kind: 'ran'; figures: unknown; elapsedSeconds: number }
  | { definition: StageBenchDefinition; kind: 'not available'; reason: string };

/**
 * Runs one stage bench if its file exists and exports its function. A missing or broken one
 * is reported as "not available: <reason>" instead of failing the whole bench, because these
 * files are written alongside this runner and may not exist yet, or may fail on their own.
 */
export async function runStageBench(definition: StageBenchDefinition, options: StageBenchOptions): Promise<StageBenchOutcome> {
  const path = join(benchDirectory, definition.fileName);
  const notAvailable = (reason: string): StageBenchOutcome => ({ definition, kind: 'not available', reason });
  try {
    await access(path);
  } catch {
    return notAvailable(`bench/${definition.fileName} does not exist`);
  }
  let module: Record<string, unknown>;
  try {
    // A computed specifier: the file may not exist when this runner is type-checked.
    module = (await import(path)) as Record<string, unknown>;
  } catch (error) {
    return notAvailable(`bench/${definition.fileName} could not be loaded: ${firstLine(error)}`);
  }
  const run = module[definition.exportName];
  if (typeof run !== 'function') return notAvailable(`bench/${definition.fileName} does not export ${definition.exportName}()`);
  const startedMs = performance.now();
  try {
    const figures: unknown = await (run as (options: unknown) => unknown)({ ...options, ...definition.options });
    return { definition, kind: 'ran', figures, elapsedSeconds: (performance.now() - startedMs) / 1000 };
  } catch (error) {
    return notAvailable(`${definition.exportName}() failed: ${firstLine(error)}`);
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
