import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import { AppError } from '@leadrelay/http-kit';
import { csrfTokenMatches } from '../services/portal-session-store.ts';

/** The hidden field of every form, holding the session's CSRF token. */
export const csrfField = '_csrf';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The sign-in form: it has no session yet, so only its Origin is checked. */
    csrf?: 'origin-only';
  }
}

/**
 * Everything a browser page needs beside its content: no script, style, font or frame from
 * anywhere but the portal (CSP `default-src 'self'`, no inline scripts), never framed, no
 * Referer to other sites, nothing cached. Every POST must come from the portal's own pages: its
 * Origin (or, without one, its Referer) must be this host, and it must carry the session's CSRF
 * token, on top of the SameSite=Strict cookie. Refused ones are 403 before the handler runs.
 */
export default fp(
  async (app) => {
    app.addHook('onSend', async (_request, reply, payload) => {
      reply.headers({
        'content-security-policy': "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
        'x-frame-options': 'DENY',
        'referrer-policy': 'same-origin',
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
      });
      return payload;
    });

    app.addHook('preHandler', async (request) => {
      if (request.method !== 'POST') return;
      if (!fromThePortal(request, app.portalConfig.PORTAL_PUBLIC_URL)) throw new AppError('forbidden', 'this form was not sent from a LeadRelay portal page');
      if (request.routeOptions.config.csrf === 'origin-only') return;
      const body = request.body as Record<string, unknown> | undefined;
      if (!request.pageSession || !csrfTokenMatches(request.pageSession.session, body?.[csrfField])) {
        throw new AppError('forbidden', 'the form has expired or was not sent from this portal: open the page again and resend it');
      }
    });
  },
  { name: 'page-security', dependencies: ['portal-session', 'infrastructure'] },
);

/**
 * True when the request's Origin, or its Referer when it has no Origin, is the portal's public
 * origin (PORTAL_PUBLIC_URL), or without one names the host the request was sent to. Browsers send
 * Origin with every POST; a request with neither is refused.
 */
function fromThePortal(request: FastifyRequest, publicOrigin: string | undefined): boolean {
  const source = request.headers.origin ?? request.headers.referer;
  if (!source || !URL.canParse(source)) return false;
  const sent = new URL(source);
  return publicOrigin ? sent.origin === publicOrigin : sent.host === request.headers.host;
}
