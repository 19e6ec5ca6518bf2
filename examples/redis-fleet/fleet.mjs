#!/usr/bin/env node
// `npm start -w examples/redis-fleet`: four Fastify processes (server.mjs) behind one Redis, each
// cached by Larder with the shared backend, and a report of what happens when they all miss at once.
// Starts its own redis-server on a free port unless REDIS_URL is set. `--once` exits after the report.
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startRedis } from './redis.mjs';

const HELP = `usage: npm start -w examples/redis-fleet [-- options]     (or node examples/redis-fleet/fleet.mjs)

  --processes N   processes in the fleet (default 4)
  --requests N    concurrent requests per process in each burst (default 250)
  --once          exit after the report (default: keep serving, print URLs to try)
  --help          this text

REDIS_URL=redis://host:port uses your Redis instead of starting one.`;

const { values } = parseArgs({
  options: {
    processes: { type: 'string', default: '4' },
    requests: { type: 'string', default: '250' },
    once: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const PROCESSES = Number(values.processes);
const REQUESTS = Number(values.requests);
const ORIGIN_DELAY = 200;
const SERVER = fileURLToPath(new URL('./server.mjs', import.meta.url));
const line = (s = '') => process.stdout.write(`${s}\n`);
const ms = (x) => `${Math.round(x)} ms`;

let redis;
let redisUrl = process.env.REDIS_URL;
if (redisUrl === undefined) {
  redis = await startRedis();
  redisUrl = redis.url;
}
const prefix = `redis-fleet:${process.pid}:`;

function startServer() {
  const child = spawn(process.execPath, [SERVER], {
    env: { ...process.env, REDIS_URL: redisUrl, PREFIX: prefix, ORIGIN_DELAY: String(ORIGIN_DELAY) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server.mjs exited with ${code}`)));
    createInterface({ input: child.stdout }).once('line', (first) => {
      const { port } = JSON.parse(first);
      resolve({ child, exited, port, agent: new Agent({ keepAlive: true }) });
    });
  });
}

/** One request to `node`; every request names the same host, as behind one load balancer. */
function call(node, method, path) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(
      {
        host: '127.0.0.1',
        port: node.port,
        method,
        path,
        agent: node.agent,
        headers: { host: 'shop.example' },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode,
            body,
            cacheStatus: String(res.headers['cache-status'] ?? ''),
            ms: performance.now() - started,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const stats = (node) => call(node, 'GET', '/stats').then((r) => JSON.parse(r.body));
const originCalls = async (nodes) => (await Promise.all(nodes.map(stats))).map((s) => s.originCalls);
const sum = (xs) => xs.reduce((a, b) => a + b, 0);

/** `REQUESTS` concurrent GETs of `path` on every process at once; prints what happened. */
async function burst(nodes, path, title) {
  const before = await originCalls(nodes);
  const started = performance.now();
  const results = await Promise.all(
    nodes.flatMap((node) => Array.from({ length: REQUESTS }, () => call(node, 'GET', path))),
  );
  const wall = performance.now() - started;
  const after = await originCalls(nodes);
  const calls = after.map((n, i) => n - before[i]);
  const sorted = results.map((r) => r.ms).sort((a, b) => a - b);
  const kinds = new Map();
  for (const r of results) {
    const kind = r.cacheStatus.replace(/; ttl=-?\d+/, '').replace(/^larder; /, '') || '(none)';
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  const servedBy = new Set(results.filter((r) => r.status === 200).map((r) => JSON.parse(r.body).servedBy));
  line(`${title}`);
  line(
    `  ${results.length} requests (${PROCESSES} processes × ${REQUESTS} at once), ${results.filter((r) => r.status === 200).length} answered 200, in ${ms(wall)}`,
  );
  line(`  origin calls: ${sum(calls)}   (per process: ${calls.join(', ')})`);
  line(
    `  responses from the origin call of process${servedBy.size > 1 ? 'es' : ''} ${[...servedBy].join(', ')}`,
  );
  line(`  Cache-Status: ${[...kinds].map(([k, n]) => `${n} × ${k}`).join(', ')}`);
  line(
    `  latency: p50 ${ms(sorted[sorted.length >> 1])}, p99 ${ms(sorted[Math.floor(sorted.length * 0.99)])}, slowest ${ms(sorted.at(-1))}`,
  );
  line();
  return sum(calls);
}

const nodes = await Promise.all(Array.from({ length: PROCESSES }, startServer));
const stopAll = async () => {
  for (const node of nodes) node.child.kill('SIGTERM');
  await Promise.all(nodes.map((n) => n.exited));
  await redis?.stop();
};

try {
  line(
    `Larder redis-fleet: ${PROCESSES} Fastify processes (ports ${nodes.map((n) => n.port).join(', ')}) behind one Redis (${redisUrl}${redis ? ', started for this run' : ''}).`,
  );
  line(`GET /products/:id takes ${ORIGIN_DELAY} ms at the origin and is cached for 1 minute.`);
  line();
  // open the connections first: the figures are about the cache, not TCP handshakes
  await Promise.all(
    nodes.flatMap((node) => Array.from({ length: REQUESTS }, () => call(node, 'GET', '/stats'))),
  );

  await burst(nodes, '/products/1', '1. Stampede: every process misses /products/1 at once');
  await burst(
    nodes,
    '/products/1',
    '2. The same burst again: every process answers from its own memory (L1)',
  );
  const invalidated = JSON.parse((await call(nodes[1], 'POST', '/products/1/invalidate')).body);
  await new Promise((resolve) => setTimeout(resolve, 50));
  line(
    `3. POST /products/1/invalidate on process ${nodes[1].child.pid}: removed ${invalidated.removed} entry; the bus drops every process's copy`,
  );
  line();
  await burst(nodes, '/products/1', '   the next burst: one origin call again, for the whole fleet');

  if (redis !== undefined) {
    await redis.stop();
    line('4. Redis stopped. Nothing fails: each process goes on alone (memory and origin),');
    line('   its circuit breaker routing around Redis after a few failed commands.');
    line();
    await burst(nodes, '/products/2', '   a burst on /products/2 while Redis is down');
    redis = await startRedis(Number(new URL(redisUrl).port));
    // the breakers probe again after their 2 s cool-down; requests on new keys drive the probes
    const deadline = Date.now() + 15_000;
    for (let i = 0; Date.now() < deadline; i++) {
      await Promise.all(nodes.map((node) => call(node, 'GET', `/products/probe-${i}`)));
      const states = (await Promise.all(nodes.map(stats))).map((s) => s.breaker);
      if (states.every((s) => s === 'closed')) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    line(
      `5. Redis started again; the breakers closed (${(await Promise.all(nodes.map(stats))).map((s) => s.breaker).join(', ')}).`,
    );
    line();
    await burst(nodes, '/products/3', '   a burst on /products/3: the fleet shares one origin call again');
  }
  const all = await Promise.all(nodes.map(stats));
  line('Per process (engine stats; tiers: L1 = its memory, L2 = Redis):');
  for (const s of all) {
    line(
      `  ${s.pid}: origin calls ${s.originCalls}, hits ${s.engine.hits}, misses ${s.engine.misses}, passes ${s.engine.passes}, ` +
        `L1 hits ${s.tiers.l1Hits}, L2 hits ${s.tiers.l2Hits}, breaker ${s.breaker}`,
    );
  }
  line();
} catch (error) {
  await stopAll();
  throw error;
}

if (values.once) {
  await stopAll();
} else {
  line('Serving until Ctrl-C. Try:');
  line(`  curl -i -H 'host: shop.example' http://127.0.0.1:${nodes[0].port}/products/7`);
  line(
    `  curl -i -H 'host: shop.example' http://127.0.0.1:${nodes[1].port}/products/7     (a hit from Redis: another process filled it)`,
  );
  line(`  curl -X POST -H 'host: shop.example' http://127.0.0.1:${nodes[2].port}/products/7/invalidate`);
  line(`  curl http://127.0.0.1:${nodes[3 % nodes.length].port}/stats`);
  process.once('SIGINT', async () => {
    await stopAll();
    process.exit(0);
  });
}
