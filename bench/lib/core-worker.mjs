// One round of one (max, key type) group of the core benchmark, in a worker thread of its own.
//
// Why a fresh worker (a fresh V8 isolate) per round: creating cache after cache in one isolate
// changes what is being measured. lru-cache, for one, keeps some methods as per-instance closures;
// after half a dozen instances have come and gone its call sites lose their inlining and it runs
// 3-4x slower for the rest of the process. A long-lived application cache never sees that, so each
// round starts from clean type feedback and creates one cache per implementation.
//
// Inside the round the implementations run one after the other in the order given (the caller
// rotates it from round to round). Only one cache is alive at a time, so no implementation pays
// garbage-collection time for another's heap.
import { parentPort, workerData } from 'node:worker_threads';
import { buildWorkload, nextPow2, OPS } from './core-workload.mjs';
import { gc, minorGc } from './gc.mjs';
import { loadFactory, reason } from './impls.mjs';

/**
 * @typedef {import('./impls.mjs').AnyCache} AnyCache
 * @typedef {import('./impls.mjs').Factory} Factory
 * @typedef {import('./core-loops.mjs').Measurement} Measurement
 * @typedef {{ rate: number, hits: number, gets: number }} OpResult
 * @typedef {{ error?: string, ops: Record<string, OpResult>, sizeAfterEvict: number }} ImplResult
 * @typedef {{ max: number, keyType: 'string' | 'number', order: string[], measureMs: number,
 *   warmMs: number, seed: number }} RoundInput
 */

const { max, keyType, order, measureMs, warmMs, seed } = /** @type {RoundInput} */ (workerData);
const workload = buildWorkload(max, keyType, seed);

// The first evictions from a just-filled cache are not its steady state: a Map (or an object's
// dictionary) holding max keys has little spare room, and the first inserts past it make it grow
// and rehash once, which at max = 1,000,000 costs hundreds of milliseconds. So the warm-up of
// `set (evict)` runs until the slack of the cache's table is surely used up (nextPow2(max) - max,
// plus max/8), not just for warmMs, and at most WARM_CAP_MS (an implementation that manages only a
// few evicting sets per second stops there).
const evictWarmOps = nextPow2(max) - max + Math.ceil(max / 8);
const WARM_CAP_MS = 2000;

/** @type {Record<string, ImplResult>} */
const results = {};
for (const id of order) {
  /** @type {ImplResult} */
  const result = { ops: {}, sizeAfterEvict: 0 };
  results[id] = result;
  try {
    const factory = await loadFactory(id);
    const url = new URL(`./core-loops.mjs?impl=${encodeURIComponent(id)}`, import.meta.url);
    runBlock(factory, await import(url.href), result);
  } catch (error) {
    result.error = reason(error);
  }
}
parentPort?.postMessage(results);

/**
 * Every operation for one implementation on one cache, filled once with the resident keys. Each
 * operation runs for `warmMs` right before its measurement, continuing the same sequence. The rows
 * that keep the cache's key set (get hit, get miss, set without eviction) come first, then the Zipf
 * mix (which starts from the resident keys, its most popular ones), then the evicting sets.
 * @param {Factory} factory
 * @param {typeof import('./core-loops.mjs')} loops
 * @param {ImplResult} result
 */
function runBlock(factory, loops, result) {
  let phase = 'construction';
  /**
   * @param {string} op
   * @param {(ms: number, minOps?: number, capMs?: number) => Measurement} run
   * @param {number} [warmOps] least number of warm-up operations (bounded by WARM_CAP_MS)
   */
  const measure = (op, run, warmOps = 0) => {
    phase = op;
    run(warmMs, warmOps, WARM_CAP_MS);
    minorGc();
    const m = run(measureMs);
    result.ops[op] = { rate: (m.ops / m.ms) * 1000, hits: m.hits, gets: m.gets };
  };
  try {
    // Collect the previous implementation's cache before this one is built.
    gc();
    const cache = factory(max);
    phase = 'fill';
    loops.fill(cache, workload.resident, 0, max);
    const [hit, miss, update, zipf, evict] = OPS.map(() => ({ pos: 0 }));
    measure('get hit', (ms) => loops.timeGet(cache, workload.hitSeq, ms, hit));
    measure('get miss', (ms) => loops.timeGet(cache, workload.missSeq, ms, miss));
    measure('set (no eviction)', (ms) => loops.timeSet(cache, workload.hitSeq, ms, update));
    measure('zipf 90/10', (ms) => loops.timeMix(cache, workload.zipfSeq, workload.zipfIsSet, ms, zipf));
    measure(
      'set (evict)',
      (ms, minOps, capMs) => loops.timeSet(cache, workload.ringSeq, ms, evict, minOps, capMs),
      evictWarmOps,
    );
    result.sizeAfterEvict = cache.size;
  } catch (error) {
    result.error = phase === 'construction' ? reason(error) : `threw during ${phase}: ${reason(error)}`;
  }
}
