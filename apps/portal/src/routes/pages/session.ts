import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { AppError } from '@leadrelay/http-kit';
import type { SignedOutReason } from '../../plugins/portal-session.ts';
import { renderSignInPage } from '../../views/sign-in-page.ts';
import { sendHtml } from './page-reply.ts';

const signedOutReasons = ['expired', 'disabled', 'key-changed'] as const satisfies readonly SignedOutReason[];
const SignInQuery = z.object({ 'signed-out': z.enum(signedOutReasons).optional().catch(undefined) });
const SignInForm = z.object({ apiKey: z.string().max(512).optional() });

/** Sign-in (the subscriber key for a session cookie) and sign-out. */
const sessionPages: FastifyPluginAsync = async (app) => {
  app.get('/', async (request, reply) => {
    const current = await app.readPageSession(request, reply);
    if ('token' in current) return reply.redirect('/destinations', 303);
    const { 'signed-out': signedOut } = SignInQuery.parse(request.query ?? {});
    return sendHtml(reply, renderSignInPage(signedOut ? { signedOut } : {}));
  });

  app.post('/session', { schema: { operationId: 'signIn' }, config: { csrf: 'origin-only' } }, async (request, reply) => {
    const form = SignInForm.safeParse(request.body ?? {});
    try {
      // The very check of the bearer key, so failures count in the same per-address limit.
      const subscriber = await app.subscriberForKey(request, reply, form.success ? form.data.apiKey : undefined);
      await app.startPageSession(request, reply, subscriber);
      return reply.redirect('/destinations', 303);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const message = error.code === 'unauthorized' ? 'That is not a subscriber key we know. Check it and try again.' : error.message;
      return sendHtml(reply, renderSignInPage({ error: message }), error.statusCode);
    }
  });

  app.post('/session/logout', { schema: { operationId: 'signOut' }, onRequest: app.authenticatePageSession }, async (request, reply) => {
    await app.endPageSession(request, reply);
    return reply.redirect('/', 303);
  });
};

export default sessionPages;
