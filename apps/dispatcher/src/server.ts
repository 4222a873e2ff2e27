import { redisTargetOf } from '@leadrelay/config';
import { checkPostgresReachable, checkRedisDurability, checkRedisReachable, runService } from '@leadrelay/lifecycle';
import { createLogger, wantsPrettyLogs } from '@leadrelay/observability';
import { loadDispatcherEnv } from './env.ts';
import { startDispatcherService } from './dispatcher-service.ts';

const config = loadDispatcherEnv();
const logger = createLogger({ name: 'dispatcher', level: config.LOG_LEVEL, pretty: wantsPrettyLogs(config.LOG_FORMAT) });

await runService({
  log: logger,
  start: async () => {
    await checkRedisReachable(redisTargetOf(config));
    await checkRedisDurability(config, logger);
    await checkPostgresReachable(config.DATABASE_URL);
    return startDispatcherService(config, logger);
  },
});
