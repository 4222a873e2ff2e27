import { newTimeOrderedUuid } from '@leadrelay/db';
import { identityKeys, type NormalizedActivity, type NormalizedLead } from '@leadrelay/lead';
import { MicroBatcher } from '@leadrelay/group-commit';
import { PersistLeadPayload, jobIdFor, maxSubmissionsPerJob, type QueueRegistry } from '@leadrelay/queue';
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

export interface LeadAcceptanceOptions {
  /**
   * Leads in one persist-leads job at most. Requests answered at the same moment share a job
   * up to this; a request is never split, so a larger one gets a job of its own.
   */
  maxLeadsPerJob?: number;
  /** Claim-and-enqueue round trips in flight at once; requests arriving meanwhile wait for the next. */
  maxConcurrentEnqueues?: number;
}

interface AcceptanceRequest {
  items: AcceptedItem[];
  context: AcceptanceContext;
}

/**
 * Makes the duplicate decision and puts the leads safely in Redis. Returns only once its leads
 * are enqueued; if enqueueing fails, the claims are given back and nothing is acknowledged.
 *
 * Requests answered at the same moment are gathered (group commit): one claim script and one
 * persist-leads job serve all of them, so under load a lead costs a share of two Redis round
 * trips instead of two each. Alone, a request goes out at once. A job holds whole requests only,
 * so each request is acknowledged or refused as a whole.
 */
export class LeadAcceptance {
  readonly #batches: MicroBatcher<AcceptanceRequest, AcceptanceResult[]>;

  constructor(
    private readonly claims: IdentityClaims,
    private readonly queues: QueueRegistry,
    private readonly log: { warn(object: unknown, message: string): void },
    { maxLeadsPerJob = 500, maxConcurrentEnqueues = 4 }: LeadAcceptanceOptions = {},
  ) {
    if (maxLeadsPerJob > maxSubmissionsPerJob) throw new Error(`maxLeadsPerJob may be ${maxSubmissionsPerJob} at most`);
    this.#batches = new MicroBatcher({
      run: (requests) => this.#acceptTogether(requests),
      maxBatchWeight: maxLeadsPerJob,
      maxConcurrentBatches: maxConcurrentEnqueues,
      weightOf: (request) => request.items.length,
    });
  }

  async accept(items: AcceptedItem[], context: AcceptanceContext): Promise<AcceptanceResult[]> {
    if (items.length === 0) return [];
    return this.#batches.submit({ items, context });
  }

  async #acceptTogether(requests: AcceptanceRequest[]): Promise<AcceptanceResult[][]> {
    const receivedAt = new Date().toISOString();
    const claimRequests = requests.flatMap(({ items, context }) =>
      items.map((item) => ({ identityKeys: identityKeys(item.lead), leadId: newTimeOrderedUuid(), onDuplicate: context.onDuplicate })),
    );
    const outcomes = await this.#claim(claimRequests);

    let next = 0;
    const submissions: PersistLeadPayload[] = [];
    const results = requests.map(({ items, context }) =>
      items.map((item): AcceptanceResult => {
        const outcome = outcomes[next++]!;
        const result: AcceptanceResult =
          outcome.kind === 'created'
            ? { status: 'created', leadId: outcome.leadId }
            : { status: context.onDuplicate === 'update' ? 'updated' : 'duplicate', leadId: outcome.leadId };
        const submission: PersistLeadPayload = {
          submissionId: newTimeOrderedUuid(),
          partnerId: context.partnerId,
          route: context.route,
          receivedAt,
          requestId: context.requestId,
          raw: item.raw,
          leadId: result.leadId,
          decision: result.status,
          lead: item.lead,
        };
        // Canonical leads come out of normalizeCanonicalLead, which always fits the payload; the
        // profiles' mappers are checked here, so a mapping mistake is an error, not a stored job.
        submissions.push(context.leadsValidated === true ? submission : PersistLeadPayload.parse(submission));
        return result;
      }),
    );

    try {
      await this.queues.enqueueBulk(
        'persistLeads',
        [{ payload: { submissions }, options: { jobId: jobIdFor('submissions', submissions[0]!.submissionId) } }],
        { payloadsValidated: true },
      );
    } catch (error) {
      const created = claimRequests.filter((_, index) => outcomes[index]!.kind === 'created');
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
    const submissionId = newTimeOrderedUuid();
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
