import type { FieldError } from './normalize.ts';

/** What one submitted item may contain, wherever free-form JSON is allowed in it. */
export interface JsonBounds {
  /** Levels of objects and arrays, the item itself being the first. */
  maxDepth: number;
  /** Keys of any one object. */
  maxKeysPerObject: number;
  /** Elements of any one array. */
  maxArrayLength: number;
  /** Characters of any string value. */
  maxStringLength: number;
  /** Characters of any object key. */
  maxKeyLength: number;
}

/**
 * The bounds every contract's items are held to, before anything about them is decided. An item is
 * stored and queued exactly as sent (the raw submission), so these hold for the whole item, not
 * only for the fields LeadRelay reads: a 5,000-level `property` or a 100,000-element array passes
 * any schema that takes free-form JSON, and costs every later reader (the job's serialization, the
 * worker, the stored document, the CRM).
 */
export const itemJsonBounds: Readonly<JsonBounds> = {
  maxDepth: 12,
  maxKeysPerObject: 200,
  maxArrayLength: 1000,
  maxStringLength: 20_000,
  maxKeyLength: 200,
};

/**
 * The first place where `value` goes past `bounds`, as a field error naming its path (`''` for
 * the item itself), or null when it fits. Walks with an explicit stack, so no nesting can overflow
 * the call stack here.
 */
export function findJsonBoundsViolation(value: unknown, bounds: Readonly<JsonBounds> = itemJsonBounds): FieldError | null {
  const stack: Visit[] = [{ value, key: null, parent: null, depth: 1 }];
  while (stack.length > 0) {
    const visit = stack.pop()!;
    const current = visit.value;
    if (typeof current === 'string') {
      if (current.length > bounds.maxStringLength) return violation(visit, `must be at most ${bounds.maxStringLength} characters`);
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    if (visit.depth > bounds.maxDepth) return violation(visit, `nests too deeply (at most ${bounds.maxDepth} levels of objects and arrays in an item)`);
    const depth = visit.depth + 1;
    if (Array.isArray(current)) {
      if (current.length > bounds.maxArrayLength) return violation(visit, `must have at most ${bounds.maxArrayLength} elements`);
      for (let index = current.length - 1; index >= 0; index -= 1) stack.push({ value: current[index], key: String(index), parent: visit, depth });
      continue;
    }
    const keys = Object.keys(current);
    if (keys.length > bounds.maxKeysPerObject) return violation(visit, `must have at most ${bounds.maxKeysPerObject} keys`);
    for (let index = keys.length - 1; index >= 0; index -= 1) {
      const key = keys[index]!;
      if (key.length > bounds.maxKeyLength) return violation(visit, `has a key longer than ${bounds.maxKeyLength} characters`);
      stack.push({ value: (current as Record<string, unknown>)[key], key, parent: visit, depth });
    }
  }
  return null;
}

/** A value still to look at; its path is only built when it breaks a bound. */
interface Visit {
  value: unknown;
  key: string | null;
  parent: Visit | null;
  depth: number;
}

function violation(visit: Visit, message: string): FieldError {
  const path: string[] = [];
  for (let at: Visit | null = visit; at?.key != null; at = at.parent) path.push(at.key);
  return { path: path.reverse().join('.'), message };
}
