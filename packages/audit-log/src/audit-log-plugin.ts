import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DatabaseClient } from '@leadrelay/db';
import { AuditLog, type AuditActor } from './audit-log.ts';

/** Methods that only read: never recorded (and, in the admin, the one thing a viewer may do). */
export function isReadOnlyMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD';
}

export interface AuditLogPluginOptions {
  db: DatabaseClient;
  /** Who the request was authenticated as, once its auth hook ran; null: not authenticated, not recorded. */
  actorOf: (request: FastifyRequest) => AuditActor | null;
}

declare module 'fastify' {
  interface FastifyInstance {
    auditLog: AuditLog;
  }
  interface FastifyRequest {
    /** The `id` of the object a change answered with (or redirected to), for the audit entry of a route without an `:id`. */
    answeredResourceId: string | null;
  }
}

/** Route parameters that name what a change is about, most specific first. */
function targetFromParams(params: unknown): string | null {
  const named = (params ?? {}) as Record<string, unknown>;
  for (const key of ['id', 'slug']) if (typeof named[key] === 'string') return named[key];
  // The Bull dashboard's API names a queue, and maybe a job or scheduler in it.
  const parts = ['queueName', 'jobId', 'schedulerId'].map((key) => named[key]).filter((part): part is string => typeof part === 'string');
  return parts.length > 0 ? parts.join('/') : null;
}

function actionOf(request: FastifyRequest): string {
  const operationId = (request.routeOptions.schema as { operationId?: unknown } | undefined)?.operationId;
  return typeof operationId === 'string' ? operationId : `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`;
}

/**
 * Records every change made through a server (the admin's REST API and Bull dashboard, the
 * portal's API and pages): each request that is not a GET and was authenticated (`actorOf` answers
 * an actor), whether it succeeded or not, one entry in the audit log. Registered before every
 * route, so no route can leave it out.
 * The entry is written before the answer is sent (onSend), so whoever made a change finds it in
 * `GET /v1/audit-log` as soon as they have the answer.
 */
export const auditLogPlugin = fp<AuditLogPluginOptions>(
  async (app, { db, actorOf }) => {
    const auditLog = new AuditLog(db);
    app.decorate('auditLog', auditLog);
    app.decorateRequest('answeredResourceId', null);

    // The answer's object, before it becomes JSON: a created resource's id is the target of its entry.
    app.addHook('preSerialization', async (request: FastifyRequest, _reply: FastifyReply, payload: unknown) => {
      const id = (payload as { id?: unknown } | null)?.id;
      if (actorOf(request) && !isReadOnlyMethod(request.method) && typeof id === 'string') request.answeredResourceId = id;
      return payload;
    });

    app.addHook('onSend', async (request, reply, payload) => {
      const actor = actorOf(request);
      if (!actor || isReadOnlyMethod(request.method)) return payload;
      const entry = {
        actor,
        action: actionOf(request),
        // A page's form answers 303 to what it created: a success too.
        targetId: targetFromParams(request.params) ?? (reply.statusCode < 400 ? request.answeredResourceId : null),
        ip: request.ip,
        statusCode: reply.statusCode,
      };
      try {
        await auditLog.record(entry);
      } catch (error) {
        // The change is made (or refused) already: failing its answer now would make the client
        // retry a change that happened. The missing entry is logged instead, without the IP.
        request.log.error({ err: error, action: entry.action, targetId: entry.targetId, actor: actor.name, statusCode: entry.statusCode }, 'audit entry not written');
      }
      return payload;
    });
  },
  { name: 'audit-log' },
);
