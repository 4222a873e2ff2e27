import type { OperatorRole } from '@leadrelay/db';

/**
 * Who made an admin request: the bootstrap ADMIN_TOKEN (an owner with no row) or a named operator.
 * The audit log stores `kind` as text; the portal records its subscribers as `subscriber`.
 */
export interface AdminActor {
  kind: 'bootstrap' | 'operator';
  /** The operator's id; null for the bootstrap token. */
  id: string | null;
  name: string;
  role: OperatorRole;
}

/** The name the bootstrap token acts under in the audit log and in `GET /v1/audit-log?actor=`. */
export const bootstrapActorName = 'bootstrap';

export const bootstrapActor: AdminActor = { kind: 'bootstrap', id: null, name: bootstrapActorName, role: 'owner' };
