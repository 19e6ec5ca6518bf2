// Timed loops of the core benchmark.
//
// The worker imports this module once per implementation with a distinct query string
// (`core-loops.mjs?impl=tiny-lru`), so each implementation gets its own copy of these functions and
// their call sites stay monomorphic: one cache's hidden class never pollutes another's inline caches.
//
// Time is the CPU time of the process (user + system; the main thread only waits for this worker),
// so time slices that other processes take on a shared machine do not count against anyone.
// Every sequence has a power-of-two length; loops walk it cyclically. Time is read once per chunk of
// operations; chunks start at FIRST_CHUNK and double up to MAX_CHUNK, so the clock costs well under
// 1% of a fast measurement while a pathologically slow one (a few ops/s) still stops on time.
// Results are counted (hits) and returned, so V8 cannot drop the calls.

const FIRST_CHUNK = 1;
const MAX_CHUNK = 8192;

/** CPU time of the process in milliseconds. */
function cpuMs() {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/**
 * @typedef {import('./impls.mjs').AnyCache} AnyCache
 * @typedef {{ ops: number, ms: number, hits: number, gets: number }} Measurement
 */

/**
 * Sets `keys[i]` for every i, untimed (the initial fill).
 * @param {AnyCache} cache
 * @param {unknown[]} keys
 * @param {number} from
 * @param {number} to
 */
export function fill(cache, keys, from, to) {
  for (let i = from; i < to; i++) cache.set(keys[i], 1);
}

/**
 * `get` over `seq` for at least `minMs`, starting at `state.pos`.
 * @param {AnyCache} cache
 * @param {unknown[]} seq
 * @param {number} minMs
 * @param {{ pos: number }} state
 * @param {number} [minOps] also run at least this many operations...
 * @param {number} [capMs] ...unless that takes longer than this
 * @returns {Measurement}
 */
export function timeGet(cache, seq, minMs, state, minOps = 0, capMs = minMs) {
  const mask = seq.length - 1;
  let pos = state.pos;
  let ops = 0;
  let hits = 0;
  let chunk = FIRST_CHUNK;
  const start = cpuMs();
  let now = start;
  do {
    for (let j = 0; j < chunk; j++) {
      if (cache.get(seq[pos]) !== undefined) hits++;
      pos = (pos + 1) & mask;
    }
    ops += chunk;
    if (chunk < MAX_CHUNK) chunk *= 2;
    now = cpuMs();
  } while (now - start < minMs || (ops < minOps && now - start < capMs));
  state.pos = pos;
  return { ops, ms: now - start, hits, gets: ops };
}

/**
 * `set` over `seq` for at least `minMs`, with small-integer values that change from one set to the
 * next (an update really replaces the value).
 * @param {AnyCache} cache
 * @param {unknown[]} seq
 * @param {number} minMs
 * @param {{ pos: number }} state
 * @param {number} [minOps] also run at least this many operations...
 * @param {number} [capMs] ...unless that takes longer than this
 * @returns {Measurement}
 */
export function timeSet(cache, seq, minMs, state, minOps = 0, capMs = minMs) {
  const mask = seq.length - 1;
  let pos = state.pos;
  let ops = 0;
  let chunk = FIRST_CHUNK;
  const start = cpuMs();
  let now = start;
  do {
    for (let j = 0; j < chunk; j++) {
      cache.set(seq[pos], pos & 255);
      pos = (pos + 1) & mask;
    }
    ops += chunk;
    if (chunk < MAX_CHUNK) chunk *= 2;
    now = cpuMs();
  } while (now - start < minMs || (ops < minOps && now - start < capMs));
  state.pos = pos;
  return { ops, ms: now - start, hits: 0, gets: 0 };
}

/**
 * A get/set mix over `seq` for at least `minMs`: `isSet[i] === 1` makes operation i a `set`, else a
 * `get`. A miss is only counted; it does not imply a set.
 * @param {AnyCache} cache
 * @param {unknown[]} seq
 * @param {Uint8Array} isSet
 * @param {number} minMs
 * @param {{ pos: number }} state
 * @param {number} [minOps] also run at least this many operations...
 * @param {number} [capMs] ...unless that takes longer than this
 * @returns {Measurement}
 */
export function timeMix(cache, seq, isSet, minMs, state, minOps = 0, capMs = minMs) {
  const mask = seq.length - 1;
  let pos = state.pos;
  let ops = 0;
  let gets = 0;
  let hits = 0;
  let chunk = FIRST_CHUNK;
  const start = cpuMs();
  let now = start;
  do {
    for (let j = 0; j < chunk; j++) {
      const key = seq[pos];
      if (isSet[pos] === 1) {
        cache.set(key, pos & 255);
      } else {
        gets++;
        if (cache.get(key) !== undefined) hits++;
      }
      pos = (pos + 1) & mask;
    }
    ops += chunk;
    if (chunk < MAX_CHUNK) chunk *= 2;
    now = cpuMs();
  } while (now - start < minMs || (ops < minOps && now - start < capMs));
  state.pos = pos;
  return { ops, ms: now - start, hits, gets };
}
