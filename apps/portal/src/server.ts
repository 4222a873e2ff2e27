import { redisTargetOf } from '@leadrelay/config';
import type { FastifyBaseLogger } from 'fastify';
import { checkPostgresReachable, checkRedisReachable, runService } from '@leadrelay/lifecycle';
import { createLogger, httpMetrics, wantsPrettyLogs } from '@leadrelay/observability';
import { startHealthServer } from '@leadrelay/http-kit';
import { buildPortalApp } from './app.ts';
import { loadPortalEnv } from './env.ts';

const config = loadPortalEnv();
const logger = createLogger({ name: 'portal', level: config.LOG_LEVEL, pretty: wantsPrettyLogs(config.LOG_FORMAT) });

await runService({
  log: logger,
  start: async () => {
    await checkRedisReachable(redisTargetOf(config));
    await checkPostgresReachable(config.DATABASE_URL);
    const app = await buildPortalApp({ config, logger: logger as FastifyBaseLogger });
    await app.listen({ port: config.PORTAL_PORT, host: config.PORTAL_HOST });
    const metricsServer = await startHealthServer({
      logger: logger as FastifyBaseLogger,
      readiness: app.readiness,
      port: config.PORTAL_METRICS_PORT,
      host: config.PORTAL_HOST,
      metrics: httpMetrics,
    });
    return {
      stop: async () => {
        await app.close();
        await metricsServer.close();
      },
    };
  },
});
