import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** USER_HZ for /proc times: 100 on Linux almost everywhere, asked for in case it is not. */
const clockTicksPerSecond = (() => {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return value > 0 ? value : 100;
  } catch {
    // No getconf: Linux's long-standing default.
    return 100;
  }
})();

/** CPU seconds (user + system) a process has used so far, from /proc; undefined once it is gone. */
export async function readProcessCpuSeconds(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  // Fields after the command name (which may contain spaces), from field 3 (state) on: utime, stime are 14, 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
}

/** Busy CPU seconds of the whole machine so far (all cores, everything but idle and iowait). */
export async function readMachineBusySeconds(): Promise<number> {
  const firstLine = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!;
  const [, ...ticks] = firstLine.trim().split(/\s+/).map(Number);
  const total = ticks.reduce((sum, value) => sum + value, 0);
  // idle (4th) and iowait (5th) are the not-busy columns.
  return (total - (ticks[3] ?? 0) - (ticks[4] ?? 0)) / clockTicksPerSecond;
}
