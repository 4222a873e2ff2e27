import { randomBytes } from 'node:crypto';

/** Largest number of distinct phone numbers the factory makes (exchanges 200-999 x 10,000 lines). */
const phoneNumberSpace = 800 * 10_000;

/**
 * Canonical leads (`POST /v1/leads` bodies) that are all new: every lead has an email and a
 * phone no other lead of the run has, so every one takes the `created` path through the claim,
 * the worker's insert and a delivery, which is the path the targets are about.
 */
export class LeadFactory {
  readonly #runTag = randomBytes(4).toString('hex');
  #sequence = 0;

  /** Leads made so far, over every body. */
  get leadCount(): number {
    return this.#sequence;
  }

  /** One lead as a JSON body. */
  singleBody(): string {
    return JSON.stringify(this.nextLead());
  }

  /** An array of `leadCount` leads as a JSON body. */
  batchBody(leadCount: number): string {
    const leads = [];
    for (let index = 0; index < leadCount; index += 1) leads.push(this.nextLead());
    return JSON.stringify(leads);
  }

  /** One new lead, as a partner would send it. */
  nextLead() {
    const sequence = this.#sequence;
    this.#sequence += 1;
    if (sequence >= phoneNumberSpace) throw new Error(`the lead factory ran out of distinct phone numbers (${phoneNumberSpace})`);
    // NANP numbers libphonenumber accepts: area 212, exchange 200-999, any line.
    const exchange = 200 + Math.floor(sequence / 10_000);
    const line = String(sequence % 10_000).padStart(4, '0');
    return {
      email: `bench-${this.#runTag}-${sequence}@leads.example`,
      phone: `+1 212 ${exchange} ${line}`,
      firstName: 'Jane',
      lastName: 'Doe',
      source: 'bench',
      consent: { text: 'I agree to be contacted', ip: '203.0.113.9', timestamp: '2026-11-01T10:00:00Z' },
      activities: [{ type: 'visited', description: 'Signed up on the landing page' }],
    };
  }
}
