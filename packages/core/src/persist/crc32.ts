/**
 * CRC-32 (IEEE 802.3, as zlib's) of `buf[start, end)`. node:zlib's `crc32` (Node >= 20.15) does the
 * work for long runs; for the short payloads most records are, the cost of calling into it (and of the
 * view it needs) is larger than the checksum itself, so a table lookup in JavaScript does those.
 * Both give the same value (the tests check).
 */
import { crc32 as zlibCrc32 } from 'node:zlib';

const TABLE = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  TABLE[n] = c;
}

/** Below this many bytes the table is faster than a call into zlib. */
const NATIVE_FROM = 256;

/** The CRC-32 of `buf[start, end)`, as an unsigned 32-bit integer. */
export function crc32(buf: Uint8Array, start: number, end: number): number {
  if (end - start >= NATIVE_FROM) return zlibCrc32(buf.subarray(start, end));
  let c = -1;
  for (let i = start; i < end; i++) c = TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
