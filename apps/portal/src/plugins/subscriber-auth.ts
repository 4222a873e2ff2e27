import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SubscriberModel } from '@leadrelay/db';
import { hashApiKey, isApiKeyOf } from '@leadrelay/credentials';
import { AppError, FailedLoginLimiter } from '@leadrelay/http-kit';

/** Failed subscriber logins one client IP may make per window before it is answered 429, as for the admin. */
export const subscriberAuthFailureLimit = 20;
export const subscriberAuthFailureWindowMs = 60_000;

declare module 'fastify' {
  interface FastifyInstance {
    /** Hook of every /v1 route (`onRequest`): `Authorization: Bearer <subscriber key>`; sets `request.subscriber`. */
    authenticateSubscriber: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /**
     * The one check of a subscriber key, for the bearer hook and the portal's sign-in form: the
     * subscriber it belongs to, or an AppError (401 and 429 counted per IP, 403 when disabled).
     */
    subscriberForKey: (request: FastifyRequest, reply: FastifyReply, key: string | undefined) => Promise<SubscriberModel>;
  }
  interface FastifyRequest {
    /** The subscriber the request's key belongs to: every scoped query is filtered by its id. */
    subscriber: SubscriberModel | null;
  }
}

function bearerToken(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  return authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length).trim() : undefined;
}

/**
 * A subscriber key is looked up by its SHA-256 in PostgreSQL on every request (no cache, so a
 * rotated key is refused from the next request on). Only `lrsub_` keys are looked up: a partner
 * key or an admin token is refused before any query. A disabled subscriber's key is 403. Wrong
 * keys are counted per client IP by FailedLoginLimiter (401, then 429): a key carries 256 random
 * bits, so 20 guesses a minute cannot find one. The sign-in page checks keys with the same
 * function, so its guesses count in the same limit.
 */
export default fp(
  async (app) => {
    const failedLogins = new FailedLoginLimiter({
      redis: app.redis,
      keyPrefix: `${app.portalConfig.QUEUE_PREFIX}:subscriber-auth-failures:`,
      limit: subscriberAuthFailureLimit,
      windowMs: subscriberAuthFailureWindowMs,
      what: 'subscriber',
      unauthorizedMessage: 'a valid subscriber key is required (Authorization: Bearer lrsub_…)',
      log: app.log,
    });

    app.decorate('subscriberForKey', async (request: FastifyRequest, reply: FastifyReply, key: string | undefined) => {
      const trimmed = key?.trim();
      const subscriber =
        trimmed && isApiKeyOf('subscriber', trimmed) ? await app.db.subscriber.findUnique({ where: { apiKeyHash: hashApiKey(trimmed) } }) : null;
      if (!subscriber) return failedLogins.refuse(request, reply);
      if (subscriber.disabledAt) throw new AppError('forbidden', 'this subscriber is disabled; ask the LeadRelay operators');
      return subscriber;
    });

    app.decorateRequest('subscriber', null);
    app.decorate('authenticateSubscriber', async (request: FastifyRequest, reply: FastifyReply) => {
      request.subscriber = await app.subscriberForKey(request, reply, bearerToken(request));
    });
  },
  { name: 'subscriber-auth', dependencies: ['infrastructure'] },
);
