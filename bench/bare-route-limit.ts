import { ChildScript } from './child-script.ts';
import { runHttpLoad, type HttpLoadResult } from './http-load.ts';
import { readProcessCpuSeconds } from './process-cpu-time.ts';

export interface BareRouteLimitOptions {
  /** Makes each request's body; the same bodies intake gets, so parsing costs the same. */
  makeBody: () => string;
  /** Connections for the as-fast-as-possible run (intake's single-lead run uses the same). */
  connections: number;
  /** Connections for the fixed-rate run. */
  fixedRateConnections: number;
  fixedRatePerSecond: number;
  durationSeconds: number;
  warmUpSeconds: number;
}

export interface BareRouteLimit {
  /** As fast as it answers. */
  maximum: HttpLoadResult;
  /** CPU the server process used per answered request in the `maximum` run, in ms. */
  cpuMsPerRequest: number | undefined;
  /** At `fixedRatePerSecond`, for the p99 next to intake's. */
  atFixedRate: HttpLoadResult;
}

/**
 * The most a Fastify process answers on this machine right now: an empty POST route in its own
 * process, driven by the same autocannon settings as intake.
 */
export async function measureBareRouteLimit(options: BareRouteLimitOptions): Promise<BareRouteLimit> {
  const server = ChildScript.start('empty-fastify-server.ts', []);
  try {
    const { port } = await server.nextMessage<{ port: number }>(30_000);
    const base = { url: `http://127.0.0.1:${port}/v1/leads`, headers: {}, makeBody: options.makeBody };
    // JIT warm-up, so the bare side is not handicapped against an intake that has run already.
    await runHttpLoad({ ...base, connections: options.connections, durationSeconds: options.warmUpSeconds });
    const cpuBefore = await readProcessCpuSeconds(server.pid);
    const maximum = await runHttpLoad({ ...base, connections: options.connections, durationSeconds: options.durationSeconds });
    const cpuAfter = await readProcessCpuSeconds(server.pid);
    const cpuMsPerRequest =
      cpuBefore === undefined || cpuAfter === undefined || maximum.okCount === 0
        ? undefined
        : ((cpuAfter - cpuBefore) * 1000) / maximum.okCount;
    const atFixedRate = await runHttpLoad({
      ...base,
      connections: options.fixedRateConnections,
      durationSeconds: options.durationSeconds,
      overallRatePerSecond: options.fixedRatePerSecond,
    });
    return { maximum, cpuMsPerRequest, atFixedRate };
  } finally {
    await server.stop();
  }
}
