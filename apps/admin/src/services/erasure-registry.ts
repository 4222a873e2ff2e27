import { addErasureCounts, newTimeOrderedUuid, type DatabaseClient, type ErasureCounts, type ErasureModel } from '@leadrelay/db';
import { AppError } from '@leadrelay/http-kit';
import type { AdminActor } from './admin-actor.ts';
import { resolvePersonIdentifiers } from './person-identifiers.ts';

export interface ErasureRequest {
  /** Any case, any surrounding spaces: normalized as intake does. */
  email?: string;
  /** Any format libphonenumber reads; national numbers in the partner's defaultCountry, else US. */
  phone?: string;
  /** Partner slug: with `externalId`, the lead that partner knows by that id. */
  partner?: string;
  externalId?: string;
  /** Why (a ticket number, "data subject request"); kept with the tombstones, so never personal data. */
  reason: string;
}

export interface ErasureView {
  id: string;
  status: 'pending' | 'running' | 'completed';
  reason: string;
  requestedBy: string;
  requestedAt: string;
  completedAt: string | null;
  /** The leads erased (their ids stay, as tombstones). */
  leadIds: string[];
  counts: ErasureCounts;
}

/**
 * Records erasures for the worker's erasure runner to carry out, and shows how far they got. The
 * identifiers go in the request body only (never a path or query, which logs and the audit log
 * keep), and stay in the erasure row until it completes.
 */
export class ErasureRegistry {
  constructor(private readonly db: DatabaseClient) {}

  async request(request: ErasureRequest, actor: AdminActor): Promise<{ id: string; status: ErasureView['status'] }> {
    if (request.email === undefined && request.phone === undefined && request.externalId === undefined) {
      throw new AppError('validation_failed', 'name the person: email, phone, or partner and externalId', [
        { path: 'body', message: 'needs email, phone or externalId' },
      ]);
    }
    const { email, phone, partner, externalId } = await resolvePersonIdentifiers(this.db, request, 'body');
    const erasure = await this.db.erasure.create({
      data: {
        id: newTimeOrderedUuid(),
        reason: request.reason,
        requestedBy: actor.name,
        email,
        phone,
        partnerId: partner?.id ?? null,
        externalId,
      },
    });
    return { id: erasure.id, status: erasure.status };
  }

  async get(id: string): Promise<ErasureView> {
    const erasure = await this.db.erasure.findUnique({ where: { id } });
    if (!erasure) throw new AppError('not_found', `no erasure ${id}`);
    return toErasureView(erasure);
  }
}

function toErasureView(erasure: ErasureModel): ErasureView {
  return {
    id: erasure.id,
    status: erasure.status,
    reason: erasure.reason,
    requestedBy: erasure.requestedBy,
    requestedAt: erasure.createdAt.toISOString(),
    completedAt: erasure.completedAt?.toISOString() ?? null,
    leadIds: erasure.leadIds,
    counts: addErasureCounts(erasure.counts),
  };
}
