import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidLeadDocumentError } from './errors/invalid-lead-document-error.ts';
import { WebhookVerificationError } from './errors/webhook-verification-error.ts';
import { LeadRelayReceiver, type LeadRelayReceiverOptions, type LeadRelayWebhook } from './lead-relay-receiver.ts';

export interface FastifyLeadRelayReceiverOptions extends LeadRelayReceiverOptions {
  /** The route the destination's URL points at, under the plugin's prefix. Default `/`. */
  path?: string;
  /**
   * Called once per verified webhook. Return (or resolve) to answer 200; throw to answer 500, which
   * LeadRelay retries; or answer yourself through `reply`, e.g. 406 to refuse the lead for good.
   */
  onLead: (webhook: LeadRelayWebhook, request: FastifyRequest, reply: FastifyReply) => unknown;
}

/**
 * A route that verifies LeadRelay's webhooks and hands each lead to `onLead`. It is encapsulated
 * (not wrapped in fastify-plugin) on purpose: the raw-body parser it needs applies to its own
 * route only, and the rest of your app keeps parsing JSON as before.
 *
 * Answers: 200 `ok`; 401 when the request is not shown to be LeadRelay's (retried, so a secret you
 * have not configured yet during a rotation costs a retry, not a lead); 406 when it is but the body
 * is not a lead document (retrying the same bytes cannot help; 406 stops the retries).
 */
export const fastifyLeadRelayReceiver: FastifyPluginAsync<FastifyLeadRelayReceiverOptions> = async (app, options) => {
  const receiver = new LeadRelayReceiver(options);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.post(options.path ?? '/', async (request, reply) => {
    let webhook: LeadRelayWebhook;
    try {
      webhook = receiver.verify((request.body as Buffer | undefined) ?? Buffer.alloc(0), request.headers);
    } catch (error) {
      if (error instanceof WebhookVerificationError) return reply.code(401).send({ error: error.code, message: error.message });
      if (error instanceof InvalidLeadDocumentError) return reply.code(406).send({ error: 'invalid_lead_document', message: error.message });
      throw error;
    }
    await options.onLead(webhook, request, reply);
    return reply.sent ? reply : reply.code(200).type('text/plain').send('ok');
  });
};
