import { asBuffer } from './as-buffer.js';
import type { ParsedKeys } from './parsed-keys.js';
import { emptyParsedKeys } from './parsed-keys.js';

/**
 * Reads a headerless trace of fixed-width binary records, one key each, across chunk boundaries.
 * Trailing bytes that do not make a whole record are counted as one malformed record.
 *
 * @param source - the decompressed bytes of the trace.
 * @param width - bytes per record.
 * @param key - the key of the record at `offset` in `buf`.
 */
export async function readFixedWidth(
  source: AsyncIterable<Uint8Array>,
  width: number,
  key: (buf: Buffer, offset: number) => ParsedKeys['keys'][number],
): Promise<ParsedKeys> {
  const parsed = emptyParsedKeys();
  const keys = parsed.keys;
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of source) {
    const buf = carry.length === 0 ? asBuffer(chunk) : Buffer.concat([carry, chunk]);
    const whole = buf.length - (buf.length % width);
    for (let off = 0; off < whole; off += width) keys.push(key(buf, off));
    carry = buf.subarray(whole);
  }
  if (carry.length > 0) parsed.malformed++;
  return parsed;
}
