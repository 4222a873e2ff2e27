import { randomUUID } from 'node:crypto';
import { identityKeys, type NormalizedActivity, type NormalizedLead } from '@leadrelay/lead';
import { jobIdFor, type QueueRegistry } from '@leadrelay/queue';
import { AppError } from '@leadrelay/http-kit';
import type { IdentityClaims } from './identity-claims.ts';

export interface AcceptedItem {
  lead: NormalizedLead;
  /** The item exactly as the partner sent it. */
  raw: unknown;
}

export interface AcceptanceContext {
  partnerId: string;
  route: string;
  requestId: string;
  onDuplicate: 'keep' | 'update';
  /**
   * Every lead came out of `normalizeCanonicalLead`, whose output always fits the job payload:
   * the queue need not parse the payloads again.
   */
  leadsValidated?: boolean;
}

export interface AcceptanceResult {
  status: 'created' | 'duplicate' | 'updated';
  leadId: string;
}

/**
 * Makes the duplicate decision and puts the leads safely in Redis. Returns only once every job
 * is enqueued; if enqueueing fails, the claims are given back and nothing is acknowledged.
 */
export class LeadAcceptance {
  constructor(
    private readonly claims: IdentityClaims,
    private readonly queues: QueueRegistry,
    private readonly log: { warn(object: unknown, message: string): void },
  ) {}

  async accept(items: AcceptedItem[], context: AcceptanceContext): Promise<AcceptanceResult[]> {
    if (items.length === 0) return [];
    const receivedAt = new Date().toISOString();
    const requests = items.map((item) => ({
      identityKeys: identityKeys(item.lead),
      leadId: randomUUID(),
      onDuplicate: context.onDuplicate,
    }));
    const outcomes = await this.#claim(requests);
    const results = outcomes.map((outcome): AcceptanceResult => {
      if (outcome.kind === 'created') return { status: 'created', leadId: outcome.leadId };
      return { status: context.onDuplicate === 'update' ? 'updated' : 'duplicate', leadId: outcome.leadId };
    });

    const jobs = items.map((item, index) => {
      const submissionId = randomUUID();
      const result = results[index]!;
      return {
        payload: {
          submissionId,
          partnerId: context.partnerId,
          route: context.route,
          receivedAt,
          requestId: context.requestId,
          raw: item.raw,
          leadId: result.leadId,
          decision: result.status,
          lead: item.lead,
        },
        options: { jobId: jobIdFor('submission', submissionId) },
      };
    });
    try {
      await this.queues.enqueueBulk('persistLead', jobs, { payloadsValidated: context.leadsValidated === true });
    } catch (error) {
      const created = requests.filter((_, index) => outcomes[index]!.kind === 'created');
      await this.claims.release(created).catch((releaseError: unknown) => {
        // Redis is failing already; the worker stores a lead whose claim leaked (see README).
        this.log.warn({ err: releaseError }, 'identity claims could not be released');
      });
      throw new AppError('service_unavailable', 'leads could not be queued, retry later', undefined, { cause: error });
    }
    return results;
  }

  /** Queues activities for a lead, stored or not yet stored (the worker keeps them pending). */
  async acceptActivities(
    leadId: string,
    activities: NormalizedActivity[],
    raw: unknown,
    context: Omit<AcceptanceContext, 'onDuplicate'>,
  ): Promise<void> {
    const submissionId = randomUUID();
    try {
      await this.queues.enqueue(
        'appendActivities',
        {
          submissionId,
          partnerId: context.partnerId,
          route: context.route,
          receivedAt: new Date().toISOString(),
          requestId: context.requestId,
          raw,
          leadId,
          activities,
        },
        { jobId: jobIdFor('submission', submissionId) },
      );
    } catch (error) {
      throw new AppError('service_unavailable', 'activities could not be queued, retry later', undefined, { cause: error });
    }
  }

  async #claim(requests: Parameters<IdentityClaims['claim']>[0]) {
    try {
      return await this.claims.claim(requests);
    } catch (error) {
      throw new AppError('service_unavailable', 'leads could not be accepted, retry later', undefined, { cause: error });
    }
  }
}
