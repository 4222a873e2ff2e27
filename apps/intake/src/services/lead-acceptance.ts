import { newTimeOrderedUuid } from '@leadrelay/db';
import { identityKeys, type NormalizedActivity, type NormalizedLead } from '@leadrelay/lead';
import { MicroBatcher } from '@leadrelay/group-commit';
import { jobIdFor, maxSubmissionsPerJob, type PersistLeadPayload, type QueueRegistry } from '@leadrelay/queue';
import { AppError } from '@leadrelay/http-kit';
import type { ClaimOutcome, ClaimRequest, IdentityClaims } from './identity-claims.ts';
import type { LeadChangeRights } from './lead-change-rights.ts';
import type { SuppressionList } from './suppression-list.ts';

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
  /** With `update`: the partner's `changeScope` is `any`, it may update leads other partners created. */
  mayChangeAnyLead?: boolean;
}

/** What became of an item: queued (with the lead id it has), or refused as suppressed (nothing queued). */
export type AcceptanceResult = { status: 'created' | 'duplicate' | 'updated'; leadId: string } | { status: 'suppressed' };

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

/** One request's part of a group-committed batch: its results, or why it alone was refused. */
type RequestOutcome = { ok: true; results: AcceptanceResult[] } | { ok: false; error: AppError };

/** One request's part of a batch: the claims made for its new leads, and what it would queue. */
interface RequestPart {
  /** Given back if the part is not queued. */
  createdClaims: ClaimRequest[];
  /** Null when the part could not be planned (`error` says why). */
  planned: { results: AcceptanceResult[]; submissions: PersistLeadPayload[] } | null;
  error: AppError | null;
}

/**
 * Makes the duplicate decision and puts the leads safely in Redis. Returns only once its leads
 * are enqueued; if enqueueing fails, the claims are given back and nothing is acknowledged.
 *
 * Requests answered at the same moment are gathered (group commit): one claim script and one
 * persist-leads job serve all of them, so under load a lead costs a share of two Redis round
 * trips instead of two each. Alone, a request goes out at once. A job holds whole requests only,
 * so each request is acknowledged or refused as a whole, and no request can fail another: when
 * the shared job cannot be queued, each request's part is queued as a job of its own, and only
 * the parts that still fail are refused.
 */
export class LeadAcceptance {
  readonly #batches: MicroBatcher<AcceptanceRequest, RequestOutcome>;

  constructor(
    private readonly suppressions: SuppressionList,
    private readonly claims: IdentityClaims,
    private readonly rights: LeadChangeRights,
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
    const outcome = await this.#batches.submit({ items, context });
    if (!outcome.ok) throw outcome.error;
    return outcome.results;
  }

  /**
   * Suppressed items (an erased or do-not-contact person) are answered `suppressed` and go no
   * further: no claim, no job, nothing stored. The rest are accepted together.
   */
  async #acceptTogether(requests: AcceptanceRequest[]): Promise<RequestOutcome[]> {
    let flags: boolean[];
    try {
      flags = await this.suppressions.suppressed(requests.flatMap(({ items }) => items.map((item) => item.lead)));
    } catch (error) {
      throw new AppError('service_unavailable', 'leads could not be accepted, retry later', undefined, { cause: error });
    }
    if (!flags.includes(true)) return this.#acceptUnsuppressed(requests);
    let next = 0;
    const suppressedOf = requests.map(({ items }) => items.map(() => flags[next++]!));
    const kept = requests.map((request, position) => ({ ...request, items: request.items.filter((_, index) => !suppressedOf[position]![index]) }));
    const keptOutcomes = await this.#acceptUnsuppressed(kept.filter((request) => request.items.length > 0));
    let keptNext = 0;
    return requests.map((request, position): RequestOutcome => {
      if (kept[position]!.items.length === 0) return { ok: true, results: request.items.map(() => ({ status: 'suppressed' })) };
      const outcome = keptOutcomes[keptNext++]!;
      if (!outcome.ok) return outcome;
      let result = 0;
      return { ok: true, results: request.items.map((_, index) => (suppressedOf[position]![index] ? { status: 'suppressed' } : outcome.results[result++]!)) };
    });
  }

  async #acceptUnsuppressed(requests: AcceptanceRequest[]): Promise<RequestOutcome[]> {
    if (requests.length === 0) return [];
    const receivedAt = new Date().toISOString();
    const contexts = requests.flatMap(({ items, context }) => items.map(() => context));
    const claimRequests = requests.flatMap(({ items, context }) =>
      items.map(
        (item): ClaimRequest => ({
          identityKeys: identityKeys(item.lead),
          leadId: newTimeOrderedUuid(),
          partnerId: context.partnerId,
          onDuplicate: context.onDuplicate,
          mayChangeAnyLead: context.mayChangeAnyLead === true,
        }),
      ),
    );
    // Redis refusing the claims is everybody's outage, not one request's: every request gets 503.
    const outcomes = await this.#claim(claimRequests);
    const updates = await this.#updateRights(claimRequests, outcomes, contexts);

    let next = 0;
    const parts = requests.map(({ items, context }): RequestPart => {
      const claimsOfPart = claimRequests.slice(next, next + items.length);
      const outcomesOfPart = outcomes.slice(next, next + items.length);
      const updatesOfPart = updates.slice(next, next + items.length);
      next += items.length;
      const createdClaims = claimsOfPart.filter((_, index) => outcomesOfPart[index]!.kind === 'created');
      const undecided = updatesOfPart.find((update) => update instanceof AppError);
      if (undecided) return { createdClaims, planned: null, error: undecided };
      try {
        return { createdClaims, planned: this.#plan(items, context, outcomesOfPart, updatesOfPart as boolean[], receivedAt), error: null };
      } catch (error) {
        return { createdClaims, planned: null, error: new AppError('internal', 'the leads could not be queued', undefined, { cause: error }) };
      }
    });

    const queueable = parts.filter((part) => part.planned !== null);
    try {
      await this.#enqueue(queueable.flatMap((part) => part.planned!.submissions));
    } catch (error) {
      if (queueable.length === 1) queueable[0]!.error = queueFailure(error);
      else {
        // One request's part may be what failed the shared job: each part is tried on its own.
        await Promise.all(
          queueable.map((part) =>
            this.#enqueue(part.planned!.submissions).catch((partError: unknown) => {
              part.error = queueFailure(partError);
            }),
          ),
        );
      }
    }
    await this.#release(parts.flatMap((part) => (part.error ? part.createdClaims : [])));
    return parts.map((part): RequestOutcome => (part.error ? { ok: false, error: part.error } : { ok: true, results: part.planned!.results }));
  }

  /**
   * For each item: whether it updates the lead it duplicates. The claim settles it when the
   * partner may change any lead or created this one; PostgreSQL settles the rest (submitted
   * before?), and a lead found to be the partner's own gets the identity keys it lacks claimed as
   * an allowed update would. An item PostgreSQL could not settle gets the error (503): only its
   * request is refused.
   */
  async #updateRights(claimRequests: ClaimRequest[], outcomes: ClaimOutcome[], contexts: AcceptanceContext[]): Promise<(boolean | AppError)[]> {
    const updates: (boolean | AppError)[] = outcomes.map((outcome) => outcome.kind === 'duplicate' && outcome.update === 'allowed');
    const toCheck = outcomes.flatMap((outcome, index) => (outcome.kind === 'duplicate' && outcome.update === 'check' ? [index] : []));
    if (toCheck.length === 0) return updates;
    let standings;
    try {
      standings = await this.rights.standings(toCheck.map((index) => ({ leadId: outcomes[index]!.leadId, partnerId: claimRequests[index]!.partnerId })));
    } catch (error) {
      const refusal = error instanceof AppError ? error : new AppError('service_unavailable', 'the lead could not be looked up, retry later', undefined, { cause: error });
      for (const index of toCheck) updates[index] = refusal;
      return updates;
    }
    const own: number[] = [];
    toCheck.forEach((index, position) => {
      if (standings[position]!.own) own.push(index);
      else this.rights.refused(contexts[index]!.route);
      updates[index] = standings[position]!.own;
    });
    // The same script, now allowed: it claims the keys the stored lead does not hold yet.
    if (own.length > 0) await this.#claim(own.map((index) => ({ ...claimRequests[index]!, mayChangeAnyLead: true })));
    return updates;
  }

  /** The answers for one request's items and the submissions to queue for them. */
  #plan(
    items: AcceptedItem[],
    context: AcceptanceContext,
    outcomes: ClaimOutcome[],
    updates: boolean[],
    receivedAt: string,
  ): NonNullable<RequestPart['planned']> {
    const submissions: PersistLeadPayload[] = [];
    const results = items.map((item, index): AcceptanceResult => {
      const outcome = outcomes[index]!;
      const result: AcceptanceResult =
        outcome.kind === 'created'
          ? { status: 'created', leadId: outcome.leadId }
          : { status: updates[index] ? 'updated' : 'duplicate', leadId: outcome.leadId };
      submissions.push({
        submissionId: newTimeOrderedUuid(),
        partnerId: context.partnerId,
        route: context.route,
        receivedAt,
        requestId: context.requestId,
        raw: item.raw,
        leadId: result.leadId,
        decision: result.status,
        lead: item.lead,
      });
      return result;
    });
    return { results, submissions };
  }

  async #enqueue(submissions: PersistLeadPayload[]): Promise<void> {
    if (submissions.length === 0) return;
    await this.queues.enqueueBulk(
      'persistLeads',
      [{ payload: { submissions }, options: { jobId: jobIdFor('submissionGroup', submissions[0]!.submissionId) } }],
    );
  }

  async #release(created: ClaimRequest[]): Promise<void> {
    if (created.length === 0) return;
    await this.claims.release(created).catch((releaseError: unknown) => {
      // Redis is failing already; the worker stores a lead whose claim leaked (see README).
      this.log.warn({ err: releaseError }, 'identity claims could not be released');
    });
  }

  /**
   * Queues activities for a lead, stored or not yet stored (the worker keeps them pending, and
   * applies them only if the partner may change the lead once it is stored). Activities for a
   * stored lead the partner may not change are dropped and counted: the answer stays the same, so
   * the partner learns nothing about other partners' leads.
   */
  async acceptActivities(
    leadId: string,
    activities: NormalizedActivity[],
    raw: unknown,
    context: Omit<AcceptanceContext, 'onDuplicate'>,
  ): Promise<void> {
    let changeAllowed = context.mayChangeAnyLead === true;
    if (!changeAllowed) {
      const [standing] = await this.rights.standings([{ leadId, partnerId: context.partnerId }]);
      if (standing!.stored && !standing!.own) {
        this.rights.refused(context.route);
        return;
      }
      changeAllowed = standing!.own;
    }
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
          ...(changeAllowed ? { changeAllowed } : {}),
        },
        { jobId: jobIdFor('submission', submissionId) },
      );
    } catch (error) {
      throw new AppError('service_unavailable', 'activities could not be queued, retry later', undefined, { cause: error });
    }
  }

  async #claim(requests: ClaimRequest[]): Promise<ClaimOutcome[]> {
    try {
      return await this.claims.claim(requests);
    } catch (error) {
      throw new AppError('service_unavailable', 'leads could not be accepted, retry later', undefined, { cause: error });
    }
  }
}

function queueFailure(error: unknown): AppError {
  return new AppError('service_unavailable', 'leads could not be queued, retry later', undefined, { cause: error });
}
