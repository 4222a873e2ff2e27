import { AcceptedLeadLog } from './accepted-lead-log.ts';
import type { ArrivalReceiver } from './arrival-receiver.ts';
import { CpuMeter, type CpuWindow } from './cpu-meter.ts';
import { endToEndLatency, type EndToEndLatency } from './end-to-end-latency.ts';
import { runHttpLoad, type HttpLoadResult } from './http-load.ts';
import type { ProgressSample, ProgressSampler } from './progress-sampler.ts';

export interface PipelinePhaseOptions {
  /** Shown in the table, e.g. `single`. */
  name: string;
  intakeUrl: string;
  apiKey: string;
  makeBody: () => string;
  connections: number;
  durationSeconds: number;
  /** Requests a second; unset sends as fast as intake answers. */
  overallRatePerSecond?: number;
  /**
   * How long, after the load stops, the phase waits for its leads to reach the receiver
   * before it is measured anyway (the rest count as late in the latency).
   */
  drainSeconds: number;
  receiver: ArrivalReceiver;
  sampler: ProgressSampler;
  cpuMeter: CpuMeter;
}

export interface PipelinePhaseResult {
  name: string;
  /** Intake's side, as autocannon saw it. */
  load: HttpLoadResult;
  acceptedLeadCount: number;
  acceptedLeadsPerSecond: number;
  /** Items intake did not answer `created`, and answers that were not 202: both should be 0. */
  notCreatedCount: number;
  failedAnswerCount: number;
  /** Worker throughput while it had work in this phase (see `stageRate`). */
  persisted: StageRate;
  /** Dispatcher throughput while it had work in this phase. */
  deliveries: StageRate;
  latency: EndToEndLatency;
  /** Seconds from the end of the load until every lead had arrived; undefined if some had not. */
  drainedAfterSeconds: number | undefined;
  /** Leads committed and deliveries answered from the start of the load to the end of the drain. */
  persistedLeadCount: number;
  deliveryCount: number;
  /** What each process used of the CPU while the load ran... */
  cpuDuringLoad: CpuWindow;
  /** ...and afterwards, while the worker and dispatcher caught up. */
  cpuDuringDrain: CpuWindow;
}

export interface StageRate {
  perSecond: number;
  /**
   * The stage had finished its work by shortly after the load stopped: it kept up with what
   * came in, so its rate shows the input, and its capacity is at least that.
   */
  keptUp: boolean;
}

/** Time between checks of whether the phase's leads have all arrived. */
const drainPollIntervalMs = 200;

/**
 * One load phase through the whole path: autocannon sends new leads to intake for a fixed
 * time, then the phase waits (bounded) for the worker and dispatcher to catch up, and reads
 * each stage's throughput from the progress samples taken meanwhile.
 */
export async function runPipelinePhase(options: PipelinePhaseOptions): Promise<PipelinePhaseResult> {
  const log = new AcceptedLeadLog();
  const start = await options.sampler.sampleNow();
  const cpuAtStart = await options.cpuMeter.snapshot();
  const load = await runHttpLoad({
    url: `${options.intakeUrl}/v1/leads`,
    headers: { authorization: `Bearer ${options.apiKey}` },
    makeBody: options.makeBody,
    connections: options.connections,
    durationSeconds: options.durationSeconds,
    ...(options.overallRatePerSecond === undefined ? {} : { overallRatePerSecond: options.overallRatePerSecond }),
    onAnswer: log.record,
  });
  const loadEndedMs = performance.now();
  const cpuAtLoadEnd = await options.cpuMeter.snapshot();
  const drainDeadlineMs = loadEndedMs + options.drainSeconds * 1000;
  const waiting = new Set(log.answeredAtMsById.keys());
  while (performance.now() < drainDeadlineMs) {
    for (const id of waiting) if (options.receiver.firstArrivalMsById.has(id)) waiting.delete(id);
    if (waiting.size === 0) break;
    await new Promise((resolve) => setTimeout(resolve, drainPollIntervalMs));
  }
  const endMs = performance.now();
  const cpuAtEnd = await options.cpuMeter.snapshot();
  const end = await options.sampler.sampleNow();
  const samples = options.sampler.samples.filter((sample) => sample.atMs >= start.atMs && sample.atMs <= end.atMs);
  return {
    name: options.name,
    load,
    acceptedLeadCount: log.acceptedLeadCount,
    acceptedLeadsPerSecond: log.acceptedLeadCount / load.durationSeconds,
    notCreatedCount: log.notCreatedCount,
    failedAnswerCount: log.failedAnswerCount,
    persisted: stageRate(samples, loadEndedMs, (sample) => sample.persistedLeads),
    deliveries: stageRate(samples, loadEndedMs, (sample) => sample.deliveries),
    latency: endToEndLatency(log.answeredAtMsById, options.receiver.firstArrivalMsById, endMs),
    drainedAfterSeconds: waiting.size === 0 ? (endMs - loadEndedMs) / 1000 : undefined,
    persistedLeadCount: end.persistedLeads - start.persistedLeads,
    deliveryCount: end.deliveries - start.deliveries,
    cpuDuringLoad: CpuMeter.between(cpuAtStart, cpuAtLoadEnd),
    cpuDuringDrain: CpuMeter.between(cpuAtLoadEnd, cpuAtEnd),
  };
}

/** How soon after the load stops a stage must be done to count as having kept up: two samples. */
const keptUpSlackMs = 1_000;

/**
 * Units a second from the phase's first sample to the first sample that reached the phase's
 * final count: the stage's rate while it had work, not diluted by idle time once it caught up.
 * Resolution is the sampling interval.
 */
export function stageRate(
  samples: ProgressSample[],
  loadEndedMs: number,
  count: (sample: ProgressSample) => number,
): StageRate {
  const first = samples[0];
  const last = samples.at(-1);
  if (!first || !last || count(last) === count(first)) return { perSecond: 0, keptUp: false };
  const finalCount = count(last);
  const reached = samples.find((sample) => count(sample) === finalCount)!;
  return {
    perSecond: (finalCount - count(first)) / ((reached.atMs - first.atMs) / 1000),
    keptUp: reached.atMs <= loadEndedMs + keptUpSlackMs,
  };
}
