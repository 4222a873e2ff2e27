import fp from 'fastify-plugin';
import fastifyCookie from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SubscriberModel } from '@leadrelay/db';
import { PortalSessionStore, portalSessionIdleMs, type PortalSession } from '../services/portal-session-store.ts';

/** Why a session ended without signing out, for the sign-in page to say. */
export type SignedOutReason = 'expired' | 'disabled' | 'key-changed';

export const portalSessionCookie = 'leadrelay_portal_session';

/** A signed-in page request: the session, its token, and the subscriber it is for (checked on this request). */
export interface PortalPageSession {
  token: string;
  session: PortalSession;
  subscriber: SubscriberModel;
}

declare module 'fastify' {
  interface FastifyInstance {
    portalSessions: PortalSessionStore;
    /** Hook of the signed-in pages (`onRequest`): sets `request.pageSession`, or sends the browser to the sign-in page. */
    authenticatePageSession: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** The request's session if it is still valid (subscriber enabled, same key); otherwise it is removed and why it ended is answered. */
    readPageSession: (request: FastifyRequest, reply: FastifyReply) => Promise<PortalPageSession | { ended: SignedOutReason | 'none' }>;
    /** Signs the subscriber in: a new session and its cookie. */
    startPageSession: (request: FastifyRequest, reply: FastifyReply, subscriber: SubscriberModel) => Promise<void>;
    /** Ends the request's session, if any, and clears its cookie. */
    endPageSession: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
  interface FastifyRequest {
    pageSession: PortalPageSession | null;
  }
}

/**
 * Sessions of the portal's pages. A session is valid only while the subscriber is enabled and
 * still has the key it signed in with: both are checked against PostgreSQL on every request, as
 * the bearer key is, so rotating the key or disabling the subscriber ends its sessions at once.
 * The cookie is httpOnly, SameSite=Strict, Path=/, and Secure in production.
 */
export default fp(
  async (app) => {
    await app.register(fastifyCookie);
    const config = app.portalConfig;
    const sessions = new PortalSessionStore({
      redis: app.redis,
      queuePrefix: config.QUEUE_PREFIX,
      secretBox: app.secretBox,
    });
    const cookieOptions = {
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      secure: config.NODE_ENV === 'production',
    } as const;

    app.decorate('portalSessions', sessions);
    app.decorateRequest('pageSession', null);

    app.decorate('startPageSession', async (request: FastifyRequest, reply: FastifyReply, subscriber: SubscriberModel) => {
      // A session the browser still had is ended, not left behind in Redis.
      const previous = request.cookies[portalSessionCookie];
      if (previous) await sessions.destroy(previous);
      const { token } = await sessions.create(subscriber.id, subscriber.apiKeyHash);
      reply.setCookie(portalSessionCookie, token, { ...cookieOptions, maxAge: Math.floor(portalSessionIdleMs / 1000) });
    });

    app.decorate('endPageSession', async (request: FastifyRequest, reply: FastifyReply) => {
      const token = request.cookies[portalSessionCookie];
      if (token) await sessions.destroy(token);
      reply.clearCookie(portalSessionCookie, cookieOptions);
    });

    /** The request's session if it is still valid; otherwise it is removed, and why it ended is answered. */
    async function readPageSession(request: FastifyRequest, reply: FastifyReply): Promise<PortalPageSession | { ended: SignedOutReason | 'none' }> {
      const token = request.cookies[portalSessionCookie];
      if (!token) return { ended: 'none' };
      const session = await sessions.read(token);
      const subscriber = session ? await app.db.subscriber.findUnique({ where: { id: session.subscriberId } }) : null;
      if (session && subscriber && subscriber.apiKeyHash === session.apiKeyHash && !subscriber.disabledAt) return { token, session, subscriber };
      await sessions.destroy(token);
      reply.clearCookie(portalSessionCookie, cookieOptions);
      return { ended: !session || !subscriber ? 'expired' : subscriber.disabledAt ? 'disabled' : 'key-changed' };
    }

    app.decorate('readPageSession', readPageSession);
    app.decorate('authenticatePageSession', async (request: FastifyRequest, reply: FastifyReply) => {
      const result = await readPageSession(request, reply);
      if ('token' in result) {
        request.pageSession = result;
        // As a bearer key sets it: the pages take the destination services' scope from it as the API does.
        request.subscriber = result.subscriber;
        return;
      }
      // 303 for a form's POST too: the browser then GETs the sign-in page, told why.
      return reply.redirect(result.ended === 'none' ? '/' : `/?signed-out=${result.ended}`, 303);
    });
  },
  { name: 'portal-session', dependencies: ['infrastructure', 'subscriber-auth'] },
);
