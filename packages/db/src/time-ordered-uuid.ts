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
  const bytes = randomBytesFor16();
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// One call to the CSPRNG for 256 ids, as node:crypto's randomUUID does for its own.
const entropy = Buffer.alloc(16 * 256);
let entropyOffset = entropy.length;

function randomBytesFor16(): Buffer {
  if (entropyOffset >= entropy.length) {
    randomFillSync(entropy);
    entropyOffset = 0;
  }
  const bytes = Buffer.from(entropy.subarray(entropyOffset, entropyOffset + 16));
  entropyOffset += 16;
  return bytes;
}
