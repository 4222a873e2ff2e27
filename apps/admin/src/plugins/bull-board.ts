import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { AppError, errorBody } from '@leadrelay/http-kit';
import type { AdminActor } from '../services/admin-actor.ts';

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

/** The same dashboard without its buttons that change anything: where viewers are sent. */
export const readOnlyBullBoardBasePath = '/queues-read-only';

/**
 * The Bull dashboard at `/queues`, over every queue LeadRelay uses, behind HTTP Basic login: any
 * user name, ADMIN_TOKEN or an operator token as the password (checked by admin-auth). A viewer
 * is sent to the same dashboard in bull-board's read-only mode at `/queues-read-only`, which shows
 * no buttons that change anything, and its changes through either dashboard's API are refused 403.
 * A browser's first request carries no credentials and only gets the challenge; wrong passwords
 * count towards the admin login limit like wrong bearer tokens do.
 */
export default fp(
  async (app) => {
    const board = (basePath: string, readOnlyMode: boolean) => {
      const serverAdapter = new FastifyAdapter();
      serverAdapter.setBasePath(basePath);
      createBullBoard({
        queues: app.queues.all().map((queue) => new BullMQAdapter(queue, { readOnlyMode })),
        // @bull-board/fastify 9.10.1 types itself against @bull-board/api 9.10.1 while we install
        // 9.10.2: the same shape, declared twice. Aligning the two versions makes this cast unneeded.
        serverAdapter: serverAdapter as unknown as BoardServerAdapter,
        options: { uiConfig: { boardTitle: readOnlyMode ? 'LeadRelay queues (read only)' : 'LeadRelay queues' } },
      });
      return serverAdapter;
    };

    /** The logged-in actor, or null once the refusal has been answered. */
    const login = async (request: FastifyRequest, reply: FastifyReply): Promise<AdminActor | null> => {
      const password = basicPassword(request);
      if (password === undefined) {
        challenge(reply, new AppError('unauthorized', 'login required'));
        return null;
      }
      try {
        const actor = await app.actorForAdminToken(password);
        if (!actor) return await app.refuseAdminCredentials(request, reply);
        request.actor = actor;
        // Every change the dashboard makes (retry, clean, pause, add...) is a PUT, POST, PATCH or DELETE of its API.
        app.authorizeAdminRequest(request, actor);
        return actor;
      } catch (error) {
        // Answered here: the dashboard's own error handler would turn this into a 500.
        if (!(error instanceof AppError)) throw error;
        refusal(reply, error);
        return null;
      }
    };

    // Encapsulated: the login hook guards the dashboards' pages and API, and nothing else.
    const fullBoard = board(bullBoardBasePath, false);
    await app.register(
      async (dashboard) => {
        dashboard.addHook('onRequest', async (request, reply) => {
          const actor = await login(request, reply);
          if (!actor) return reply;
          // A viewer opening a page is shown the read-only dashboard; its reads of the API still work.
          const page = request.url.slice(bullBoardBasePath.length);
          if (actor.role === 'viewer' && request.method === 'GET' && !/^\/(api|static)\//.test(page)) {
            return reply.redirect(`${readOnlyBullBoardBasePath}${page}`, 303);
          }
        });
        await dashboard.register(fullBoard.registerPlugin());
      },
      { prefix: bullBoardBasePath },
    );
    const readOnlyBoard = board(readOnlyBullBoardBasePath, true);
    await app.register(
      async (dashboard) => {
        dashboard.addHook('onRequest', async (request, reply) => {
          if (!(await login(request, reply))) return reply;
        });
        await dashboard.register(readOnlyBoard.registerPlugin());
      },
      { prefix: readOnlyBullBoardBasePath },
    );
  },
  { name: 'bull-board', dependencies: ['infrastructure', 'admin-auth', 'audit-log'] },
);

