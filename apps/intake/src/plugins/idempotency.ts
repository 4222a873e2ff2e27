import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '@leadrelay/http-kit';
import { IdempotencyStore, type StoredAnswer } from '../services/idempotency-store.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Runs `produce` once per `Idempotency-Key` (when the request has one): a retry with the same
     * key and body gets the first answer, with `Idempotency-Replayed: true`.
     */
    answerIdempotently: <Answer extends StoredAnswer>(
      request: FastifyRequest,
      reply: FastifyReply,
      produce: () => Promise<Answer>,
    ) => Promise<Answer>;
  }
}

const keyPattern = /^[\x21-\x7e]{1,255}$/;

export default fp(
  async (app) => {
    const store = new IdempotencyStore(app.redis, app.intakeConfig.QUEUE_PREFIX);
    app.decorate('answerIdempotently', async <Answer extends StoredAnswer>(
      request: FastifyRequest,
      reply: FastifyReply,
      produce: () => Promise<Answer>,
    ): Promise<Answer> => {
      const key = request.headers['idempotency-key'];
      if (key === undefined) return produce();
      if (typeof key !== 'string' || !keyPattern.test(key)) {
        throw new AppError('bad_request', 'Idempotency-Key must be 1 to 255 visible ASCII characters');
      }
      const partnerId = request.partner.id;
      const bodyHash = IdempotencyStore.hashBody(request.body);
      const begun = await store.begin(partnerId, key, bodyHash).catch((error: unknown) => {
        throw new AppError('service_unavailable', 'leads could not be accepted, retry later', undefined, { cause: error });
      });
      if (begun.kind === 'body_mismatch') {
        throw new AppError('idempotency_key_reused', 'this Idempotency-Key was used with a different body');
      }
      if (begun.kind === 'in_progress') {
        throw new AppError('conflict', 'a request with this Idempotency-Key is still being processed; retry shortly');
      }
      if (begun.kind === 'replay') {
        reply.header('idempotency-replayed', 'true');
        // Stored by this same route from an answer of this same type.
        return begun.answer as Answer;
      }
      let answer: Answer;
      try {
        answer = await produce();
      } catch (error) {
        await store.abandon(partnerId, key).catch((abandonError: unknown) => {
          request.log.warn({ err: abandonError }, 'idempotency key could not be released; it expires by itself');
        });
        throw error;
      }
      // The leads are queued by now: a failure to remember the answer must not turn into an error.
      await store.complete(partnerId, key, bodyHash, answer).catch((error: unknown) => {
        request.log.warn({ err: error }, 'idempotent answer could not be stored; a retry will see 409 until the key expires');
      });
      return answer;
    });
  },
  { name: 'idempotency', dependencies: ['infrastructure'] },
);
