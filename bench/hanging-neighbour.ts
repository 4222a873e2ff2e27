/**
 * Isolation bench (issue 14, part 3): what a hanging CRM costs a healthy one. The whole system
 * runs with one healthy destination (the bench's receiver); single leads go to intake at a fixed
 * pace and each lead's latency from intake's answer to its arrival at the healthy receiver is
 * measured. Then a destination whose receiver never answers (maxConcurrency 10, a 30 s timeout)
 * and one answering 500 to everything are added, and the same is measured again, in the same run.
 *
 *   pnpm exec tsx bench/hanging-neighbour.ts [--leads 200] [--leads-per-second 50]
 *
 * `healthyP99RatioWithHangingNeighbour` (p99 beside them / p99 alone) is the named figure: the
 * target is at most 2. `hangingMaxOpen` shows the hanging receiver never held more requests than
 * its maxConcurrency.
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { adminRequest } from '../test/support/leadrelay-system.ts';
import { ScriptedReceiver } from '../test/support/scripted-receiver.ts';
import { ArrivalReceiver } from './arrival-receiver.ts';
import { createBenchDatabase } from './bench-database.ts';
import { benchRedisEnv, createBenchQueuePrefix, deleteBenchRedisKeys } from './bench-redis.ts';
import { startBenchSystem, type BenchSystem } from './bench-system.ts';
import { endToEndLatency, type EndToEndLatency } from './end-to-end-latency.ts';

export interface HangingNeighbourBenchOptions {
  /** Leads sent in each of the two phases. */
  leads?: number;
  /** The fixed pace at which they are sent, one request each. */
  leadsPerSecond?: number;
  /** Progress lines; silent when absent. */
  log?: (line: string) => void;
}

export interface HangingNeighbourBenchResult {
  leadsPerPhase: number;
  leadsPerSecond: number;
  /** The healthy receiver alone. */
  alone: { p50Ms: number | undefined; p99Ms: number | undefined; delivered: number };
  /** The healthy receiver beside the hanging and the failing one. */
  besideHanging: { p50Ms: number | undefined; p99Ms: number | undefined; delivered: number };
  /** besideHanging.p99Ms / alone.p99Ms: at most 2 is the target. */
  healthyP99RatioWithHangingNeighbour: number | undefined;
  /** Requests the hanging receiver held open at once, at most: its maxConcurrency (10) is right. */
  hangingMaxOpen: number;
  hangingMaxConcurrency: number;
  meetsTarget: boolean;
}

const hangingMaxConcurrency = 10;
const targetRatio = 2;
/** How long after the last answer a phase waits for its leads to arrive. */
const arrivalWaitMs = 15_000;

export async function runHangingNeighbourBench(options: HangingNeighbourBenchOptions = {}): Promise<HangingNeighbourBenchResult> {
  const leads = options.leads ?? 200;
  const leadsPerSecond = options.leadsPerSecond ?? 50;
  const log = options.log ?? (() => {});
  const receiver = new ArrivalReceiver();
  await receiver.start();
  const hanging = await new ScriptedReceiver(() => {}).start();
  const failing = await new ScriptedReceiver((response) => response.writeHead(500).end('no')).start();
  const database = await createBenchDatabase();
  const queuePrefix = createBenchQueuePrefix();
  let system: BenchSystem | undefined;
  try {
    system = await startBenchSystem({ databaseUrl: database.url, redisEnv: benchRedisEnv, queuePrefix, receiverUrl: receiver.url });
    // Warm-up, not measured: the first leads pay for the JIT and the connections.
    await sendPhase(system, receiver, 'warm-up', Math.min(50, leads), leadsPerSecond);
    const alone = await sendPhase(system, receiver, 'alone', leads, leadsPerSecond);
    log(`alone: p99 ${format(alone.p99?.atLeastMs)} ms`);
    for (const body of [
      { name: 'bench hanging', url: hanging.url, timeoutMs: 30_000, maxConcurrency: hangingMaxConcurrency },
      { name: 'bench failing', url: failing.url },
    ]) {
      const created = await adminRequest(system, 'POST', '/v1/destinations', body);
      if (created.status !== 201) throw new Error(`registering ${body.name} failed: ${JSON.stringify(created)}`);
    }
    const besideHanging = await sendPhase(system, receiver, 'beside', leads, leadsPerSecond);
    log(`beside a hanging receiver: p99 ${format(besideHanging.p99?.atLeastMs)} ms`);
    const aloneP99 = alone.p99?.atMostMs;
    const besideP99 = besideHanging.p99?.atMostMs;
    const ratio = aloneP99 !== undefined && besideP99 !== undefined && aloneP99 > 0 ? besideP99 / aloneP99 : undefined;
    return {
      leadsPerPhase: leads,
      leadsPerSecond,
      alone: summary(alone),
      besideHanging: summary(besideHanging),
      healthyP99RatioWithHangingNeighbour: ratio,
      hangingMaxOpen: hanging.maxOpen,
      hangingMaxConcurrency,
      meetsTarget: ratio !== undefined && ratio <= targetRatio && hanging.maxOpen <= hangingMaxConcurrency,
    };
  } finally {
    // Receivers first: their open connections end, so the dispatcher stops without waiting out timeouts.
    await hanging.stop();
    await failing.stop();
    await system?.stop();
    await receiver.stop();
    await deleteBenchRedisKeys(queuePrefix);
    await database.drop();
  }
}

/** Sends `count` single leads at a fixed pace and measures each from its answer to its arrival. */
async function sendPhase(system: BenchSystem, receiver: ArrivalReceiver, label: string, count: number, leadsPerSecond: number): Promise<EndToEndLatency> {
  const answeredAtMsById = new Map<string, number>();
  const intervalMs = 1000 / leadsPerSecond;
  const startedMs = performance.now();
  const requests: Promise<void>[] = [];
  for (let index = 0; index < count; index += 1) {
    const dueMs = startedMs + index * intervalMs;
    const waitMs = dueMs - performance.now();
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    requests.push(
      fetch(`${system.intakeUrl}/v1/leads`, {
        method: 'POST',
        headers: { authorization: `Bearer ${system.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ email: `${label}-${index}-${startedMs.toFixed(0)}@bench.example`, firstName: 'Bench' }),
      }).then(async (response) => {
        const answeredAtMs = performance.now();
        const answer = (await response.json()) as { results?: { status?: string; leadId?: string }[] };
        const leadId = answer.results?.[0]?.leadId;
        if (response.status !== 202 || !leadId) throw new Error(`intake answered ${response.status}: ${JSON.stringify(answer)}`);
        answeredAtMsById.set(leadId, answeredAtMs);
      }),
    );
  }
  await Promise.all(requests);
  const deadlineMs = performance.now() + arrivalWaitMs;
  while (performance.now() < deadlineMs && [...answeredAtMsById.keys()].some((id) => !receiver.firstArrivalMsById.has(id))) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return endToEndLatency(answeredAtMsById, receiver.firstArrivalMsById, performance.now());
}

function summary(latency: EndToEndLatency): HangingNeighbourBenchResult['alone'] {
  return { p50Ms: latency.p50?.atMostMs, p99Ms: latency.p99?.atMostMs, delivered: latency.deliveredLeadCount };
}

function format(value: number | undefined): string {
  return value === undefined ? 'n/a' : value.toFixed(0);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { leads: { type: 'string' }, 'leads-per-second': { type: 'string' } } });
  const result = await runHangingNeighbourBench({
    leads: values.leads === undefined ? undefined : Number(values.leads),
    leadsPerSecond: values['leads-per-second'] === undefined ? undefined : Number(values['leads-per-second']),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
