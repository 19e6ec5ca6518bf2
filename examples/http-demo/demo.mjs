#!/usr/bin/env node
// `npm run demo`: an example Fastify app and an example Express app, each with a deliberately slow
// route cached by Larder on the embedded memory store (no Redis), under a burst of real HTTP requests.
// `--once` prints the report and exits; without it the apps keep serving, for curl.
import { parseArgs } from 'node:util';
import { createExpressApp } from './express-app.mjs';
import { createFastifyApp } from './fastify-app.mjs';

const ORIGIN_DELAY_MS = 200;
const BURST = 100;
const CONCURRENCY = 20;

const HELP = `usage: node examples/http-demo/demo.mjs [--once]   (npm run demo [-- --once])

Starts an example Fastify app and an example Express app on free loopback ports, each with a
/slow route (a ${ORIGIN_DELAY_MS} ms origin) cached by Larder, sends ${BURST} requests (${CONCURRENCY} at a time) at each
and prints what the cache did.

  --once   exit after the report (default: keep serving and print URLs to try with curl)
  --help   this text`;

const { values } = parseArgs({
  options: { once: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}

const line = (s = '') => process.stdout.write(`${s}\n`);
const ms = (x) => `${x.toFixed(1)} ms`;

/** One GET, timed, body read to the end. */
async function get(url, headers = {}) {
  const started = performance.now();
  const response = await fetch(url, { headers });
  const body = await response.arrayBuffer();
  return {
    ms: performance.now() - started,
    status: response.status,
    bytes: body.byteLength,
    cacheStatus: response.headers.get('cache-status') ?? '(none)',
    etag: response.headers.get('etag') ?? undefined,
  };
}

/** `count` GETs of `url`, `concurrency` in flight at a time, in the order they were started. */
async function burst(url, count, concurrency) {
  const results = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await get(url);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

/** The `q` quantile of `values` (nearest rank). */
function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

/** Cache-Status members summarised: `larder; hit; ttl=59` and `larder; hit; collapsed` are both hits. */
const isHit = (r) => /;\s*hit\b/.test(r.cacheStatus);
const isCollapsed = (r) => /;\s*collapsed\b/.test(r.cacheStatus);
const isMiss = (r) => /;\s*fwd=miss\b/.test(r.cacheStatus);

async function demo(app) {
  const base = await app.listen();
  const url = `${base}/slow`;
  line(
    `${app.name}  ${url}  (origin takes ${ORIGIN_DELAY_MS} ms; cached for 1 min on the memory store, tag 'slow')`,
  );

  // Open the client's connections and warm both ends up on an uncached route first, so the figures
  // below are the cache's and not those of a cold process.
  await burst(`${base}/stats`, 2 * CONCURRENCY, CONCURRENCY);
  const results = await burst(url, BURST, CONCURRENCY);
  const misses = results.filter(isMiss);
  const hits = results.filter(isHit);
  const collapsed = hits.filter(isCollapsed);
  const other = results.length - misses.length - hits.length;
  const stats = app.stats();
  const originCalls = app.originCalls();
  // Hits on the warm cache, without the cold start: one at a time, then a second burst
  const single = (await burst(url, CONCURRENCY, 1)).filter(isHit).map((r) => r.ms);
  const warm = (await burst(url, BURST, CONCURRENCY)).filter(isHit).map((r) => r.ms);
  const first = misses[0];

  line(`  burst            ${BURST} GET requests, ${CONCURRENCY} at a time, from a cold cache`);
  line(`  origin calls     ${originCalls}`);
  line(
    `  Cache-Status     ${misses.length} fwd=miss (stored), ${hits.length} hit, of which ${collapsed.length} collapsed onto the miss while it ran${other > 0 ? `, ${other} other` : ''}`,
  );
  line(
    `  stats()          hits ${stats.hits}, misses ${stats.misses}, coalesced ${stats.coalesced}, stores ${stats.stores}`,
  );
  if (first !== undefined && single.length > 0 && warm.length > 0) {
    line(`  latency          first request (miss) ${ms(first.ms)}`);
    line(
      `                   warm hits: one at a time p50 ${ms(quantile(single, 0.5))}; ${CONCURRENCY} in flight p50 ${ms(quantile(warm, 0.5))}, p99 ${ms(quantile(warm, 0.99))} (client and servers share one process)`,
    );
  }

  const removed = await app.invalidate({ tags: ['slow'] });
  const after = await get(url);
  line(
    `  invalidate       invalidate({ tags: ['slow'] }) removed ${removed} entr${removed === 1 ? 'y' : 'ies'}; next GET: ${after.cacheStatus}, ${ms(after.ms)}, origin calls now ${app.originCalls()}`,
  );

  const conditional = await get(url, { 'if-none-match': after.etag ?? '"none"' });
  line(
    `  304              GET with If-None-Match: ${after.etag} -> ${conditional.status}, ${conditional.bytes} body bytes, ${conditional.cacheStatus}`,
  );
  line();
  return { base, etag: after.etag };
}

const apps = [
  await createFastifyApp({ originDelayMs: ORIGIN_DELAY_MS }),
  await createExpressApp({ originDelayMs: ORIGIN_DELAY_MS }),
];
const closeAll = () => Promise.all(apps.map((app) => app.close()));

line('Larder HTTP demo: a slow route cached on the embedded memory store, over real HTTP on loopback');
line();
/** @type {{ base: string, etag: string | undefined }[]} */
const served = [];
try {
  for (const app of apps) served.push(await demo(app));
} catch (error) {
  await closeAll();
  throw error;
}

if (values.once) {
  await closeAll();
} else {
  line('Still serving; Ctrl-C to stop. Try:');
  for (const [i, app] of apps.entries()) {
    const { base, etag = '<etag>' } = served[i];
    const url = `${base}/slow`;
    const tries = [
      ['a hit (Cache-Status, Age)', `curl -i ${url}`],
      ['a 304 from the cache', `curl -i -H 'If-None-Match: ${etag}' ${url}`],
      ['POST invalidates /slow', `curl -i -X POST ${url}`],
      ['origin calls, stats()', `curl ${base}/stats`],
    ];
    const width = Math.max(...tries.map(([what]) => what.length));
    line(`  ${app.name}`);
    for (const [what, command] of tries) line(`    ${what.padEnd(width)}  ${command}`);
  }
  const stop = async () => {
    await closeAll();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
