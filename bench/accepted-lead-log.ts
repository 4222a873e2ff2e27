/** Intake's 202 answer to `POST /v1/leads`, as far as the bench reads it. */
interface SubmitLeadsAnswer {
  results?: { status?: string; leadId?: string }[];
}

/**
 * The leads intake acknowledged during one phase: each new lead's id and when its answer came
 * back, the start of its end-to-end latency.
 */
export class AcceptedLeadLog {
  /** `performance.now()` of the answer that carried each created lead's id. */
  readonly answeredAtMsById = new Map<string, number>();
  /** Items answered with anything but `created`: the bench only sends new leads, so 0. */
  notCreatedCount = 0;
  /** Answers that were not 202 (429, 5xx, ...): should be 0. */
  failedAnswerCount = 0;

  /** autocannon's `onResponse`, through `HttpLoadOptions.onAnswer`. */
  readonly record = (statusCode: number, body: string, answeredAtMs: number): void => {
    if (statusCode !== 202) {
      this.failedAnswerCount += 1;
      return;
    }
    const answer = JSON.parse(body) as SubmitLeadsAnswer;
    for (const result of answer.results ?? []) {
      if (result.status === 'created' && result.leadId) this.answeredAtMsById.set(result.leadId, answeredAtMs);
      else this.notCreatedCount += 1;
    }
  };

  get acceptedLeadCount(): number {
    return this.answeredAtMsById.size;
  }
}
