// Heap cost of one implementation holding n entries, in a process of its own:
//   node --expose-gc bench/lib/core-memory.mjs <impl id> <string|number> <n>
// prints one JSON line { heapBytes, bufferBytes } (per entry) or { error }.
//
// Counted: growth of V8's heapUsed plus ArrayBuffer backing stores (typed arrays, which live outside
// the JS heap) between a forced GC before the cache is constructed and a forced GC after n sets.
// That is the cache object, its preallocated arrays, its Map or object tables and any per-entry
// objects. Not counted: the key strings (built, and interned, before the first reading) and the
// values (every entry holds the same shared object).
import { fullGc } from './gc.mjs';
import { loadFactory, reason } from './impls.mjs';

const [id = '', keyType = 'string', count = '1000000'] = process.argv.slice(2);
const n = Number(count);

try {
  const factory = await loadFactory(id);
  const value = { shared: true };
  const keys = [];
  for (let i = 0; i < n; i++) keys.push(keyType === 'string' ? `k${i}` : i);
  if (keyType === 'string') {
    // Intern the keys now: caches that keep keys as object properties (mnemonist, tiny-lru) would
    // otherwise make interned copies during the fill, and be charged for key strings.
    /** @type {Record<string, number>} */
    let sink = Object.create(null);
    for (let i = 0; i < n; i++) {
      sink[/** @type {string} */ (keys[i])] = i;
      if ((i & 0xffff) === 0xffff) sink = Object.create(null);
    }
  }
  // Compile the implementation's code paths before the first reading.
  const warm = factory(64);
  for (let i = 0; i < 128; i++) warm.set(keys[i % n], value);

  fullGc();
  const before = process.memoryUsage();
  const cache = factory(n);
  for (let i = 0; i < n; i++) cache.set(keys[i], value);
  fullGc();
  const after = process.memoryUsage();

  if (cache.get(keys[n - 1]) !== value) throw new Error('the last key set is missing');
  console.log(
    JSON.stringify({
      heapBytes: (after.heapUsed - before.heapUsed) / n,
      bufferBytes: (after.arrayBuffers - before.arrayBuffers) / n,
    }),
  );
} catch (error) {
  console.log(JSON.stringify({ error: reason(error) }));
}
