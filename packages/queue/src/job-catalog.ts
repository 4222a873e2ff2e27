import { z } from 'zod';
import type { JobsOptions } from 'bullmq';
import { NormalizedActivitySchema, NormalizedLeadSchema } from '@leadrelay/lead';

/** Names of the queues LeadRelay uses; the dashboard shows each. */
export const queueNames = {
  /** intake -> worker: leads (one job per lead, or per group of leads) and activities to persist. */
  leads: 'leads',
  /** worker outbox -> dispatcher: events to fan out to destinations (one job per event, or per committed batch). */
  events: 'events',
  /** dispatcher: one job per delivery to one destination. */
  deliveries: 'deliveries',
} as const;
export type QueueName = (typeof queueNames)[keyof typeof queueNames];

/** Submissions one persist-leads job carries at most (intake's group commit stays below it). */
export const maxSubmissionsPerJob = 1000;
/** Events one fan-out-events job carries at most. */
export const maxEventsPerJob = 1000;

const SubmissionFields = {
  /** Made at intake; the job id and the idempotency key of every row the job writes. */
  submissionId: z.uuid(),
  partnerId: z.uuid(),
  /** The intake route that received it, e.g. `POST /v1/leads`. */
  route: z.string(),
  receivedAt: z.iso.datetime(),
  /** The intake request id, so logs follow the lead to its deliveries. */
  requestId: z.string().optional(),
  /** The item exactly as the partner sent it. */
  raw: z.unknown(),
};

/**
 * The record does not exist yet when this is enqueued (intake never writes PostgreSQL), so the
 * job carries the normalized lead; everything after it carries ids only.
 */
export const PersistLeadPayload = z.object({
  ...SubmissionFields,
  /** The lead id intake answered with: a new id, or the stored lead's on a duplicate. */
  leadId: z.uuid(),
  /** What intake told the partner; the worker makes it true. */
  decision: z.enum(['created', 'duplicate', 'updated']),
  lead: NormalizedLeadSchema,
});
export type PersistLeadPayload = z.infer<typeof PersistLeadPayload>;

/**
 * Many submissions in one job: intake gathers the leads of the requests it answers at the same
 * moment into one job (group commit), so a lead costs a share of one BullMQ job at each end
 * instead of one job each. Every submission keeps its own id, so the rows it writes stay
 * idempotent when the job runs twice.
 */
export const PersistLeadsPayload = z.object({
  submissions: z.array(PersistLeadPayload).min(1).max(maxSubmissionsPerJob),
});
export type PersistLeadsPayload = z.infer<typeof PersistLeadsPayload>;

export const AppendActivitiesPayload = z.object({
  ...SubmissionFields,
  leadId: z.uuid(),
  activities: z.array(NormalizedActivitySchema).min(1),
  /**
   * Intake found the lead stored and the partner allowed to change it (see LeadChangeRights). Absent
   * when the lead was not stored yet: the worker then applies the activities only if the partner
   * created the lead or may change any lead.
   */
  changeAllowed: z.boolean().optional(),
});
export type AppendActivitiesPayload = z.infer<typeof AppendActivitiesPayload>;

export const FanOutEventPayload = z.object({ eventId: z.uuid() });
export type FanOutEventPayload = z.infer<typeof FanOutEventPayload>;

/** The events one committed worker batch recorded, fanned out by one job. */
export const FanOutEventsPayload = z.object({ eventIds: z.array(z.uuid()).min(1).max(maxEventsPerJob) });
export type FanOutEventsPayload = z.infer<typeof FanOutEventsPayload>;

export const DeliverPayload = z.object({ deliveryId: z.uuid() });
export type DeliverPayload = z.infer<typeof DeliverPayload>;

/** Jobs that wait out outages of PostgreSQL: retried with a capped backoff, for days. */
const persistenceRetry: JobsOptions = {
  attempts: 10_000,
  backoff: { type: 'capped-exponential', delay: 1_000 },
};

/**
 * Completed jobs are kept this long for the dashboard (and at most 10,000 per queue). BullMQ
 * removes them when a later job completes; the worker's retention sweep removes those an idle
 * queue keeps past it.
 */
export const completedJobRetentionMs = 24 * 3_600_000;

// Failed ones stay until an operator acts, or until the worker's retention sweep removes them
// (RETENTION_FAILED_JOBS): the setting lives in one app, not in every producer's job options.
const retention: JobsOptions = {
  removeOnComplete: { age: completedJobRetentionMs / 1000, count: 10_000 },
  removeOnFail: false,
};

/**
 * BullMQ attempts of every delivery job. The dispatcher ends a run itself after the attempts its
 * DISPATCH_RETRY_SCHEDULE allows (the last one is recorded as `failed` and the job completes), so
 * this is a ceiling the schedule is checked against, not the schedule.
 */
export const deliveryJobAttemptCeiling = 100;

/** Backoff type of delivery jobs; the delivery worker's strategy waits until the recorded next attempt. */
export const deliveryBackoffType = 'delivery-schedule';

/** Every job LeadRelay enqueues: producer and consumer share one definition. */
export const jobCatalog = {
  /**
   * Legacy: one submission per job. No app enqueues it any more (intake's group commit sends
   * persist-leads); the worker still runs it so jobs queued by an older intake drain. See
   * DEVELOPERS.md, "Legacy job kinds", before removing it.
   */
  persistLead: {
    queue: queueNames.leads,
    name: 'persist-lead',
    payload: PersistLeadPayload,
    options: { ...persistenceRetry, ...retention },
  },
  persistLeads: {
    queue: queueNames.leads,
    name: 'persist-leads',
    payload: PersistLeadsPayload,
    options: { ...persistenceRetry, ...retention },
  },
  appendActivities: {
    queue: queueNames.leads,
    name: 'append-activities',
    payload: AppendActivitiesPayload,
    options: { ...persistenceRetry, ...retention },
  },
  /**
   * Legacy: one event per job. No app enqueues it any more (the outbox relay sends
   * fan-out-events); the dispatcher still runs it so jobs queued by an older worker drain.
   */
  fanOutEvent: {
    queue: queueNames.events,
    name: 'fan-out-event',
    payload: FanOutEventPayload,
    options: { ...persistenceRetry, ...retention },
  },
  fanOutEvents: {
    queue: queueNames.events,
    name: 'fan-out-events',
    payload: FanOutEventsPayload,
    options: { ...persistenceRetry, ...retention },
  },
  /**
   * dispatcher: runs once the first attempts a fan-out job started must have been recorded, and
   * gives a delivery job to each of its deliveries still pending without one (the dispatcher that
   * started them was killed). The fan-out job adds it before starting them, and completes without
   * waiting for any receiver.
   */
  settleFanOut: {
    queue: queueNames.events,
    name: 'settle-fan-out',
    payload: FanOutEventsPayload,
    options: { ...persistenceRetry, ...retention },
  },
  deliver: {
    queue: queueNames.deliveries,
    name: 'deliver',
    payload: DeliverPayload,
    // The dispatcher ends a run itself after the attempts its DISPATCH_RETRY_SCHEDULE allows, so
    // the job only needs a ceiling above it; the waits come from the delivery worker's backoff.
    options: { attempts: deliveryJobAttemptCeiling, backoff: { type: deliveryBackoffType }, ...retention },
  },
} as const satisfies Record<string, JobDefinition<z.ZodType>>;

export interface JobDefinition<Payload extends z.ZodType> {
  queue: QueueName;
  name: string;
  payload: Payload;
  options: JobsOptions;
}

export type JobKey = keyof typeof jobCatalog;
export type JobPayload<Key extends JobKey> = z.infer<(typeof jobCatalog)[Key]['payload']>;

/**
 * What a job's id is made from, and the text its id starts with. The texts stay as they have
 * always been, so jobs already in Redis keep being found by their ids.
 */
export const jobIdKinds = {
  /** persist-lead (legacy) and append-activities: one submission, by its id. */
  submission: 'submission',
  /** persist-leads: the submissions of requests answered together, by the first one's id. */
  submissionGroup: 'submissions',
  /** fan-out-event (legacy): one event, by its id. */
  event: 'event',
  /** fan-out-events: the events of one committed worker batch, by a hash of their ids. */
  eventGroup: 'events',
  /** settle-fan-out: by the id of the fan-out job it settles. */
  settleFanOut: 'settle-fan-out',
  /** deliver: one delivery, by its id (and the run, for a replay or a resume). */
  delivery: 'delivery',
} as const;
export type JobIdKind = keyof typeof jobIdKinds;

/** BullMQ custom job ids may not contain `:`; ours are `<kind>-<id>`. */
export function jobIdFor(kind: JobIdKind, id: string): string {
  return `${jobIdKinds[kind]}-${id}`;
}

/** `capped-exponential`: 1 s, 2 s, 4 s ... at most one minute between tries. */
export function cappedExponentialBackoffMs(attemptsMade: number, baseDelayMs = 1_000, maxDelayMs = 60_000): number {
  return Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attemptsMade - 1));
}
