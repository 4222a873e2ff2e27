import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '@leadrelay/http-kit';
import type { PageViewer } from '../../views/layout.ts';
import type { PortalFlash } from '../../services/portal-session-store.ts';
import { formBody } from './form-input.ts';

/** The signed-in subscriber as the views see it; undefined before sign-in. */
export function pageViewerOf(request: FastifyRequest): PageViewer | undefined {
  const signedIn = request.pageSession;
  return signedIn ? { subscriberName: signedIn.subscriber.name, csrfToken: signedIn.session.csrfToken } : undefined;
}

/** The signed-in subscriber as the views see it, on a page that required a session. */
export function signedInViewer(request: FastifyRequest): PageViewer {
  const viewer = pageViewerOf(request);
  if (!viewer) throw new Error('a signed-in page was served without its session hook');
  return viewer;
}

export function sendHtml(reply: FastifyReply, page: string, statusCode = 200): FastifyReply {
  return reply.status(statusCode).type('text/html; charset=utf-8').send(page);
}

/** The message kept for this page by the POST that redirected here, read once. */
export async function takeFlash(request: FastifyRequest): Promise<PortalFlash | undefined> {
  return request.pageSession ? request.server.portalSessions.takeFlash(request.pageSession.token) : undefined;
}

/**
 * A form's POST, then a redirect (POST-redirect-GET, so a reload never sends it twice). The
 * action answers where to go and what to say there. A refusal the subscriber can fix (bad
 * input, a conflict) goes back to `back` with its message and the fields it names; not found
 * and everything else go to the error handler.
 */
export async function runFormAction(
  request: FastifyRequest,
  reply: FastifyReply,
  back: string,
  action: () => Promise<{ redirect: string; flash?: PortalFlash }>,
): Promise<FastifyReply> {
  const sessions = request.server.portalSessions;
  const token = request.pageSession!.token;
  try {
    const { redirect, flash } = await action();
    if (flash) await sessions.setFlash(token, flash);
    return reply.redirect(redirect, 303);
  } catch (error) {
    if (!(error instanceof AppError) || !isFixable(error)) throw error;
    const details = error.details?.map((detail) => `${detail.path}: ${detail.message}`);
    await sessions.setFlash(token, { kind: 'error', message: error.message, ...(details?.length ? { details } : {}), formValues: refilledValues(request.body) });
    return reply.redirect(back, 303);
  }
}

/** Fields a refused form is filled in with again: all but the CSRF token and anything secret. */
const notRefilled = new Set(['_csrf', 'secret', 'apiKey']);

function refilledValues(body: unknown): Record<string, string | string[]> {
  const values: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(formBody(body))) if (value !== undefined && !notRefilled.has(name)) values[name] = value;
  return values;
}

function isFixable(error: AppError): boolean {
  return error.statusCode >= 400 && error.statusCode < 500 && error.code !== 'not_found' && error.code !== 'unauthorized' && error.code !== 'forbidden';
}
