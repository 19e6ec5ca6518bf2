/**
 * {@link fmix32}: murmur3's 32-bit finaliser, shared by the key hash of the cache and the
 * frequency sketch of the policies.
 */

/** Spreads the bits of a 32-bit integer over the whole word: every input bit flips each output bit with probability near 1/2. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}
