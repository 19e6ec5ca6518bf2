/**
 * A seeded source of the lock's backoff jitter, so that a run repeats: the same seed gives the same
 * sequence of delays.
 */

/**
 * Numbers in `[0, 1)` from mulberry32 (Tommy Ettinger, 2017): 32 bits of state, one multiply-xorshift
 * round per draw. Plenty for spreading retries; not for anything secret.
 *
 * @param seed - Its low 32 bits are the initial state.
 */
export function seededRandom(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 0x100000000;
  };
}
