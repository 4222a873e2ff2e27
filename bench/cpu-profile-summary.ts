import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One row of a summary: where a share of a process's sampled CPU time went. */
export interface CpuProfileShare {
  /** A function (`name file:line`) or a group (a package, `node:` internals, GC, the app's own code). */
  name: string;
  /** Share of all samples, 0..1. */
  share: number;
}

export interface CpuProfileSummary {
  sampledMs: number;
  /** Self time by group: a package in node_modules, Node's own modules, GC, the program, or a file of ours. */
  byGroup: CpuProfileShare[];
  /** Self time of the heaviest functions. */
  topFunctions: CpuProfileShare[];
}

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: CpuProfileNode[];
  /** Microseconds on the machine's monotonic clock, the one `process.hrtime` reads in every process. */
  startTime: number;
  endTime: number;
  /** The node on top of the stack at each sample, and the microseconds since the sample before. */
  samples: number[];
  timeDeltas: number[];
}

/** A stretch of a profile, in microseconds on the monotonic clock (see `monotonicNowUs`). */
export interface CpuProfileWindow {
  fromUs: number;
  toUs: number;
}

/** Now on the clock V8's profiles are timed with, so a window can be cut from another process's profile. */
export function monotonicNowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * Summarises the `.cpuprofile` files V8 wrote into `directory` (a process started with
 * `--cpu-prof --cpu-prof-dir=<directory>` writes one when it exits): self time, so each sample
 * counts once, where its stack was on top, as shares of the busy (not idle) samples. The profile
 * runs from start to exit; with `window`, only the samples taken in it count (start-up, loading
 * modules through tsx, left out).
 */
export async function summarizeCpuProfiles(
  directory: string,
  { topCount = 15, window }: { topCount?: number; window?: CpuProfileWindow } = {},
): Promise<CpuProfileSummary> {
  const files = (await readdir(directory)).filter((name) => name.endsWith('.cpuprofile'));
  if (files.length === 0) throw new Error(`no .cpuprofile in ${directory}: did the process exit cleanly?`);
  const byGroup = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let hits = 0;
  let sampledMs = 0;
  for (const file of files) {
    const profile = JSON.parse(await readFile(join(directory, file), 'utf8')) as CpuProfile;
    const fromUs = Math.max(profile.startTime, window?.fromUs ?? -Infinity);
    const toUs = Math.min(profile.endTime, window?.toUs ?? Infinity);
    sampledMs += Math.max(0, toUs - fromUs) / 1000;
    const hitsById = new Map<number, number>();
    let atUs = profile.startTime;
    profile.samples.forEach((id, index) => {
      atUs += profile.timeDeltas[index] ?? 0;
      if (atUs >= fromUs && atUs <= toUs) hitsById.set(id, (hitsById.get(id) ?? 0) + 1);
    });
    for (const node of profile.nodes) {
      const count = hitsById.get(node.id) ?? 0;
      // Waiting is not work: shares are of the time the process was busy.
      if (count === 0 || node.callFrame.functionName === '(idle)') continue;
      hits += count;
      const { functionName, url, lineNumber } = node.callFrame;
      byGroup.set(groupOf(functionName, url), (byGroup.get(groupOf(functionName, url)) ?? 0) + count);
      const name = `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}`;
      byFunction.set(name, (byFunction.get(name) ?? 0) + count);
    }
  }
  const shares = (counts: Map<string, number>, limit: number) =>
    [...counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, count]) => ({ name, share: count / hits }));
  return { sampledMs, byGroup: shares(byGroup, 12), topFunctions: shares(byFunction, topCount) };
}

function groupOf(functionName: string, url: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  // Node's own modules by area: modules (loading code), streams, net, http, crypto, ...
  if (url.startsWith('node:')) return url.replace(/^node:(internal\/)?/, 'node:').split('/').slice(0, 2).join('/');
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  return shortUrl(url);
}

/** A file of ours from the repository root (apps/..., packages/...), a package's file from its name. */
function shortUrl(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) return path.slice(modules + '/node_modules/'.length);
  const ours = path.search(/\/(apps|packages)\//);
  return ours >= 0 ? path.slice(ours + 1) : path;
}

/** The summary as lines for the bench's log. */
export function formatCpuProfileSummary(title: string, summary: CpuProfileSummary, stretch = 'start-up included'): string[] {
  const percent = (share: number) => `${(share * 100).toFixed(1).padStart(5)}%`;
  return [
    `${title}: where the CPU went (self time as shares of busy samples, ${Math.round(summary.sampledMs)} ms profiled, ${stretch})`,
    '  by group:',
    ...summary.byGroup.map((row) => `    ${percent(row.share)}  ${row.name}`),
    '  heaviest functions:',
    ...summary.topFunctions.map((row) => `    ${percent(row.share)}  ${row.name}`),
  ];
}
