const unitMs = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

const durationPattern = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** Parses `250ms`, `10s`, `10m`, `1h` or `1d` into milliseconds; throws on anything else. */
export function parseDurationMs(text: string): number {
  const match = durationPattern.exec(text.trim());
  if (!match) {
    throw new Error(`"${text}" is not a duration (use a number with ms, s, m, h or d, e.g. 10m)`);
  }
  const [, amount, unit] = match as unknown as [string, string, keyof typeof unitMs];
  return Math.round(Number(amount) * unitMs[unit]);
}

/** Parses a comma-separated list of durations, e.g. the retry schedule `10m,10m,30m`. */
export function parseDurationListMs(text: string): number[] {
  const parts = text.split(',').map((part) => part.trim()).filter((part) => part.length > 0);
  if (parts.length === 0) throw new Error('expected at least one duration');
  return parts.map(parseDurationMs);
}
