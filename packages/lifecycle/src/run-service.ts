import { StartupCheckError } from './check-dependencies.ts';

export interface RunningService {
  /** Stops taking work, finishes or hands back what is in flight, closes connections. */
  stop(): Promise<void>;
}

export interface RunServiceOptions {
  /** Starts the service; a StartupCheckError (e.g. Redis unreachable) ends the process with its one line. */
  start(): Promise<RunningService>;
  /** After this the process exits even if stopping has not finished. */
  shutdownTimeoutMs?: number;
  log: { info(message: string): void; error(object: unknown, message?: string): void };
}

/**
 * The entry point of every app: starts it, and stops it once on SIGTERM or SIGINT within a
 * bounded time. A second signal exits at once.
 */
export async function runService({ start, shutdownTimeoutMs = 15_000, log }: RunServiceOptions): Promise<void> {
  let service: RunningService;
  try {
    service = await start();
  } catch (error) {
    if (error instanceof StartupCheckError) {
      process.stderr.write(`${error.message}\n`);
    } else {
      log.error(error, 'failed to start');
    }
    process.exit(1);
  }

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.exit(1);
    }
    stopping = true;
    log.info(`${signal} received, shutting down`);
    const timer = setTimeout(() => {
      log.error({ shutdownTimeoutMs }, 'shutdown took too long, exiting');
      process.exit(1);
    }, shutdownTimeoutMs);
    timer.unref();
    service.stop().then(
      () => {
        clearTimeout(timer);
        log.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        log.error(error, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
