import { readFile } from 'node:fs/promises';

/**
 * A process's peak resident set size in bytes (`VmHWM` in `/proc/<pid>/status`: the kernel's
 * high-water mark since the process started), or undefined where /proc cannot say.
 */
export async function readPeakRssBytes(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  let status: string;
  try {
    status = await readFile(`/proc/${pid}/status`, 'utf8');
  } catch (error) {
    // Gone already, or no /proc (not Linux): reported as unknown rather than failing the bench.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
  return match ? Number(match[1]) * 1024 : undefined;
}
