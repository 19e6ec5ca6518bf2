#!/usr/bin/env node
// `npm run demo`: @larder/core's Cache at work, printed as a short report. No services needed.
import { Cache, policyNames } from '@larder/core';

const line = (s = '') => process.stdout.write(`${s}\n`);
const pct = (x) => `${(x * 100).toFixed(1)}%`;

line(
  'Larder demo: the in-memory Cache (lru-cache API, pluggable policies, timer-wheel TTL, listeners, stats)',
);
line();

// 1. Eviction policies: the same traffic through each one. A skewed (Zipf) workload of 200,000
//    reads over 20,000 keys, with a one-off scan of 5,000 keys in the middle, into 1,000 entries.
function zipfSampler(n, s, seed) {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) cdf[i] = sum += 1 / (i + 1) ** s;
  let x = seed;
  const rand = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32;
  return () => {
    const u = rand() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}
const next = zipfSampler(20_000, 0.9, 42);
const trace = [];
for (let i = 0; i < 200_000; i++) {
  if (i === 100_000) for (let j = 0; j < 5_000; j++) trace.push(1_000_000 + j);
  trace.push(next());
}
line(
  `1. Hit ratio by policy (${trace.length.toLocaleString('en')} reads, 1,000 entries, a scan in the middle)`,
);
const results = [];
for (const policy of policyNames) {
  // seeded, so that w-tinylfu's figure is the same every run
  const cache = new Cache({ max: 1000, policy, seed: 1 });
  const started = performance.now();
  for (const key of trace) if (cache.get(key) === undefined) cache.set(key, true);
  results.push({ policy, hitRatio: cache.stats().hitRatio, ms: performance.now() - started });
}
const best = Math.max(...results.map((r) => r.hitRatio));
const width = Math.max(...policyNames.map((name) => name.length));
for (const r of results) {
  const bar = '#'.repeat(Math.round(r.hitRatio * 50));
  line(
    `   ${r.policy.padEnd(width)} ${pct(r.hitRatio).padStart(6)} ${bar.padEnd(50)} ${r.hitRatio === best ? '<- best' : ''}`,
  );
}
line();

// 2. TTL on an injected clock, and the remove listener's reasons.
let now = 1_000;
const clock = { now: () => now };
const sessions = new Cache({ max: 3, ttl: 60_000, ttlResolution: 0, perf: clock });
const removed = [];
sessions.on('remove', (key, _value, reason) => removed.push(`${key}:${reason}`));
sessions.set('alice', { cart: 2 });
sessions.set('bob', { cart: 0 });
now += 30_000;
sessions.set('carol', { cart: 5 }, { ttl: 5_000 });
sessions.set('alice', { cart: 3 }); // replaces: 'set'
sessions.set('dave', { cart: 1 }); // full: evicts the least recently used, bob
now += 10_000;
line('2. TTL and listeners (clock injected, no sleeping)');
line(
  `   alice has ${(sessions.getRemainingTTL('alice') / 1000).toFixed(0)} s left; carol (ttl 5 s) is now: ${sessions.get('carol') ?? 'expired'}`,
);
sessions.delete('dave');
sessions.clear();
line(`   remove events: ${removed.join(', ')}`);
line();

// 3. fetch(): concurrent misses on one key share one load; stats count it all.
const origin = { calls: 0 };
const users = new Cache({
  max: 100,
  ttl: 1_000,
  fetchMethod: async (id) => {
    origin.calls++;
    await new Promise((resolve) => setTimeout(resolve, 20));
    return { id, name: `user ${id}` };
  },
});
const burst = await Promise.all(Array.from({ length: 50 }, () => users.fetch(7)));
await users.fetch(7);
const s = users.stats();
line('3. fetch() with a slow origin (20 ms)');
line(`   50 concurrent fetches of one key -> ${origin.calls} origin call; all got "${burst[0].name}"`);
line(
  `   stats: hits ${s.hits}, misses ${s.misses}, sets ${s.sets}, loads ok ${s.fetchSuccesses}, load time ${s.fetchTime.toFixed(0)} ms`,
);
line();

// 4. The slow log: operations slower than a threshold, Redis SLOWLOG style.
const reports = new Cache({
  max: 10,
  slowThreshold: 5,
  memoMethod: (name) => {
    const until = performance.now() + 8;
    while (performance.now() < until); // a deliberately expensive computation
    return `report ${name}`;
  },
});
reports.memo('q3');
reports.memo('q3');
reports.memo('q4');
line('4. Slow log (slowThreshold 5 ms)');
for (const e of reports.slowlog())
  line(`   #${e.id} ${e.op}(${JSON.stringify(e.key)}) took ${e.duration.toFixed(1)} ms`);
line();
line('Next: npm test runs every test; npm run bench -- core compares speed with lru-cache.');
