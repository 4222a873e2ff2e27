import { redisTargetOf } from '@leadrelay/config';
import { checkPostgresReachable, checkRedisDurability, checkRedisReachable, runService } from '@leadrelay/lifecycle';
import { createLogger, wantsPrettyLogs } from '@leadrelay/observability';
import { loadWorkerEnv } from './env.ts';
import { startWorkerService } from './worker-service.ts';

const config = loadWorkerEnv();
const logger = createLogger({ name: 'worker', level: config.LOG_LEVEL, pretty: wantsPrettyLogs(config.LOG_FORMAT) });

await runService({
  log: logger,
  shutdownTimeoutMs: config.WORKER_SHUTDOWN_TIMEOUT,
  start: async () => {
    await checkRedisReachable(redisTargetOf(config));
    await checkRedisDurability(config, logger);
    await checkPostgresReachable(config.DATABASE_URL);
    return startWorkerService(config, logger);
  },
});
