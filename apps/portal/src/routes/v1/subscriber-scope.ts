import type { FastifyRequest } from 'fastify';
import { subscriberScope, type DestinationScope } from '@leadrelay/destinations';

/**
 * The scope every portal route passes to the destination services: the authenticated subscriber's
 * own destinations and deliveries, nothing else (see `@leadrelay/destinations`' destination-scope.ts).
 */
export function scopeOf(request: FastifyRequest): DestinationScope {
  if (!request.subscriber) throw new Error('a portal route ran without authenticateSubscriber');
  return subscriberScope(request.subscriber.id);
}
