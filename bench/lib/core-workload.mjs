// Key sets and access sequences of the core benchmark, all built before any timing so that timed
// loops only index arrays.
import { permutation, rng, zipfRanks } from './rng.mjs';

/** Rows of the speed tables, in order. */
export const OPS = ['get hit', 'get miss', 'set (no eviction)', 'set (evict)', 'zipf 90/10'];
export const ZIPF_S = 0.99;
export const SET_SHARE = 0.1;

/**
 * @typedef {'string' | 'number'} KeyType
 * @typedef {{
 *   resident: unknown[],
 *   hitSeq: unknown[],
 *   missSeq: unknown[],
 *   ringSeq: unknown[],
 *   zipfSeq: unknown[],
 *   zipfIsSet: Uint8Array,
 * }} Workload
 */

/** @param {number} n */
export function nextPow2(n) {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * Key ids: `[0, max)` are the keys a full cache holds (`resident`), `[max, 2 max)` keys it does not
 * hold (`absent`), `[2 max, 2 max + R)` the ring of fresh keys for `set (evict)`. The Zipf row draws
 * from `[0, 2 max)`. String keys are `'k' + id`, number keys are `id`.
 *
 * - `hitSeq`, `missSeq`: uniform random resident / absent keys.
 * - `ringSeq`: R > 2 max distinct keys in a fixed shuffled order, walked cyclically; a key comes
 *   back only after R other sets, by which time any cache bounded to max (quick-lru: 2 max) entries
 *   has evicted it, so every set inserts a new key.
 * - `zipfSeq` / `zipfIsSet`: Zipf(s) ranks over 2 max keys, 10% of positions marked as sets. The
 *   max most popular ranks map to the resident keys and the rest to the absent ones, each through a
 *   random permutation (popularity is unrelated to key order), so the cache filled for the get/set
 *   rows already holds the most popular keys: it starts the Zipf row close to its steady state
 *   without a second fill.
 *
 * @param {number} max
 * @param {KeyType} keyType
 * @param {number} seed
 * @returns {Workload}
 */
export function buildWorkload(max, keyType, seed) {
  const random = rng(seed);
  const keyOf = keyType === 'string' ? (/** @type {number} */ id) => `k${id}` : (id) => id;
  const resident = [];
  const absent = [];
  for (let id = 0; id < max; id++) resident.push(keyOf(id));
  for (let id = max; id < 2 * max; id++) absent.push(keyOf(id));

  const seqLength = Math.max(2 ** 16, nextPow2(max));
  const hitSeq = [];
  const missSeq = [];
  for (let i = 0; i < seqLength; i++) hitSeq.push(resident[Math.floor(random() * max)]);
  for (let i = 0; i < seqLength; i++) missSeq.push(absent[Math.floor(random() * max)]);

  const ringLength = nextPow2(2 * max + 1);
  const ringOrder = permutation(ringLength, random);
  const ringSeq = [];
  for (let i = 0; i < ringLength; i++) ringSeq.push(keyOf(2 * max + ringOrder[i]));

  const residentByRank = permutation(max, random);
  const absentByRank = permutation(max, random);
  const keyOfRank = (/** @type {number} */ rank) =>
    rank < max ? resident[residentByRank[rank]] : absent[absentByRank[rank - max]];
  const space = 2 * max;
  const zipfLength = Math.max(2 ** 18, nextPow2(space));
  const ranks = zipfRanks(space, ZIPF_S, zipfLength, random);
  const zipfSeq = [];
  const zipfIsSet = new Uint8Array(zipfLength);
  for (let i = 0; i < zipfLength; i++) {
    zipfSeq.push(keyOfRank(ranks[i]));
    zipfIsSet[i] = random() < SET_SHARE ? 1 : 0;
  }
  return { resident, hitSeq, missSeq, ringSeq, zipfSeq, zipfIsSet };
}
