import fp from 'fastify-plugin';
import { Readiness } from '@leadrelay/lifecycle';
import { queueNames } from '@leadrelay/queue';

declare module 'fastify' {
  interface FastifyInstance {
    readiness: Readiness;
  }
}

export default fp(
  async (app) => {
    app.decorate(
      'readiness',
      new Readiness({
        redis: async () => {
          await app.redis.ping();
        },
        postgres: async () => {
          await app.db.$queryRaw`SELECT 1`;
        },
        queues: async () => {
          if (await app.queues.queue(queueNames.leads).isPaused()) throw new Error('the leads queue is paused');
        },
      }),
    );
  },
  { name: 'readiness', dependencies: ['infrastructure'] },
);
