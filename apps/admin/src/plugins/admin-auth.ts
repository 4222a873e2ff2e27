import { createHash, timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '@leadrelay/http-kit';
import { InProcessWindowCounters } from '../services/in-process-window-counters.ts';
import { bootstrapActor, isReadOnlyMethod, type AdminActor } from '../services/admin-actor.ts';

/** Failed admin logins one client IP may make per window before it is answered 429. */
export const adminAuthFailureLimit = 20;
export const adminAuthFailureWindowMs = 60_000;

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Hook of every admin route (`onRequest`): `Authorization: Bearer <ADMIN_TOKEN or operator token>`.
     * A wrong, missing, rotated or revoked token is 401, or 429 with Retry-After once the client IP
     * failed too often; a viewer's request that is not a GET is 403. Sets `request.actor`.
     */
    authenticateAdmin: (request: FastifyRequest, reply?: FastifyReply) => Promise<void>;
    /** `authenticateAdmin`, and then 403 unless the actor is an owner: for managing operators (and other owner-only routes). */
    authenticateOwner: (request: FastifyRequest, reply?: FastifyReply) => Promise<void>;
    /**
     * The actor a presented token stands for: the bootstrap owner for ADMIN_TOKEN (compared in
     * constant time), the operator whose current token it is, or null. For other login forms,
     * e.g. the dashboard's; answer null with `refuseAdminCredentials`.
     */
    actorForAdminToken: (presented: string) => Promise<AdminActor | null>;
    /**
     * Counts a failed admin login from the request's IP and throws: 401, or 429 past the limit
     * (Retry-After is set when `reply` is given). For other login forms, e.g. the dashboard's.
     */
    refuseAdminCredentials: (request: FastifyRequest, reply?: FastifyReply) => Promise<never>;
    /** Throws 403 when the actor's role does not allow the request (a viewer may only read). */
    authorizeAdminRequest: (request: FastifyRequest, actor: AdminActor) => void;
  }
  interface FastifyRequest {
    /** Who made the request, once an admin hook authenticated it; null before, and on routes without one. */
    actor: AdminActor | null;
  }
}

// Comparing digests keeps the comparison constant-time whatever the presented length.
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function bearerToken(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  return authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length).trim() : undefined;
}

/**
 * A request's token is ADMIN_TOKEN (the bootstrap owner) or an operator's token, looked up in
 * PostgreSQL on every request (no cache, so rotation and revocation act at once); ADMIN_TOKEN is
 * checked first and needs no database. Only failures are counted, in Redis so that every admin
 * instance agrees. A correct token is never refused, even from an IP over the limit: ADMIN_TOKEN has
 * at least 16 characters and an operator token 256 random bits, so 20 guesses a minute cannot find
 * one, and an attacker sharing an operator's IP cannot lock them out.
 * While Redis cannot count (down, or answering errors) failures are counted in this process with
 * the same limit and window, so guesses are still answered 401 and 429, never 500 and never
 * unlimited; each instance then limits on its own until Redis answers again.
 */
export default fp(
  async (app) => {
    const expected = digest(app.adminConfig.ADMIN_TOKEN);
    const keyPrefix = `${app.adminConfig.QUEUE_PREFIX}:admin-auth-failures:`;
    const isAdminToken = (presented: string) => timingSafeEqual(digest(presented), expected);
    const inProcessFailures = new InProcessWindowCounters(adminAuthFailureWindowMs);
    let countingInProcess = false;

    async function countFailureInRedis(key: string): Promise<{ failures: number; remainingMs: number }> {
      const results = await app.redis.multi().incr(key).pexpire(key, adminAuthFailureWindowMs, 'NX').pttl(key).exec();
      if (!results) throw new Error('the admin login failure count was not recorded (transaction aborted)');
      for (const [error] of results) if (error) throw error;
      return { failures: Number(results[0]![1]), remainingMs: Number(results[2]![1]) };
    }

    /** Failures so far in the IP's current window, and the milliseconds left in it. */
    async function countFailure(ip: string): Promise<{ failures: number; remainingMs: number }> {
      // Hashed so that neither Redis nor this process holds client addresses.
      const hashedIp = createHash('sha256').update(ip).digest('base64url');
      try {
        const counted = await countFailureInRedis(keyPrefix + hashedIp);
        if (countingInProcess) {
          countingInProcess = false;
          app.log.info('failed admin logins are counted in Redis again');
        }
        return counted;
      } catch (error) {
        // Logged when the fallback starts, not per failure: an outage under a guessing attack would flood the log.
        if (!countingInProcess) {
          countingInProcess = true;
          app.log.warn({ err: error }, 'Redis cannot count failed admin logins; counting them in this process until it can');
        }
        const { count, remainingMs } = inProcessFailures.increment(hashedIp);
        return { failures: count, remainingMs };
      }
    }

    const refuseAdminCredentials = async (request: FastifyRequest, reply?: FastifyReply): Promise<never> => {
      const { failures, remainingMs } = await countFailure(request.ip);
      if (failures > adminAuthFailureLimit) {
        const retryAfterSeconds = Math.max(1, Math.ceil(remainingMs / 1000));
        reply?.header('retry-after', String(retryAfterSeconds));
        throw new AppError('rate_limited', `too many failed admin logins from this address; retry in ${retryAfterSeconds} s`);
      }
      throw new AppError('unauthorized', 'a valid admin token is required (Authorization: Bearer <ADMIN_TOKEN or an operator token>)');
    };

    const actorForAdminToken = async (presented: string): Promise<AdminActor | null> => {
      if (isAdminToken(presented)) return bootstrapActor;
      return app.operatorRegistry.actorForToken(presented);
    };

    const authorizeAdminRequest = (request: FastifyRequest, actor: AdminActor): void => {
      if (actor.role === 'viewer' && !isReadOnlyMethod(request.method)) {
        throw new AppError('forbidden', `operator "${actor.name}" is a viewer: it may only read (GET)`);
      }
    };

    const authenticateAdmin = async (request: FastifyRequest, reply?: FastifyReply) => {
      const token = bearerToken(request);
      const actor = token ? await actorForAdminToken(token) : null;
      if (!actor) return refuseAdminCredentials(request, reply);
      request.actor = actor;
      authorizeAdminRequest(request, actor);
    };

    app.decorateRequest('actor', null);
    app.decorate('actorForAdminToken', actorForAdminToken);
    app.decorate('refuseAdminCredentials', refuseAdminCredentials);
    app.decorate('authorizeAdminRequest', authorizeAdminRequest);
    app.decorate('authenticateAdmin', authenticateAdmin);
    app.decorate('authenticateOwner', async (request: FastifyRequest, reply?: FastifyReply) => {
      await authenticateAdmin(request, reply);
      if (request.actor?.role !== 'owner') {
        throw new AppError('forbidden', `operator "${request.actor?.name}" is not an owner: only owners may do this`);
      }
    });
  },
  { name: 'admin-auth', dependencies: ['infrastructure', 'registries'] },
);
