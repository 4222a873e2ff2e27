import pg from 'pg';
import type { ReceivedWebhook } from '../test/support/webhook-receiver.ts';
import type { ChaosKill } from './chaos-fleet.ts';
import type { ChaosLedger } from './chaos-traffic.ts';

/** Two events of one lead whose deliveries first arrived the other way round. */
export interface OrderInversion {
  leadId: string;
  earlierSequence: string;
  laterSequence: string;
  /** The kill (instance id) between the earlier event's recording and its first arrival, if any. */
  killBetween?: string;
}

/** What a chaos run found; each list is empty and each count 0 when the system kept its promises. */
export interface ChaosVerdict {
  acknowledgedSubmissions: number;
  acknowledgedLeads: number;
  uncertainSubmissions: number;
  storedLeads: number;
  storedSubmissions: number;
  events: number;
  /** Requests the receiver got, and how many of them carried a message id it had already had. */
  webhookRequests: number;
  duplicateDeliveries: number;
  /** Message ids received more than once. */
  messagesReceivedTwiceOrMore: number;
  /** Consecutive event pairs of a lead (by sequence) checked for order. */
  orderedPairs: number;
  /** Pairs whose first arrivals are reversed with a worker or dispatcher kill in between: allowed, reported. */
  inversionsAfterKill: OrderInversion[];
  // ---- violations ----
  /** Acknowledged lead ids found neither as a lead nor as an alias. */
  lostLeads: string[];
  /** Leads with fewer stored submissions than acknowledged ones. */
  lostSubmissions: { leadId: string; acknowledged: number; stored: number; answers: string[] }[];
  /** Leads with more stored submissions than acknowledged plus uncertain ones. */
  submissionsStoredTwice: { leadId: string; acknowledged: number; uncertain: number; stored: number }[];
  /** People (by email) answered with more than one lead id, or more than one `created`, or stored as more than one lead. */
  peopleStoredTwice: { email: string; leadIds: string[]; createdAnswers: number; storedLeads: number }[];
  /** Acknowledged new leads without exactly one `created` event. */
  createdEventMismatches: { leadId: string; createdEvents: number }[];
  /** Events whose message id the receiver never got. */
  undeliveredEvents: string[];
  /** Pairs whose first arrivals are reversed with no kill in between: against the README's order promise. */
  inversionsWithoutKill: OrderInversion[];
  unexpectedAnswers: string[];
  /** Jobs of the `leads` queue that failed for good. */
  failedLeadJobs: number;
}

/** Kills that can disturb the order of deliveries: a worker's (its batch's events relayed late) or a dispatcher's. */
const orderDisturbingApps = new Set(['worker', 'dispatcher']);

/** Compares the ledger of answers with what PostgreSQL holds and what the receiver got. */
export async function judgeChaosRun({
  databaseUrl,
  destinationId,
  ledger,
  received,
  kills,
  failedLeadJobs,
}: {
  databaseUrl: string;
  destinationId: string;
  ledger: ChaosLedger;
  received: readonly ReceivedWebhook[];
  kills: readonly ChaosKill[];
  failedLeadJobs: number;
}): Promise<ChaosVerdict> {
  const sql = new pg.Client({ connectionString: databaseUrl });
  await sql.connect();
  try {
    const leads = (await sql.query<{ id: string; email: string | null }>('SELECT id, email FROM leads')).rows;
    const aliases = (await sql.query<{ id: string; lead_id: string }>('SELECT id, lead_id FROM lead_aliases')).rows;
    const submissionsPerLead = (await sql.query<{ lead_id: string; n: number }>('SELECT lead_id, count(*)::int AS n FROM raw_submissions GROUP BY lead_id')).rows;
    const events = (
      await sql.query<{ id: string; lead_id: string; type: string; sequence: string; created_at: Date; message_id: string | null }>(
        `SELECT e.id, e.lead_id, e.type, e.sequence::text, e.created_at, d.message_id
           FROM events e LEFT JOIN deliveries d ON d.event_id = e.id AND d.destination_id = $1
          ORDER BY e.sequence`,
        [destinationId],
      )
    ).rows;

    const leadIdOf = new Map<string, string>([...leads.map((lead) => [lead.id, lead.id] as const), ...aliases.map((alias) => [alias.id, alias.lead_id] as const)]);
    const leadByEmail = new Map<string, string[]>();
    for (const lead of leads) if (lead.email !== null) leadByEmail.set(lead.email.toLowerCase(), [...(leadByEmail.get(lead.email.toLowerCase()) ?? []), lead.id]);

    // Exactly once, per lead: acknowledged <= stored <= acknowledged + uncertain.
    const acknowledgedPerLead = new Map<string, number>();
    const lostLeads = new Set<string>();
    for (const submission of ledger.acknowledged) {
      const leadId = leadIdOf.get(submission.leadId);
      if (leadId === undefined) lostLeads.add(submission.leadId);
      else acknowledgedPerLead.set(leadId, (acknowledgedPerLead.get(leadId) ?? 0) + 1);
    }
    const uncertainPerLead = new Map<string, number>();
    for (const submission of ledger.uncertain) {
      const leadIds = submission.leadId !== undefined ? [leadIdOf.get(submission.leadId)] : (leadByEmail.get(submission.email!) ?? []);
      for (const leadId of leadIds) if (leadId !== undefined) uncertainPerLead.set(leadId, (uncertainPerLead.get(leadId) ?? 0) + 1);
    }
    const storedPerLead = new Map(submissionsPerLead.map((row) => [row.lead_id, row.n]));
    const lostSubmissions: ChaosVerdict['lostSubmissions'] = [];
    const submissionsStoredTwice: ChaosVerdict['submissionsStoredTwice'] = [];
    for (const leadId of new Set([...acknowledgedPerLead.keys(), ...storedPerLead.keys()])) {
      const acknowledged = acknowledgedPerLead.get(leadId) ?? 0;
      const uncertain = uncertainPerLead.get(leadId) ?? 0;
      const stored = storedPerLead.get(leadId) ?? 0;
      if (stored < acknowledged) {
        const answers = ledger.acknowledged.filter((submission) => leadIdOf.get(submission.leadId) === leadId).map((submission) => `${submission.kind} ${submission.status}`);
        lostSubmissions.push({ leadId, acknowledged, stored, answers });
      }
      if (stored > acknowledged + uncertain) submissionsStoredTwice.push({ leadId, acknowledged, uncertain, stored });
    }

    // One person, one lead: every answer about an email names the same lead, one of them `created`, one row stored.
    const answersByEmail = new Map<string, { leadIds: Set<string>; created: number }>();
    for (const submission of ledger.acknowledged) {
      if (submission.email === undefined) continue;
      const entry = answersByEmail.get(submission.email) ?? { leadIds: new Set<string>(), created: 0 };
      entry.leadIds.add(submission.leadId);
      if (submission.status === 'created') entry.created += 1;
      answersByEmail.set(submission.email, entry);
    }
    const peopleStoredTwice: ChaosVerdict['peopleStoredTwice'] = [];
    for (const email of new Set([...answersByEmail.keys(), ...leadByEmail.keys()])) {
      const answers = answersByEmail.get(email) ?? { leadIds: new Set<string>(), created: 0 };
      const storedLeads = leadByEmail.get(email)?.length ?? 0;
      if (answers.leadIds.size > 1 || answers.created > 1 || storedLeads > 1) {
        peopleStoredTwice.push({ email, leadIds: [...answers.leadIds], createdAnswers: answers.created, storedLeads });
      }
    }

    const createdEvents = new Map<string, number>();
    for (const event of events) if (event.type === 'created') createdEvents.set(event.lead_id, (createdEvents.get(event.lead_id) ?? 0) + 1);
    const createdEventMismatches: ChaosVerdict['createdEventMismatches'] = [];
    for (const submission of ledger.acknowledged) {
      if (submission.status !== 'created') continue;
      const leadId = leadIdOf.get(submission.leadId);
      if (leadId !== undefined && createdEvents.get(leadId) !== 1) createdEventMismatches.push({ leadId, createdEvents: createdEvents.get(leadId) ?? 0 });
    }

    // At least once: every event's message id arrived; repeats counted.
    const arrivals = new Map<string, { count: number; firstIndex: number; firstAtMs: number }>();
    received.forEach((request, index) => {
      const messageId = request.headers['x-lead-router-message-id'];
      if (typeof messageId !== 'string') return;
      const arrival = arrivals.get(messageId);
      if (arrival) arrival.count += 1;
      else arrivals.set(messageId, { count: 1, firstIndex: index, firstAtMs: request.receivedAt });
    });
    const undeliveredEvents = events.filter((event) => event.message_id === null || !arrivals.has(event.message_id)).map((event) => event.id);
    let duplicateDeliveries = 0;
    let messagesReceivedTwiceOrMore = 0;
    for (const arrival of arrivals.values()) {
      duplicateDeliveries += arrival.count - 1;
      if (arrival.count > 1) messagesReceivedTwiceOrMore += 1;
    }

    // Order: for each lead, events in sequence order; the first arrival of each one's message id
    // must come after the previous event's first arrival. A reversal is put down to a kill when a
    // worker or dispatcher died between the earlier event's recording and its first arrival.
    const eventsByLead = new Map<string, typeof events>();
    for (const event of events) eventsByLead.set(event.lead_id, [...(eventsByLead.get(event.lead_id) ?? []), event]);
    const inversionsAfterKill: OrderInversion[] = [];
    const inversionsWithoutKill: OrderInversion[] = [];
    let orderedPairs = 0;
    for (const [leadId, leadEvents] of eventsByLead) {
      for (let index = 1; index < leadEvents.length; index += 1) {
        const earlier = leadEvents[index - 1]!;
        const later = leadEvents[index]!;
        const earlierArrival = earlier.message_id === null ? undefined : arrivals.get(earlier.message_id);
        const laterArrival = later.message_id === null ? undefined : arrivals.get(later.message_id);
        if (!earlierArrival || !laterArrival) continue;
        orderedPairs += 1;
        if (laterArrival.firstIndex > earlierArrival.firstIndex) continue;
        const kill = kills.find(
          (candidate) => orderDisturbingApps.has(candidate.app) && candidate.killedAtMs >= earlier.created_at.getTime() && candidate.killedAtMs <= earlierArrival.firstAtMs,
        );
        const inversion = { leadId, earlierSequence: earlier.sequence, laterSequence: later.sequence, ...(kill ? { killBetween: kill.instance } : {}) };
        (kill ? inversionsAfterKill : inversionsWithoutKill).push(inversion);
      }
    }

    return {
      acknowledgedSubmissions: ledger.acknowledged.length,
      acknowledgedLeads: ledger.knownLeads.length,
      uncertainSubmissions: ledger.uncertain.length,
      storedLeads: leads.length,
      storedSubmissions: submissionsPerLead.reduce((sum, row) => sum + row.n, 0),
      events: events.length,
      webhookRequests: received.length,
      duplicateDeliveries,
      messagesReceivedTwiceOrMore,
      orderedPairs,
      inversionsAfterKill,
      lostLeads: [...lostLeads],
      lostSubmissions,
      submissionsStoredTwice,
      peopleStoredTwice,
      createdEventMismatches,
      undeliveredEvents,
      inversionsWithoutKill,
      unexpectedAnswers: ledger.unexpectedAnswers,
      failedLeadJobs,
    };
  } finally {
    await sql.end();
  }
}

/** The verdict's violations, one line each; empty when the run kept every promise. */
export function chaosViolations(verdict: ChaosVerdict): string[] {
  const lines: string[] = [];
  const add = (label: string, items: readonly unknown[]) => {
    if (items.length > 0) lines.push(`${label}: ${items.length} (${JSON.stringify(items.slice(0, 5))}${items.length > 5 ? ' ...' : ''})`);
  };
  add('acknowledged leads not stored', verdict.lostLeads);
  add('leads with acknowledged submissions not stored', verdict.lostSubmissions);
  add('leads with submissions stored twice', verdict.submissionsStoredTwice);
  add('people answered or stored as two leads', verdict.peopleStoredTwice);
  add('new leads without exactly one created event', verdict.createdEventMismatches);
  add('events never delivered', verdict.undeliveredEvents);
  add('deliveries out of event order with no kill in between', verdict.inversionsWithoutKill);
  add('unexpected answers', verdict.unexpectedAnswers);
  if (verdict.failedLeadJobs > 0) lines.push(`failed lead jobs: ${verdict.failedLeadJobs}`);
  return lines;
}
