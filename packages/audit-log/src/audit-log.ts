import { decodeKeysetCursor, keysetPage, newestFirst, rowsAfter } from '@leadrelay/http-kit';
import { newTimeOrderedUuid, type AuditEntryModel, type DatabaseClient, type Prisma } from '@leadrelay/db';

/**
 * Who made a change: an operator (`bootstrap` for ADMIN_TOKEN, `operator`) in the admin, a
 * `subscriber` in the portal. `kind` is stored as text.
 */
export interface AuditActor {
  kind: string;
  /** The operator's or subscriber's id; null for the bootstrap token. */
  id: string | null;
  name: string;
}

/**
 * What one entry records. Deliberately no request body, query or header: the identifiers and the
 * outcome say who changed what, and nothing personal or secret can reach the log through them.
 */
export interface AuditRecord {
  actor: AuditActor;
  /** The route's operationId, or method and route pattern where it has none. */
  action: string;
  targetId: string | null;
  ip: string;
  statusCode: number;
}

export interface ListAuditLogInput {
  /** An operator's or subscriber's id, or an actor's name (`bootstrap` for ADMIN_TOKEN). */
  actor?: string;
  target?: string;
  action?: string;
  /** Entries made at or after this time. */
  since?: Date;
  /** `nextCursor` of the previous page. */
  cursor?: string;
  limit: number;
}

export interface AuditEntryView {
  id: string;
  createdAt: string;
  actor: { kind: string; id: string | null; name: string };
  action: string;
  targetId: string | null;
  ip: string;
  statusCode: number;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The append-only audit log: written once per change by the audit-log plugin, read newest first.
 * There is no update or delete here, and PostgreSQL refuses them on the table.
 */
export class AuditLog {
  constructor(private readonly db: DatabaseClient) {}

  async record({ actor, action, targetId, ip, statusCode }: AuditRecord): Promise<void> {
    await this.db.auditEntry.create({
      data: { id: newTimeOrderedUuid(), actorKind: actor.kind, actorId: actor.id, actorName: actor.name, action, targetId, ip, statusCode },
    });
  }

  async list({ actor, target, action, since, cursor, limit }: ListAuditLogInput): Promise<{ entries: AuditEntryView[]; nextCursor: string | null }> {
    const after = cursor ? decodeKeysetCursor(cursor) : null;
    const where: Prisma.AuditEntryWhereInput = {
      ...(actor ? (uuidPattern.test(actor) ? { actorId: actor } : { actorName: actor }) : {}),
      ...(target ? { targetId: target } : {}),
      ...(action ? { action } : {}),
      AND: [since ? { createdAt: { gte: since } } : {}, after ? rowsAfter(after) : {}],
    };
    const rows = await this.db.auditEntry.findMany({ where, orderBy: newestFirst, take: limit + 1 });
    const page = keysetPage(rows, limit);
    return { entries: page.rows.map(toAuditEntryView), nextCursor: page.nextCursor };
  }
}

function toAuditEntryView(entry: AuditEntryModel): AuditEntryView {
  return {
    id: entry.id,
    createdAt: entry.createdAt.toISOString(),
    actor: { kind: entry.actorKind, id: entry.actorId, name: entry.actorName },
    action: entry.action,
    targetId: entry.targetId,
    ip: entry.ip,
    statusCode: entry.statusCode,
  };
}
