import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeadFilterSchema, type LeadFilter } from '@leadrelay/lead-filter';
import { adminRequest, startLeadRelaySystem, type LeadRelaySystem } from '../support/leadrelay-system.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * Destinations' filters at fan-out, through the whole system: leads sent to intake, persisted by
 * the worker, fanned out and delivered by the dispatcher. The filters are written straight to the
 * database (no API sets them yet), as a route would store them.
 */
describe('dispatcher: destinations receive only the leads their filter takes', () => {
  let system: LeadRelaySystem;
  let sql: pg.Client;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    system = await startLeadRelaySystem();
    sql = new pg.Client({ connectionString: system.databaseUrl });
    await sql.connect();
  });

  afterAll(async () => {
    await sql?.end();
    await Promise.all(receivers.map((receiver) => receiver.stop()));
    await system?.stop();
  });

  async function destination(slug: string, filter: LeadFilter | null): Promise<{ id: string; receiver: WebhookReceiver }> {
    const receiver = new WebhookReceiver();
    await receiver.start();
    receivers.push(receiver);
    const created = await adminRequest<{ id: string }>(system, 'POST', '/v1/destinations', { name: `${slug} ${receivers.length}`, url: receiver.url, sources: [slug] });
    expect(created.status).toBe(201);
    if (filter !== null) {
      // Stored as the API will store it: checked by the schema first.
      await sql.query('UPDATE destinations SET filter = $1::jsonb WHERE id = $2', [JSON.stringify(LeadFilterSchema.parse(filter)), created.body.id]);
    }
    return { id: created.body.id, receiver };
  }

  /** The first names (each lead's label) of the leads a destination has deliveries for. */
  async function deliveredLabels(destinationId: string): Promise<string[]> {
    const { rows } = await sql.query<{ label: string }>(
      `SELECT e.document ->> 'first_name' AS label FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.destination_id = $1 ORDER BY 1`,
      [destinationId],
    );
    return rows.map((row) => row.label);
  }

  const receivedLabels = (receiver: WebhookReceiver) =>
    receiver.received.map((webhook) => (JSON.parse(webhook.body.toString()) as { first_name: string }).first_name).sort();

  it('delivers to each destination the leads its filter matches, and every lead to one without a filter', async () => {
    const slug = 'filtered';
    const partner = await adminRequest<{ apiKey: string }>(system, 'POST', '/v1/partners', { name: slug, slug, profile: 'canonical' });
    expect(partner.status).toBe(201);

    const californiaZillowWithPhone = await destination(slug, {
      all: [{ field: 'activities.property.state', in: ['CA', 'NV'] }, { field: 'phone', exists: true }, { field: 'source', equals: 'zillow' }],
    });
    const notZillow = await destination(slug, { not: { field: 'source', equals: 'zillow' } });
    const sellersOrPhoneOnly = await destination(slug, { any: [{ field: 'activities.type', equals: 'valuation_inquire' }, { field: 'email', exists: false }] });
    const everything = await destination(slug, null);

    const property = (state: string) => ({ type: 'property_viewed', description: `Viewed a home in ${state}`, property: { state, city: 'Somewhere' } });
    const leads = [
      { firstName: 'L1', email: 'l1@example.com', phone: '+18081231001', source: 'zillow', activities: [property('CA')] },
      { firstName: 'L2', email: 'l2@example.com', source: 'zillow', activities: [property('CA')] },
      { firstName: 'L3', email: 'l3@example.com', phone: '+18081231003', source: 'Zillow', activities: [property('nv')] },
      { firstName: 'L4', email: 'l4@example.com', phone: '+18081231004', source: 'trulia.com', activities: [property('CA')] },
      { firstName: 'L5', phone: '+18081231005', source: 'zillow' },
      { firstName: 'L6', email: 'l6@example.com', source: 'realtor.com', activities: [{ type: 'valuation_inquire', description: 'Valued a home', property: { state: 'NV' } }] },
    ];
    const response = await fetch(`${system.intakeUrl}/v1/leads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${partner.body.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(leads),
    });
    expect(response.status).toBe(202);

    // One statement fans an event out to every destination: once the unfiltered one has all six,
    // the others have every delivery they will get.
    await waitFor(async () => (await deliveredLabels(everything.id)).length === 6 || undefined, { timeoutMs: 30_000, description: 'the fan-out of all six leads' });
    const expected = new Map([
      [californiaZillowWithPhone, ['L1', 'L3']],
      [notZillow, ['L4', 'L6']],
      [sellersOrPhoneOnly, ['L5', 'L6']],
      [everything, ['L1', 'L2', 'L3', 'L4', 'L5', 'L6']],
    ]);
    for (const [target, labels] of expected) expect(await deliveredLabels(target.id)).toEqual(labels);
    for (const [target, labels] of expected) {
      await waitFor(() => target.receiver.received.length >= labels.length, { timeoutMs: 30_000, description: 'the deliveries sent' });
      expect(receivedLabels(target.receiver)).toEqual(labels);
    }
  });

  it('keeps JSON null out of the filter column: no filter is NULL', async () => {
    const { id } = await destination('json-null', null);
    await expect(sql.query(`UPDATE destinations SET filter = 'null'::jsonb WHERE id = $1`, [id])).rejects.toThrow(/destinations_filter_is_object/);
  });
});
