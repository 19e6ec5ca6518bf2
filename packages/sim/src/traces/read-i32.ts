import { asBuffer } from './as-buffer.js';
import type { ParsedKeys } from './parsed-keys.js';
import { emptyParsedKeys } from './parsed-keys.js';

/**
 * Reads an `i32` trace: no header, a stream of big-endian signed 32-bit integers, one key each
 * (the cache2k traces). Every key is a number. Trailing bytes that do not make a whole key are
 * counted as one malformed record.
 *
 * @param source - the decompressed bytes of the trace.
 */
export async function readI32(source: AsyncIterable<Uint8Array>): Promise<ParsedKeys> {
  const parsed = emptyParsedKeys();
  const keys = parsed.keys;
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of source) {
    const buf = carry.length === 0 ? asBuffer(chunk) : Buffer.concat([carry, chunk]);
    const whole = buf.length - (buf.length % 4);
    for (let off = 0; off < whole; off += 4) keys.push(buf.readInt32BE(off));
    carry = buf.subarray(whole);
  }
  if (carry.length > 0) parsed.malformed++;
  return parsed;
}
