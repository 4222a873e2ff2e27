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
 *
 * An app started by a supervisor with an IPC channel (`pnpm start`, scripts/start.ts) also stops
 * when that channel closes: the supervisor is gone, however it went (SIGKILL, a closed terminal),
 * and an app must never outlive it holding its port.
 */
export async function runService({ start, shutdownTimeoutMs = 15_000, log }: RunServiceOptions): Promise<void> {
  let service: RunningService | undefined;
  let supervisorGone = false;
  let stopping = false;
  if (process.channel) {
    // The channel must not keep a stopped app alive; 'disconnect' still fires while unreferenced.
    process.channel.unref();
    process.on('disconnect', () => {
      supervisorGone = true;
      if (service) shutdown('supervisor gone');
    });
  }
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
  // The supervisor went while the app was starting: it stops as soon as it can.
  if (supervisorGone) setImmediate(() => shutdown('supervisor gone'));
  // Tells the supervisor the app is up: a crash from now on is not a crash at start.
  else if (process.send) process.send('ready');
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  function shutdown(reason: NodeJS.Signals | 'supervisor gone') {
    if (stopping) {
      process.exit(1);
    }
    stopping = true;
    log.info(reason === 'supervisor gone' ? 'the supervisor is gone, shutting down' : `${reason} received, shutting down`);
    const timer = setTimeout(() => {
      log.error({ shutdownTimeoutMs }, 'shutdown took too long, exiting');
      process.exit(1);
    }, shutdownTimeoutMs);
    timer.unref();
    service!.stop().then(
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
  }
}
