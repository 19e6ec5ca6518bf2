import type { ParsedKeys } from './parsed-keys.js';
import { readFixedWidth } from './read-fixed-width.js';

const TWO_32 = 2 ** 32;
// A signed 64-bit value hi * 2^32 + lo is a safe integer exactly when -2^21 <= hi < 2^21
// (hi = -2^21 with lo = 0 is -2^53, one past the safe range, so it goes to the string path).
const SAFE_HI = 2 ** 21;

/**
 * Reads an `i64` trace: no header, a stream of big-endian signed 64-bit integers, one key each
 * (the corda trace). Keys within 2^53 are numbers, read without BigInt; keys beyond are their
 * decimal string. Trailing bytes that do not make a whole key are counted as one malformed record.
 *
 * @param source - the decompressed bytes of the trace.
 */
export function readI64(source: AsyncIterable<Uint8Array>): Promise<ParsedKeys> {
  return readFixedWidth(source, 8, (buf, off) => {
    const hi = buf.readInt32BE(off);
    const lo = buf.readUInt32BE(off + 4);
    const n = hi * TWO_32 + lo;
    return hi >= -SAFE_HI && hi < SAFE_HI && Number.isSafeInteger(n) ? n : buf.readBigInt64BE(off).toString();
  });
}
