import { randomFillSync } from 'node:crypto';

/**
 * A new UUID version 7 (RFC 9562): the Unix time in milliseconds in its first 48 bits, then 74
 * random bits (version and variant in between).
 *
 * Ids of rows written in bulk (leads, submissions and the rows a submission makes) are time
 * ordered so that each primary key and each index on a lead or submission id grows at its right
 * edge: PostgreSQL inserts there into pages it has just used, where a random (v4) id sends every
 * one of a new lead's dozen index entries to a random page of its index. Measured with
 * bench/worker-persist.ts, PostgreSQL's share of index insertion fell from ~27% of its time to
 * ~17%. The random bits keep ids unguessable, and the last 32 bits random, as lanes need
 * (see the worker's laneIndex).
 */
export function newTimeOrderedUuid(now: number = Date.now()): string {
  if (!Number.isSafeInteger(now) || now < 0 || now >= 2 ** 48) throw new RangeError(`a UUID v7 takes whole milliseconds from 0 to 2^48, got ${now}`);
  if (entropyOffset + 10 > entropy.length) {
    randomFillSync(entropy);
    entropyOffset = 0;
  }
  const random = entropy;
  const at = entropyOffset;
  entropyOffset += 10;
  if (now !== timePrefixOf) {
    const time = now.toString(16).padStart(12, '0');
    timePrefix = `${time.slice(0, 8)}-${time.slice(8, 12)}-`;
    timePrefixOf = now;
  }
  // Written out octet by octet: the worker makes a few ids per lead, thousands a second.
  return (
    timePrefix +
    `${hexOctet[0x70 | (random[at]! & 0x0f)]}${hexOctet[random[at + 1]!]}-` +
    `${hexOctet[0x80 | (random[at + 2]! & 0x3f)]}${hexOctet[random[at + 3]!]}-` +
    `${hexOctet[random[at + 4]!]}${hexOctet[random[at + 5]!]}${hexOctet[random[at + 6]!]}${hexOctet[random[at + 7]!]}${hexOctet[random[at + 8]!]}${hexOctet[random[at + 9]!]}`
  );
}

/**
 * The millisecond a UUID version 7 carries, or undefined for any other UUID (a v4 is all random).
 * Expects a UUID in its usual text form, as validated by the caller.
 */
export function timeOfTimeOrderedUuid(id: string): number | undefined {
  if (id.length !== 36 || id[14] !== '7') return undefined;
  const ms = Number.parseInt(`${id.slice(0, 8)}${id.slice(9, 13)}`, 16);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

// The first 48 bits of the last id made, for the millisecond it was made in.
let timePrefixOf = -1;
let timePrefix = '';

const hexOctet = Array.from({ length: 256 }, (_, octet) => octet.toString(16).padStart(2, '0'));

// One call to the CSPRNG for a few hundred ids, as node:crypto's randomUUID does for its own.
const entropy = Buffer.alloc(10 * 256);
let entropyOffset = entropy.length;
