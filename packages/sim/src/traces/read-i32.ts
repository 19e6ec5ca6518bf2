import type { ParsedKeys } from './parsed-keys.js';
import { readFixedWidth } from './read-fixed-width.js';

/**
 * Reads an `i32` trace: no header, a stream of big-endian signed 32-bit integers, one key each
 * (the cache2k traces). Every key is a number. Trailing bytes that do not make a whole key are
 * counted as one malformed record.
 *
 * @param source - the decompressed bytes of the trace.
 */
export function readI32(source: AsyncIterable<Uint8Array>): Promise<ParsedKeys> {
  return readFixedWidth(source, 4, (buf, off) => buf.readInt32BE(off));
}
