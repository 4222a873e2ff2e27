import { redisTargetOf } from '@leadrelay/config';
import type { FastifyBaseLogger } from 'fastify';
import { checkPostgresReachable, checkRedisDurability, checkRedisReachable, runService } from '@leadrelay/lifecycle';
import { createLogger, wantsPrettyLogs } from '@leadrelay/observability';
import { buildAdminApp } from './app.ts';
import { loadAdminEnv } from './env.ts';

const config = loadAdminEnv();
const logger = createLogger({ name: 'admin', level: config.LOG_LEVEL, pretty: wantsPrettyLogs(config.LOG_FORMAT) });
if (config.usingDevelopmentAdminToken) {
  logger.warn('ADMIN_TOKEN is not set: using the development token "dev-admin-token" (never do this in production)');
}

await runService({
  log: logger,
  start: async () => {
    await checkRedisReachable(redisTargetOf(config));
    await checkRedisDurability(config, logger);
    await checkPostgresReachable(config.DATABASE_URL);
    const app = await buildAdminApp({ config, logger: logger as FastifyBaseLogger });
    await app.listen({ port: config.ADMIN_PORT, host: config.ADMIN_HOST });
    return { stop: () => app.close() };
  },
});
