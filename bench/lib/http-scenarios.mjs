// The scenarios of the HTTP benchmark (`npm run bench -- http`), shared by the driver (bench/http.mjs)
// and the server it forks for each measurement (http-server.mjs).

/** Body of every response: a precomputed JSON document of about 2 KiB. */
export const PAYLOAD = Buffer.from(
  JSON.stringify({
    items: Array.from({ length: 24 }, (_, i) => ({
      id: i + 1,
      sku: `SKU-${String(1000 + i * 37).padStart(6, '0')}`,
      name: `Item number ${i + 1}`,
      price: Math.round((i + 1) * 137.5) / 100,
      inStock: i % 3 !== 0,
    })),
  }),
);

/** The simulated origin time of the miss path, in ms. */
export const ORIGIN_DELAY_MS = 5;

/**
 * What the client checks and the server counts: `ceiling` (no cache), `hit` (answered from a cache
 * warmed beforehand: the origin must not run while measured), `origin` (no cache, slow origin),
 * `miss` (every request a distinct key: every request must miss).
 * @typedef {'ceiling' | 'hit' | 'origin' | 'miss'} Kind
 * `floor`: a route middleware writes the payload with writeHead/end (the least a route-level cache can do).
 * `metrics`: the cache is reported by @larder/prometheus on a prom-client Registry. `headers`: sent
 * with every request; `status`: what every response must be (200 when absent; a 304 has no body).
 * @typedef {{ id: string, framework: 'fastify' | 'express', kind: Kind, label: string,
 *   path: string, unique?: boolean, cache: 'larder' | 'apicache' | 'bentocache' | 'fastify-caching' | 'none',
 *   metrics?: boolean, floor?: boolean, headers?: Record<string, string>, status?: number }} Scenario
 */

/** The ETag of the payload, for the conditional (304) scenarios. */
export const PAYLOAD_ETAG = '"payload-v1"';

/** @type {Scenario[]} */
export const SCENARIOS = [
  {
    id: 'fastify-ceiling',
    framework: 'fastify',
    kind: 'ceiling',
    cache: 'none',
    label: 'ceiling: route sends a ready Buffer, no cache',
    path: '/payload',
  },
  {
    id: 'fastify-hit',
    framework: 'fastify',
    kind: 'hit',
    cache: 'larder',
    label: 'larder hit (route config.cache)',
    path: '/payload',
  },
  {
    id: 'fastify-hit-metrics',
    framework: 'fastify',
    kind: 'hit',
    cache: 'larder',
    metrics: true,
    label: 'larder hit, with larderMetrics() on a prom-client Registry',
    path: '/payload',
  },
  {
    id: 'fastify-bentocache',
    framework: 'fastify',
    kind: 'hit',
    cache: 'bentocache',
    label: 'bentocache 1.6 hit (getOrSet in the handler, memory driver, no serialisation)',
    path: '/payload',
  },
  {
    id: 'fastify-hit-304',
    framework: 'fastify',
    kind: 'hit',
    cache: 'larder',
    label: 'larder conditional hit: If-None-Match matches, 304 from the cache',
    path: '/etagged',
    headers: { 'if-none-match': PAYLOAD_ETAG },
    status: 304,
  },
  {
    id: 'fastify-caching-304',
    framework: 'fastify',
    kind: 'hit',
    cache: 'fastify-caching',
    label: '@fastify/caching 9 conditional hit: If-None-Match in its ETag cache, 304',
    path: '/etagged',
    headers: { 'if-none-match': PAYLOAD_ETAG },
    status: 304,
  },
  {
    id: 'fastify-origin',
    framework: 'fastify',
    kind: 'origin',
    cache: 'none',
    label: `${ORIGIN_DELAY_MS} ms origin, no cache (reference for the miss)`,
    path: '/slow',
    unique: true,
  },
  {
    id: 'fastify-miss',
    framework: 'fastify',
    kind: 'miss',
    cache: 'larder',
    label: `larder miss, ${ORIGIN_DELAY_MS} ms origin, every key new`,
    path: '/slow',
    unique: true,
  },
  {
    id: 'express-ceiling',
    framework: 'express',
    kind: 'ceiling',
    cache: 'none',
    label: 'ceiling: route sends a ready Buffer, no cache',
    path: '/payload',
  },
  {
    id: 'express-hit',
    framework: 'express',
    kind: 'hit',
    cache: 'larder',
    label: 'larder hit (cache.route on the route)',
    path: '/payload',
  },
  {
    id: 'express-hit-metrics',
    framework: 'express',
    kind: 'hit',
    cache: 'larder',
    metrics: true,
    label: 'larder hit (cache.route), with larderMetrics() on a prom-client Registry',
    path: '/payload',
  },
  {
    id: 'express-use-first',
    framework: 'express',
    kind: 'hit',
    cache: 'larder',
    label: 'larder hit (app.use(cache) before the router)',
    path: '/payload',
  },
  {
    id: 'express-apicache',
    framework: 'express',
    kind: 'hit',
    cache: 'apicache',
    label: "apicache 1.6.3 hit (middleware('5 minutes') on the route)",
    path: '/payload',
  },
  {
    id: 'express-floor',
    framework: 'express',
    kind: 'ceiling',
    cache: 'none',
    floor: true,
    label: 'floor: a route middleware writes the ready Buffer with writeHead/end (no cache, no res.send)',
    path: '/payload',
  },
  {
    id: 'express-bentocache',
    framework: 'express',
    kind: 'hit',
    cache: 'bentocache',
    label: 'bentocache 1.6 hit (getOrSet in the handler, memory driver, no serialisation)',
    path: '/payload',
  },
  {
    id: 'express-origin',
    framework: 'express',
    kind: 'origin',
    cache: 'none',
    label: `${ORIGIN_DELAY_MS} ms origin, no cache (reference for the miss)`,
    path: '/slow',
    unique: true,
  },
  {
    id: 'express-miss',
    framework: 'express',
    kind: 'miss',
    cache: 'larder',
    label: `larder miss, ${ORIGIN_DELAY_MS} ms origin, every key new`,
    path: '/slow',
    unique: true,
  },
];

/** @param {string} id */
export function scenario(id) {
  const found = SCENARIOS.find((s) => s.id === id);
  if (found === undefined) throw new Error(`unknown HTTP benchmark scenario '${id}'`);
  return found;
}
