import type { SeededRandom } from './seeded-random.ts';

/** What a sender did: a new person (canonical or sovendus), one person sent through both intakes at once, an update, activities. */
export type ChaosActionKind = 'new-canonical' | 'new-sovendus' | 'contested' | 'update' | 'activities';

/** A submission intake answered 2xx with a lead id: it is owed storage, once. */
export interface AcknowledgedSubmission {
  kind: ChaosActionKind;
  leadId: string;
  /** The person's email as the run keys people (lower case); undefined for activities. */
  email?: string;
  /** `created`, `duplicate`, `updated`, or `accepted` for activities. */
  status: string;
}

/**
 * A submission whose fate the sender cannot know: no answer (the intake was killed while it
 * was being answered, or the connection broke) or a 5xx. It may be stored, once, or not at all.
 */
export interface UncertainSubmission {
  kind: ChaosActionKind;
  leadId?: string;
  email?: string;
}

/** Everything the senders were told, to be checked against what was stored and delivered. */
export class ChaosLedger {
  readonly acknowledged: AcknowledgedSubmission[] = [];
  readonly uncertain: UncertainSubmission[] = [];
  /** Requests refused by both intakes (connection refused: both were down): nothing sent, nothing owed. */
  notSent = 0;
  /** Answers no action should get (a 4xx, a 2xx without an id): each is a finding. */
  readonly unexpectedAnswers: string[] = [];
  /** Leads acknowledged as created, for updates and activities to pick from. */
  readonly knownLeads: { leadId: string; email: string }[] = [];
}

export interface ChaosPartners {
  canonicalApiKey: string;
  sovendusSlug: string;
  sovendusApiKey: string;
}

export interface ChaosTrafficOptions {
  intakeUrls: readonly string[];
  partners: ChaosPartners;
  /** Concurrent senders; each waits for its answer before the next request. */
  lanes: number;
  /** Pause of a sender between two requests. */
  pacingMs: number;
  /** How long to wait for an answer before counting the request uncertain. */
  requestTimeoutMs: number;
}

/** Relative weights of the actions: mostly new people, then changes of people already acknowledged. */
const actionWeights: [ChaosActionKind, number][] = [
  ['new-canonical', 35],
  ['new-sovendus', 15],
  ['contested', 10],
  ['update', 20],
  ['activities', 20],
];

interface Answer {
  status: number;
  body: unknown;
}

/**
 * Partners sending leads to every intake at once: new people through the canonical contract and
 * Sovendus' (seed 001), the same new person through both intakes at the same moment (one of the
 * two answers must be `created`, the other `duplicate` of the same lead), `?onDuplicate=update`
 * of people already acknowledged, and activities for them. It writes down what each answer
 * promised; instances die under it, so some requests get no answer.
 */
export class ChaosTraffic {
  readonly ledger = new ChaosLedger();
  #personCount = 0;
  #stopping = false;

  constructor(readonly options: ChaosTrafficOptions) {}

  /** Sends until `stop()`; each lane draws its choices from its own fork of `random`. */
  async run(random: SeededRandom): Promise<void> {
    await Promise.all(Array.from({ length: this.options.lanes }, (_, lane) => this.#lane(random.fork(lane))));
  }

  stop(): void {
    this.#stopping = true;
  }

  async #lane(random: SeededRandom): Promise<void> {
    while (!this.#stopping) {
      await this.#act(this.#pickAction(random), random);
      await new Promise((resolve) => setTimeout(resolve, this.options.pacingMs));
    }
  }

  #pickAction(random: SeededRandom): ChaosActionKind {
    const total = actionWeights.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = random.below(total);
    for (const [kind, weight] of actionWeights) {
      if (roll < weight) return this.ledger.knownLeads.length === 0 && (kind === 'update' || kind === 'activities') ? 'new-canonical' : kind;
      roll -= weight;
    }
    return 'new-canonical';
  }

  async #act(kind: ChaosActionKind, random: SeededRandom): Promise<void> {
    const intakeUrl = random.pick(this.options.intakeUrls);
    switch (kind) {
      case 'new-canonical': {
        const people = Array.from({ length: 1 + random.below(3) }, () => this.#newPerson(random));
        const answer = await this.#send(intakeUrl, '/v1/leads', this.#canonicalHeaders(), people.map((person) => person.canonical));
        this.#noteCanonical(kind, answer, people.map((person) => person.email));
        return;
      }
      case 'new-sovendus': {
        const person = this.#newPerson(random);
        this.#noteSovendus(kind, await this.#send(intakeUrl, `/v1/hooks/${this.options.partners.sovendusSlug}`, this.#sovendusHeaders(), person.sovendus), person.email);
        return;
      }
      case 'contested': {
        // The same person at the same moment through both intakes and both contracts, the email
        // in other letter case on the second: intake's duplicate decision must be exact.
        const person = this.#newPerson(random);
        const [first, second] = random.next() < 0.5 ? this.options.intakeUrls : [...this.options.intakeUrls].reverse();
        const [canonicalAnswer, sovendusAnswer] = await Promise.all([
          this.#send(first!, '/v1/leads', this.#canonicalHeaders(), person.canonical),
          this.#send(second ?? first!, `/v1/hooks/${this.options.partners.sovendusSlug}`, this.#sovendusHeaders(), { ...person.sovendus, email: person.email.toUpperCase() }),
        ]);
        this.#noteCanonical(kind, canonicalAnswer, [person.email]);
        this.#noteSovendus(kind, sovendusAnswer, person.email);
        return;
      }
      case 'update': {
        const target = this.#pickTarget(random);
        const body = { email: target.email, firstName: `Updated${random.below(1_000_000)}`, city: `City ${random.below(1_000)}` };
        this.#noteCanonical(kind, await this.#send(intakeUrl, '/v1/leads?onDuplicate=update', this.#canonicalHeaders(), body), [target.email]);
        return;
      }
      case 'activities': {
        const target = this.#pickTarget(random);
        const activities = Array.from({ length: 1 + random.below(2) }, (_, index) => ({ type: 'visited', description: `page ${random.below(1_000)} #${index}` }));
        const answer = await this.#send(intakeUrl, `/v1/leads/${target.leadId}/activities`, this.#canonicalHeaders(), { activities });
        if (answer === 'not-sent') return;
        if (answer === 'uncertain') this.ledger.uncertain.push({ kind, leadId: target.leadId });
        else if (answer.status === 202 && (answer.body as { leadId?: string }).leadId === target.leadId) {
          this.ledger.acknowledged.push({ kind, leadId: target.leadId, status: 'accepted' });
        } else this.#unexpected(kind, answer);
        return;
      }
    }
  }

  /**
   * Half the time the lead acknowledged last: its change then races its creation through the
   * other intake and the other worker (the hardest case for storing and ordering); else any.
   */
  #pickTarget(random: SeededRandom): { leadId: string; email: string } {
    const { knownLeads } = this.ledger;
    return random.next() < 0.5 ? knownLeads[knownLeads.length - 1]! : random.pick(knownLeads);
  }

  #newPerson(random: SeededRandom) {
    this.#personCount += 1;
    const number = this.#personCount;
    const email = `chaos-${number}@example.com`;
    const withPhone = random.next() < 0.5;
    // NANP numbers libphonenumber accepts (area 212, exchange 200-999): one per person of the run.
    const phone = `+1 212 ${200 + Math.floor(number / 10_000)} ${String(number % 10_000).padStart(4, '0')}`;
    const canonical = {
      email,
      firstName: `First${number}`,
      lastName: `Last${number}`,
      ...(withPhone ? { phone } : {}),
      ...(random.next() < 0.5 ? { activities: [{ type: 'visited', description: 'Signed up on the landing page' }] } : {}),
    };
    const sovendus = {
      salutation: 'Frau',
      gender: 'FEMALE',
      firstname: `Erika${number}`,
      lastname: `Muster${number}`,
      email,
      sov_id: String(9_000_000 + number),
      compliance_ip: '127.0.0.1',
      compliance_text: 'Ich willige ein',
      compliance_timestamp: '2026-11-01T10:00:00+01:00',
    };
    return { email, canonical, sovendus };
  }

  #canonicalHeaders(): Record<string, string> {
    return { authorization: `Bearer ${this.options.partners.canonicalApiKey}` };
  }

  #sovendusHeaders(): Record<string, string> {
    const { sovendusSlug, sovendusApiKey } = this.options.partners;
    return { authorization: `Basic ${Buffer.from(`${sovendusSlug}:${sovendusApiKey}`).toString('base64')}` };
  }

  /**
   * One request; refused at its intake (that instance is down), it goes to the other, as a load
   * balancer would send it. 'not-sent' when both refused, 'uncertain' when no answer came (or a 5xx).
   */
  async #send(intakeUrl: string, path: string, headers: Record<string, string>, body: unknown): Promise<Answer | 'not-sent' | 'uncertain'> {
    const answer = await this.#sendTo(intakeUrl, path, headers, body);
    if (answer !== 'not-sent') return answer;
    const other = this.options.intakeUrls.find((url) => url !== intakeUrl);
    const retried = other === undefined ? answer : await this.#sendTo(other, path, headers, body);
    if (retried === 'not-sent') this.ledger.notSent += 1;
    return retried;
  }

  async #sendTo(intakeUrl: string, path: string, headers: Record<string, string>, body: unknown): Promise<Answer | 'not-sent' | 'uncertain'> {
    try {
      const response = await fetch(`${intakeUrl}${path}`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.requestTimeoutMs),
      });
      const text = await response.text();
      if (response.status >= 500) return 'uncertain';
      return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
    } catch (error) {
      if ((error as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED') return 'not-sent';
      return 'uncertain';
    }
  }

  #noteCanonical(kind: ChaosActionKind, answer: Answer | 'not-sent' | 'uncertain', emails: string[]): void {
    if (answer === 'not-sent') return;
    if (answer === 'uncertain') {
      for (const email of emails) this.ledger.uncertain.push({ kind, email });
      return;
    }
    const results = (answer.body as { results?: { status: string; leadId?: string }[] } | undefined)?.results;
    if (answer.status !== 202 || results?.length !== emails.length) return this.#unexpected(kind, answer);
    results.forEach((result, index) => {
      if (result.leadId === undefined || result.status === 'rejected') return this.#unexpected(kind, answer);
      this.#acknowledge({ kind, leadId: result.leadId, email: emails[index]!, status: result.status });
    });
  }

  #noteSovendus(kind: ChaosActionKind, answer: Answer | 'not-sent' | 'uncertain', email: string): void {
    if (answer === 'not-sent') return;
    if (answer === 'uncertain') {
      this.ledger.uncertain.push({ kind, email });
      return;
    }
    const body = answer.body as { status?: string; leadId?: string } | undefined;
    if ((answer.status !== 201 && answer.status !== 200) || body?.leadId === undefined || body.status === undefined) return this.#unexpected(kind, answer);
    this.#acknowledge({ kind, leadId: body.leadId, email, status: body.status });
  }

  #acknowledge(submission: AcknowledgedSubmission & { email: string }): void {
    this.ledger.acknowledged.push(submission);
    if (submission.status === 'created') this.ledger.knownLeads.push({ leadId: submission.leadId, email: submission.email });
  }

  #unexpected(kind: ChaosActionKind, answer: Answer): void {
    this.ledger.unexpectedAnswers.push(`${kind}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
  }
}
