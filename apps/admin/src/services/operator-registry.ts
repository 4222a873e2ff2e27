import { randomUUID } from 'node:crypto';
import { isRecordNotFoundError, isUniqueConstraintError, type DatabaseClient, type OperatorModel, type OperatorRole, type Prisma } from '@leadrelay/db';
import { apiKeyDisplayPrefix, generateApiKey, hashApiKey, isApiKeyOf } from '@leadrelay/credentials';
import { AppError } from '@leadrelay/http-kit';
import type { AdminActor } from './admin-actor.ts';

export interface CreateOperatorInput {
  name: string;
  role: OperatorRole;
}

/** An operator as the API lists it: never its token or the token's hash. */
export interface OperatorView {
  id: string;
  name: string;
  role: OperatorRole;
  tokenPrefix: string;
  revoked: boolean;
  revokedAt: string | null;
  rotatedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * Named admin tokens. A token is hashed like a partner's API key (SHA-256: it carries 256 random
 * bits, so a fast hash is safe and a request is authenticated with one indexed read). Nothing is
 * cached: a rotated or revoked token is refused from the next request on, on every instance.
 */
export class OperatorRegistry {
  constructor(private readonly db: DatabaseClient) {}

  async create(input: CreateOperatorInput): Promise<OperatorView & { token: string }> {
    const token = generateApiKey('operator');
    try {
      const operator = await this.db.operator.create({
        data: { id: randomUUID(), name: input.name, role: input.role, ...tokenColumns(token) },
      });
      return { ...toOperatorView(operator), token };
    } catch (error) {
      if (isUniqueConstraintError(error)) throw new AppError('conflict', `an operator named "${input.name}" already exists`);
      throw error;
    }
  }

  async list(): Promise<OperatorView[]> {
    const operators = await this.db.operator.findMany({ orderBy: { createdAt: 'asc' } });
    return operators.map(toOperatorView);
  }

  /** A new token, answered once; the old one is refused from now on. A revoked operator stays revoked (409). */
  async rotate(id: string): Promise<OperatorView & { token: string }> {
    const token = generateApiKey('operator');
    const operator = await this.#update(id, { revokedAt: null }, { ...tokenColumns(token), rotatedAt: new Date() });
    return { ...toOperatorView(operator), token };
  }

  /** Refuses the operator's token (401) from now on. Revoking twice keeps the first time. */
  async revoke(id: string): Promise<OperatorView> {
    const operator = await this.db.operator.findUnique({ where: { id } });
    if (!operator) throw new AppError('not_found', `no operator ${id}`);
    if (operator.revokedAt) return toOperatorView(operator);
    return toOperatorView(await this.#update(id, {}, { revokedAt: new Date() }));
  }

  /** The actor a presented token stands for, or null when it is no operator's current token. */
  async actorForToken(token: string): Promise<AdminActor | null> {
    if (!isApiKeyOf('operator', token)) return null;
    const operator = await this.db.operator.findUnique({ where: { tokenHash: hashApiKey(token) } });
    if (!operator || operator.revokedAt) return null;
    return { kind: 'operator', id: operator.id, name: operator.name, role: operator.role };
  }

  async #update(id: string, condition: { revokedAt?: null }, data: Prisma.OperatorUpdateInput): Promise<OperatorModel> {
    try {
      return await this.db.operator.update({ where: { id, ...condition }, data });
    } catch (error) {
      if (!isRecordNotFoundError(error)) throw error;
      const exists = await this.db.operator.findUnique({ where: { id }, select: { id: true } });
      throw exists ? new AppError('conflict', `operator ${id} is revoked: create a new one`) : new AppError('not_found', `no operator ${id}`);
    }
  }
}

function tokenColumns(token: string): { tokenHash: string; tokenPrefix: string } {
  return { tokenHash: hashApiKey(token), tokenPrefix: apiKeyDisplayPrefix(token) };
}

function toOperatorView(operator: OperatorModel): OperatorView {
  return {
    id: operator.id,
    name: operator.name,
    role: operator.role,
    tokenPrefix: operator.tokenPrefix,
    revoked: operator.revokedAt !== null,
    revokedAt: operator.revokedAt?.toISOString() ?? null,
    rotatedAt: operator.rotatedAt?.toISOString() ?? null,
    createdAt: operator.createdAt.toISOString(),
    updatedAt: operator.updatedAt.toISOString(),
  };
}
