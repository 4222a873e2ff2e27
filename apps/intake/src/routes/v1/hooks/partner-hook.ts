import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IntakePartner } from '../../../services/partner-directory.ts';

/**
 * One inbound partner contract (a seed), spoken on `GET|POST /v1/hooks/:partnerSlug` by
 * partners of its profile.
 */
export interface PartnerHook {
  /** Methods the contract uses; others are answered 405. */
  methods: readonly ('GET' | 'POST')[];
  /** Throws the contract's 401 when the request does not prove it comes from `partner`. */
  authenticate(request: FastifyRequest, partner: IntakePartner): Promise<void> | void;
  /** Maps, accepts and answers, in the contract's shapes. */
  handle(request: FastifyRequest, reply: FastifyReply): Promise<unknown>;
  /** The contract's shape for an error answer, when it has one of its own. */
  formatError?(statusCode: number, message: string, details?: { path: string; message: string }[]): unknown;
}
