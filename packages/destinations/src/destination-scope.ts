import type { Prisma } from '@leadrelay/db';
import { AppError } from '@leadrelay/http-kit';

/**
 * Who is asking: an operator (admin API: every destination) or a subscriber (portal: only the
 * destinations it registered). Every read and change of a destination or delivery takes one, and
 * the Prisma conditions below are the only place it turns into a query, so a subscriber's scope
 * cannot be forgotten in one method.
 */
export type DestinationScope = { kind: 'operator' } | { kind: 'subscriber'; subscriberId: string };

export const operatorScope: DestinationScope = { kind: 'operator' };

export function subscriberScope(subscriberId: string): DestinationScope {
  return { kind: 'subscriber', subscriberId };
}

/** The destinations the scope may see: not deleted, and the subscriber's own. */
export function scopedDestinationWhere(scope: DestinationScope): { deletedAt: null; subscriberId?: string } {
  return scope.kind === 'subscriber' ? { deletedAt: null, subscriberId: scope.subscriberId } : { deletedAt: null };
}

/** The deliveries the scope may see: those of its destinations (a deleted one's too, for the record). */
export function scopedDeliveryWhere(scope: DestinationScope): Pick<Prisma.DeliveryWhereInput, 'destination'> {
  return scope.kind === 'subscriber' ? { destination: { subscriberId: scope.subscriberId } } : {};
}

/** The same 404 for an id that does not exist and for one another subscriber owns: neither is told apart. */
export function destinationNotFound(id: string): AppError {
  return new AppError('not_found', `no destination ${id}`);
}

export function deliveryNotFound(id: string): AppError {
  return new AppError('not_found', `no delivery ${id}`);
}

/** For what only an operator may do, e.g. choosing `maxConcurrency` or reviewing a go-live request. */
export function assertOperator(scope: DestinationScope, what: string): void {
  if (scope.kind !== 'operator') throw new AppError('forbidden', `${what} is for LeadRelay's operators`);
}
