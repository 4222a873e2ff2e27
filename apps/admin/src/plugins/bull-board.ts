import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { AppError, errorBody } from '@leadrelay/http-kit';

type BoardServerAdapter = Parameters<typeof createBullBoard>[0]['serverAdapter'];

/** Where operators find the Bull dashboard on the admin server. */
export const bullBoardBasePath = '/queues';

/** Browsers show their login prompt for this challenge and then send HTTP Basic credentials. */
const basicChallenge = 'Basic realm="LeadRelay"';

/** The password of `Authorization: Basic base64(user:password)`; the user name is not checked. */
function basicPassword(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (!authorization?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(authorization.slice('Basic '.length).trim(), 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  return separator === -1 ? undefined : decoded.slice(separator + 1);
}

/** A refused login is challenged again; a logged-in viewer's change is a plain 403. */
function refusal(reply: FastifyReply, error: AppError): FastifyReply {
  if (error.code === 'forbidden') return reply.status(error.statusCode).send(errorBody(error.code, error.message));
  return challenge(reply, error);
}

function challenge(reply: FastifyReply, error: AppError): FastifyReply {
  return reply
    .status(error.statusCode)
    .header('www-authenticate', basicChallenge)
    .send(errorBody(error.code, error.code === 'unauthorized' ? 'log in with any user name and the admin token or an operator token as the password' : error.message));
}

/**
 * The Bull dashboard at `/queues`, over every queue LeadRelay uses, behind HTTP Basic login: any
 * user name, ADMIN_TOKEN or an operator token as the password (checked by admin-auth). A viewer's
 * dashboard is read-only: its API's changes are refused 403. A browser's first request
 * carries no credentials and only gets the challenge; wrong passwords count towards the admin
 * login limit like wrong bearer tokens do.
 */
export default fp(
  async (app) => {
    const serverAdapter = new FastifyAdapter();
    serverAdapter.setBasePath(bullBoardBasePath);
    createBullBoard({
      queues: app.queues.all().map((queue) => new BullMQAdapter(queue)),
      // @bull-board/fastify 9.10.1 types itself against @bull-board/api 9.10.1 while we install
      // 9.10.2: the same shape, declared twice. Aligning the two versions makes this cast unneeded.
      serverAdapter: serverAdapter as unknown as BoardServerAdapter,
      options: { uiConfig: { boardTitle: 'LeadRelay queues' } },
    });

    // Encapsulated: the login hook guards the dashboard's pages and API, and nothing else.
    await app.register(
      async (dashboard) => {
        dashboard.addHook('onRequest', async (request, reply) => {
          const password = basicPassword(request);
          if (password === undefined) return challenge(reply, new AppError('unauthorized', 'login required'));
          try {
            const actor = await app.actorForAdminToken(password);
            if (!actor) return await app.refuseAdminCredentials(request, reply);
            request.actor = actor;
            // Every change the dashboard makes (retry, clean, pause, add...) is a PUT, POST, PATCH or DELETE of its API.
            app.authorizeAdminRequest(request, actor);
          } catch (error) {
            // Answered here: the dashboard's own error handler would turn this into a 500.
            if (error instanceof AppError) return refusal(reply, error);
            throw error;
          }
        });
        await dashboard.register(serverAdapter.registerPlugin());
      },
      { prefix: bullBoardBasePath },
    );
  },
  { name: 'bull-board', dependencies: ['infrastructure', 'admin-auth', 'audit-log'] },
);
