import fp from 'fastify-plugin';
import rateLimit from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import { AppError, ContractError } from '@leadrelay/http-kit';
import { RequestWindowCounters } from '../services/request-window-counters.ts';
import { rateLimitCounterStore } from '../services/rate-limit-counter-store.ts';

/**
 * Per-partner request limits, counted in Redis so every intake instance shares them. Routes opt
 * in with `config: { rateLimit: partnerRateLimit }`; it runs after authentication, so the key is
 * the partner, and over the limit the answer has the partner contract's shape.
 */
export const partnerRateLimit = {
  hook: 'preHandler' as const,
  timeWindow: 60_000,
};

export default fp(
  async (app) => {
    await app.register(rateLimit, {
      global: false,
      // Counted in Redis like the plugin's own Redis store, with the requests of one moment in one call.
      store: rateLimitCounterStore(new RequestWindowCounters(app.redis), `${app.intakeConfig.QUEUE_PREFIX}:rate-limit:`),
      // When Redis is down the request goes on and fails with a 503 where it enqueues.
      skipOnError: true,
      keyGenerator: (request: FastifyRequest) => request.partner?.id ?? request.ip,
      max: (request: FastifyRequest) => request.partner?.rateLimitPerMinute ?? app.intakeConfig.DEFAULT_RATE_LIMIT_PER_MINUTE,
      errorResponseBuilder: (request: FastifyRequest, context) => {
        const retryAfterSeconds = Math.max(1, Math.ceil(context.ttl / 1000));
        if (request.partner?.profile === 'aloware') {
          // Aloware's own throttling answer: the wait is in the body too (seed 002).
          return new ContractError(429, { message: 'Too Many Attempts.', retry_after: retryAfterSeconds });
        }
        return new AppError(
          'rate_limited',
          `rate limit of ${context.max} requests a minute exceeded; retry in ${retryAfterSeconds} s`,
        );
      },
    });
  },
  { name: 'partner-rate-limit', dependencies: ['infrastructure'] },
);
