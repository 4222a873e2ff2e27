import { redisTargetOf } from '@leadrelay/config';
import type { FastifyBaseLogger } from 'fastify';
import { checkPostgresReachable, checkRedisDurability, checkRedisReachable, runService } from '@leadrelay/lifecycle';
import { createLogger, httpMetrics, wantsPrettyLogs } from '@leadrelay/observability';
import { startHealthServer } from '@leadrelay/http-kit';
import { buildIntakeApp } from './app.ts';
import { loadIntakeEnv } from './env.ts';

const config = loadIntakeEnv();
const logger = createLogger({ name: 'intake', level: config.LOG_LEVEL, pretty: wantsPrettyLogs(config.LOG_FORMAT) });

await runService({
  log: logger,
  start: async () => {
    await checkRedisReachable(redisTargetOf(config));
    await checkRedisDurability(config, logger);
    await checkPostgresReachable(config.DATABASE_URL);
    const app = await buildIntakeApp({ config, logger: logger as FastifyBaseLogger });
    await app.listen({ port: config.INTAKE_PORT, host: config.INTAKE_HOST });
    const metricsServer = await startHealthServer({
      logger: logger as FastifyBaseLogger,
      readiness: app.readiness,
      port: config.INTAKE_METRICS_PORT,
      host: config.INTAKE_HOST,
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
