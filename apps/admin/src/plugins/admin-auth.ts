import { createHash, timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, FailedLoginLimiter } from '@leadrelay/http-kit';
import { isReadOnlyMethod } from '@leadrelay/audit-log';
import { bootstrapActor, type AdminActor } from '../services/admin-actor.ts';

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
 * checked first and needs no database. Failures are counted by FailedLoginLimiter: ADMIN_TOKEN has
 * at least 16 characters and an operator token 256 random bits, so 20 guesses a minute cannot find
 * one.
 */
export default fp(
  async (app) => {
    const expected = digest(app.adminConfig.ADMIN_TOKEN);
    const isAdminToken = (presented: string) => timingSafeEqual(digest(presented), expected);
    const failedLogins = new FailedLoginLimiter({
      redis: app.redis,
      keyPrefix: `${app.adminConfig.QUEUE_PREFIX}:admin-auth-failures:`,
      limit: adminAuthFailureLimit,
      windowMs: adminAuthFailureWindowMs,
      what: 'admin',
      unauthorizedMessage: 'a valid admin token is required (Authorization: Bearer <ADMIN_TOKEN or an operator token>)',
      log: app.log,
    });
    const refuseAdminCredentials = (request: FastifyRequest, reply?: FastifyReply): Promise<never> => failedLogins.refuse(request, reply);

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
