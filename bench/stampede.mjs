// Stampede benchmark: a fleet of Node processes (Fastify + Larder) sharing one Redis, hit at once on
// one cold key whose origin takes 200 ms. Run it as `npm run bench -- stampede [options]`.
//
// It starts its own redis-server on a free loopback port (or uses REDIS_URL), then, for each mode,
// a fresh fleet (bench/lib/stampede-node.mjs) on free ports:
//   lock     createRedisBackend: the stampede protocol (goal: 1 origin call for the whole fleet)
//   nolock   createRedisBackend({ lock: false }): per-process single-flight only (1 call per process)
//   memory   Larder without Redis (1 call per process): the reference for what the fleet costs
//   none     no cache: every request calls the origin
// Each round asks a new cold key of every process at once. Two latencies per request: in the server
// (Fastify's reply.elapsedTime: what the cache adds to a request), and seen by this process (from
// sending to the end of the response, on connections opened beforehand: that adds the queueing of
// 1,000 requests on the machine, which every mode pays alike). The fresh-fleet rows are measured by
// a lean outside client instead (bench/lib/stampede-client.*: a C epoll loop when a compiler is on
// PATH), each request timed from its socket's opening; Node's HTTP client spent 142-573 ms of CPU on
// a burst of 1,000 requests, on the same two cores as the fleet.
// Then, in this process: the protocol's own latency without the crowd (engines with one request each),
// and hit throughput of the engine with L1+L2 against L1 alone and a plain Redis GET.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatInt, formatRate, formatRatio, markdownTable } from './lib/format.mjs';
import { burst, compiledClient, readyClient, warmUp } from './lib/stampede-client.mjs';
import { measureHits } from './lib/stampede-hits.mjs';
import { measureOverhead } from './lib/stampede-overhead.mjs';
import { startRedis } from './lib/stampede-redis.mjs';
import { traceReport } from './lib/stampede-trace.mjs';

const HELP = `usage: node bench/run.mjs stampede [options]

  --processes N     fleet size (default 4)
  --requests N      concurrent requests per process and round (default 250)
  --delay MS        origin latency (default 200)
  --rounds N        rounds per mode, each on a new cold key (default 5)
  --client NAME     node-redis (default) or ioredis, in the fleet processes of the warm modes
  --fresh-rounds N  rounds of the fresh-fleet shape per client and condition (default 3; 0 skips it)
  --hit-seconds S   seconds per hit-throughput measurement (default 3)
  --quick           1 round, 1 s per hit measurement
  --only fresh      only the fresh-fleet shape (with its memory reference)
  --conditions L    fresh-fleet conditions, comma-separated (default idle,saturated,redis-killed)
  --clients L       fresh-fleet clients, comma-separated (default node-redis,ioredis)
  --node-args=ARGS  Node flags for every fleet process (space-separated), as --node-args=--trace-gc or
                    --node-args='--min-semi-space-size=64 --max-semi-space-size=64'
  --settle MS       with the fresh fleet: wait MS after the last process listens before the burst
                    (default 0: the burst comes as the last process is up)
  --measurer NAME   the fresh-fleet burst's client: c (bench/lib/stampede-client.c, an epoll loop,
                    compiled on first use; the default when a C compiler is on PATH), raw (its Node
                    fallback: raw sockets, pre-built bytes, warmed up first) or http (Node's
                    http.request on a keep-alive Agent, the client of the warm modes and of earlier
                    rounds: its own CPU took a third of the machine during the burst)
  --trace           with --only fresh: each round's timeline per process (arrivals, claim, notice,
                    answers, CPU), to see where the waiters' time goes
  --out FILE        also write the markdown report to FILE
  --help            this text

REDIS_URL=redis://... uses that Redis instead of starting one.`;

const NODE = fileURLToPath(new URL('./lib/stampede-node.mjs', import.meta.url));
const GOAL_MARGIN_MS = 50;
/** Issue 13's bar seen from outside: waiters' p99 at the client within this of the origin's time. */
const CLIENT_MARGIN_MS = 250;
const ms = (x) => `${x.toFixed(1)} ms`;

const options = parse(process.argv.slice(2));
if (options !== undefined) await main(options);

function parse(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        processes: { type: 'string', default: '4' },
        requests: { type: 'string', default: '250' },
        delay: { type: 'string', default: '200' },
        rounds: { type: 'string', default: '5' },
        client: { type: 'string', default: 'node-redis' },
        'fresh-rounds': { type: 'string', default: '3' },
        'hit-seconds': { type: 'string', default: '3' },
        quick: { type: 'boolean', default: false },
        only: { type: 'string' },
        trace: { type: 'boolean', default: false },
        conditions: { type: 'string', default: 'idle,saturated,redis-killed' },
        clients: { type: 'string', default: 'node-redis,ioredis' },
        measurer: { type: 'string', default: 'auto' },
        settle: { type: 'string', default: '0' },
        'node-args': { type: 'string', default: '' },
        out: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    console.error(`${error.message}\n\n${HELP}`);
    process.exitCode = 1;
    return undefined;
  }
  if (values.help) {
    console.log(HELP);
    return undefined;
  }
  const int = (name) => {
    const n = Number(values[name]);
    if (!Number.isSafeInteger(n) || n < 1)
      throw new Error(`--${name} must be a positive integer, got ${values[name]}`);
    return n;
  };
  if (!['node-redis', 'ioredis'].includes(values.client)) throw new Error(`--client: node-redis or ioredis`);
  if (values.only !== undefined && values.only !== 'fresh') throw new Error(`--only: fresh`);
  for (const c of values.conditions.split(',')) {
    if (!['idle', 'saturated', 'redis-killed'].includes(c)) throw new Error(`--conditions: unknown ${c}`);
  }
  if (!['auto', 'c', 'raw', 'http'].includes(values.measurer)) throw new Error(`--measurer: c, raw or http`);
  for (const c of values.clients.split(',')) {
    if (!['node-redis', 'ioredis'].includes(c)) throw new Error(`--clients: unknown ${c}`);
  }
  return {
    processes: int('processes'),
    requests: int('requests'),
    delay: int('delay'),
    rounds: values.quick ? 1 : int('rounds'),
    client: values.client,
    freshRounds: values.quick ? 1 : Number(values['fresh-rounds']),
    hitSeconds: values.quick ? 1 : Number(values['hit-seconds']),
    out: values.out,
    only: values.only,
    trace: values.trace,
    conditions: values.conditions.split(','),
    clients: values.clients.split(','),
    measurer: values.measurer,
    settle: Number(values.settle),
    nodeArgs: values['node-args'].split(' ').filter((arg) => arg !== ''),
  };
}

/** Starts one fleet process (with Node flags `args`); resolves its port once it listens. */
function startNode(env, args = []) {
  const child = spawn(process.execPath, [...args, NODE], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`fleet process exited with ${code}`)));
    createInterface({ input: child.stdout }).once('line', (line) => {
      resolve({
        child,
        exited,
        port: JSON.parse(line).port,
        agent: new Agent({ keepAlive: true, maxSockets: Infinity }),
      });
    });
  });
}

/** GET `path` on `node`, with the host every process shares; resolves status, Cache-Status, ms. */
function get(node, path) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(
      { host: '127.0.0.1', port: node.port, path, agent: node.agent, headers: { host: 'fleet.bench' } },
      (res) => {
        const head = performance.now();
        res.resume();
        res.on('end', () => {
          const end = performance.now();
          resolve({
            status: res.statusCode,
            cacheStatus: String(res.headers['cache-status'] ?? ''),
            ms: end - started,
            // for --trace: ms since the epoch
            at: { sent: performance.timeOrigin + started, connected, head: performance.timeOrigin + head },
          });
        });
      },
    );
    let connected;
    req.on('socket', (socket) => {
      socket.once('connect', () => {
        connected = performance.timeOrigin + performance.now();
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function stats(node) {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port: node.port, path: '/stats', agent: node.agent }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(JSON.parse(body)));
    })
      .on('error', reject)
      .end();
  });
}

function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** One mode: a fresh fleet, `rounds` cold keys. */
async function runMode(mode, redisUrl, o) {
  const prefix = `bench-stampede:${process.pid}:${mode}:`;
  const env = {
    REDIS_URL: redisUrl,
    PREFIX: prefix,
    MODE: mode,
    ORIGIN_DELAY: String(o.delay),
    CLIENT: o.client,
  };
  const nodes = await Promise.all(Array.from({ length: o.processes }, () => startNode(env)));
  try {
    // open the connections before measuring: the figures are about the cache, not TCP handshakes
    await Promise.all(nodes.flatMap((node) => Array.from({ length: o.requests }, () => get(node, '/ping'))));
    const rounds = [];
    for (let r = 0; r < o.rounds; r++) {
      const before = await Promise.all(nodes.map(stats));
      void before;
      const key = `/item/${mode}-${r}-${Math.random().toString(36).slice(2, 8)}`;
      const started = performance.now();
      const results = await Promise.all(
        nodes.flatMap((node) => Array.from({ length: o.requests }, () => get(node, key))),
      );
      const wall = performance.now() - started;
      const after = await Promise.all(nodes.map(stats));
      const calls = after.reduce((sum, s, i) => sum + s.originCalls - before[i].originCalls, 0);
      const absorbed = {};
      for (const [i, s] of after.entries()) {
        for (const [context, n] of Object.entries(s.absorbed)) {
          const was = before[i].absorbed[context] ?? 0;
          if (n > was) absorbed[context] = (absorbed[context] ?? 0) + n - was;
        }
      }
      // the requests that called the origin themselves say "fwd=" in Cache-Status; the others waited
      // (without a cache, every request is counted)
      const waited = (hit) => mode === 'none' || hit;
      const waiters = results
        .filter((x) => x.status === 200 && waited(/ hit/.test(x.cacheStatus)))
        .map((x) => x.ms);
      const server = after.flatMap((s) => s.times.filter(([, hit]) => waited(hit)).map(([ms]) => ms));
      rounds.push({
        calls,
        errors: results.filter((x) => x.status !== 200).length,
        all: results.map((x) => x.ms),
        waiters,
        server,
        wall,
        absorbed,
      });
    }
    return rounds;
  } finally {
    for (const node of nodes) node.child.kill('SIGTERM');
    await Promise.all(nodes.map((n) => n.exited));
  }
}

/** The burst on Node's HTTP client (`--measurer http`): results grouped by node, and this process's CPU. */
async function httpBurst(nodes, requests, started) {
  const cpu = process.cpuUsage();
  const results = await Promise.all(
    nodes.flatMap((node) =>
      Array.from({ length: requests }, () =>
        get(node, '/item/cold').catch(() => ({
          status: 0,
          cacheStatus: '',
          ms: performance.now() - started,
        })),
      ),
    ),
  );
  const used = process.cpuUsage(cpu);
  return { results, cpuMs: (used.user + used.system) / 1000 };
}

/** Processes that keep every CPU of the machine busy until killed. */
function saturate() {
  return Array.from({ length: availableParallelism() }, () =>
    spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
  );
}

/**
 * One round of the fresh-fleet shape: `processes` newly started processes (no warm-up request,
 * no connection opened beforehand) each receive `requests` concurrent requests for one cold key.
 * `condition`: 'idle'; 'saturated' (every CPU kept busy by other processes during the burst);
 * 'redis-killed' (Redis SIGKILLed `delay / 2` ms into the burst, started again after it).
 */
async function runFresh(client, condition, redis, o, mode, r) {
  const env = {
    REDIS_URL: redis.url,
    PREFIX: `bench-fresh:${process.pid}:${client}:${condition}:${r}:`,
    MODE: mode,
    ORIGIN_DELAY: String(o.delay),
    CLIENT: client,
    ...(o.trace ? { TRACE: '1' } : {}),
  };
  const nodes = await Promise.all(Array.from({ length: o.processes }, () => startNode(env, o.nodeArgs)));
  const burners = condition === 'saturated' ? saturate() : [];
  let cClient;
  try {
    if (o.settle > 0) await new Promise((resolve) => setTimeout(resolve, o.settle));
    if (burners.length > 0) await new Promise((resolve) => setTimeout(resolve, 200));
    const targets = nodes.map((node) => ({ port: node.port, path: '/item/cold' }));
    const c =
      o.measurer === 'c' ? await readyClient(o.cBinary, targets, o.requests, 'fleet.bench') : undefined;
    cClient = c;
    const started = performance.now();
    const answered =
      c !== undefined
        ? c.fire()
        : o.measurer === 'raw'
          ? burst(targets, o.requests, 'fleet.bench')
          : httpBurst(nodes, o.requests, started);
    if (condition === 'redis-killed') {
      await new Promise((resolve) => setTimeout(resolve, o.delay / 2));
      await redis.kill();
    }
    const { results, cpuMs: clientCpuMs, start = performance.timeOrigin + started } = await answered;
    const wall = performance.now() - started;
    for (const burner of burners) burner.kill('SIGKILL');
    const after = await Promise.all(nodes.map(stats));
    const absorbed = {};
    for (const s of after) {
      for (const [context, n] of Object.entries(s.absorbed)) absorbed[context] = (absorbed[context] ?? 0) + n;
    }
    const hit = (x) => / hit/.test(x);
    const round = {
      calls: after.reduce((sum, s) => sum + s.originCalls, 0),
      errors: results.filter((x) => x.status !== 200).length,
      all: results.map((x) => x.ms),
      waiters: results.filter((x) => x.status === 200 && hit(x.cacheStatus)).map((x) => x.ms),
      server: after.flatMap((s) => s.times.filter(([, h]) => h).map(([ms]) => ms)),
      wall,
      absorbed,
      clientCpuMs,
      load: loadavg()[0],
    };
    if (o.trace) {
      console.log(
        `\n  ${mode === 'memory' ? 'memory' : client}, ${condition}, round ${r + 1} (load average ${loadavg()[0].toFixed(1)}):`,
      );
      console.log(traceReport(start, nodes, results, after, o.requests));
    }
    return round;
  } finally {
    cClient?.kill();
    for (const burner of burners) burner.kill('SIGKILL');
    for (const node of nodes) node.child.kill('SIGTERM');
    await Promise.all(nodes.map((n) => n.exited));
    if (condition === 'redis-killed') Object.assign(redis, await startRedis(redis.port));
  }
}

/**
 * The fresh-fleet rows: the memory reference (idle and saturated) and each client under each
 * condition, one round of every row in turn, so that the machine's load drifts over all rows alike.
 */
async function freshFleets(o, redis, ownRedis) {
  if (o.measurer === 'auto') o.measurer = 'c';
  if (o.measurer === 'c') {
    o.cBinary = compiledClient();
    if (o.cBinary === undefined) {
      console.log('  (no C compiler on PATH: the raw Node client measures instead)');
      o.measurer = 'raw';
    }
  }
  console.log(
    `\nfresh fleets: ${o.processes} newly started processes × ${o.requests} concurrent requests on one cold key, ` +
      `no warm-up, ${o.freshRounds} round(s) per row, rows taken in turn, client: ${o.measurer}${o.settle > 0 ? `, burst ${o.settle} ms after the last process listens` : ''}`,
  );
  // killing Redis is only for one the bench started
  const conditions = o.conditions.filter((c) => ownRedis || c !== 'redis-killed');
  const rows = conditions
    .filter((condition) => condition !== 'redis-killed')
    .map((condition) => ({
      label: 'memory only, no Redis (reference)',
      client: 'node-redis',
      mode: 'memory',
      condition,
    }));
  for (const client of o.clients) {
    for (const condition of conditions) {
      rows.push({ label: `Redis, stampede lock, ${client}`, client, mode: 'lock', condition });
    }
  }
  for (const row of rows) row.rounds = [];
  if (o.measurer === 'raw') await warmUp(o.requests);
  for (let r = 0; r < o.freshRounds; r++) {
    for (const row of rows) row.rounds.push(await runFresh(row.client, row.condition, redis, o, row.mode, r));
  }
  for (const row of rows) {
    row.s = summarize(
      row.mode === 'memory' ? 'memory' : row.condition === 'redis-killed' ? 'nolock' : 'lock',
      row.rounds,
      o,
    );
    row.absorbed = {};
    for (const round of row.rounds) {
      for (const [k, n] of Object.entries(round.absorbed)) row.absorbed[k] = (row.absorbed[k] ?? 0) + n;
    }
    const cpus = row.rounds.map((round) => round.clientCpuMs);
    row.clientCpu = `${Math.min(...cpus).toFixed(0)}-${Math.max(...cpus).toFixed(0)} ms`;
    const loads = row.rounds.map((round) => round.load);
    row.load = `${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}`;
  }
  const goal = (row) => {
    if (row.mode === 'memory') return '';
    if (row.condition === 'redis-killed')
      return row.s.errors === 0 ? 'met (0 failed)' : `missed (${row.s.errors} failed)`;
    const one = row.s.calls.every((c) => c === 1);
    const near = row.s.serverP99 - o.delay <= GOAL_MARGIN_MS;
    const outside = row.s.p99 - o.delay <= CLIENT_MARGIN_MS;
    return `${one ? '1 call' : 'calls missed'}, server p99 ${near ? 'met' : 'missed'}, client p99 ${outside ? 'met' : 'missed'}`;
  };
  const table = markdownTable(
    [
      'fresh fleet',
      'condition',
      'origin calls / round',
      'failed',
      'waiters p50 / p99 in server',
      'waiters p50 / p99 at client',
      'Redis errors absorbed',
      'client CPU / burst',
      'load average',
      'goal',
    ],
    rows.map((row) => [
      row.label,
      row.condition,
      row.s.calls.join(' / '),
      String(row.s.errors),
      `${ms(row.s.serverP50)} / ${ms(row.s.serverP99)}`,
      `${ms(row.s.p50)} / ${ms(row.s.p99)}`,
      row.mode === 'memory'
        ? ''
        : Object.entries(row.absorbed)
            .map(([k, n]) => `${k} ×${n}`)
            .join(', ') || 'none',
      row.clientCpu,
      row.load,
      goal(row),
    ]),
  );
  console.log(
    `\n${table}\n\ngoals: 1 origin call per round; waiters' p99 within ${GOAL_MARGIN_MS} ms of the ${o.delay} ms origin ` +
      `in the server, within ${CLIENT_MARGIN_MS} ms at the client (idle and saturated); Redis killed ${o.delay / 2} ms ` +
      `into the burst: no request fails (origin calls then up to one per process). The reference rows are the same ` +
      `fresh fleet without Redis: what the machine gives.`,
  );
  return table;
}

function summarize(mode, rounds, o) {
  const all = rounds.flatMap((r) => r.all).sort((a, b) => a - b);
  const waiters = rounds.flatMap((r) => r.waiters).sort((a, b) => a - b);
  const server = rounds.flatMap((r) => r.server).sort((a, b) => a - b);
  const calls = rounds.map((r) => r.calls);
  return {
    mode,
    calls,
    errors: rounds.reduce((s, r) => s + r.errors, 0),
    requests: all.length,
    waiters: waiters.length,
    p50: percentile(waiters, 50),
    p99: percentile(waiters, 99),
    serverP50: percentile(server, 50),
    serverP99: percentile(server, 99),
    max: all.at(-1),
    wall: Math.max(...rounds.map((r) => r.wall)),
    expected: mode === 'lock' ? 1 : mode === 'none' ? o.processes * o.requests : o.processes,
  };
}

/** The warm modes: one fleet per mode, connections opened beforehand, `rounds` cold keys each. */
async function warmModes(o, redisUrl) {
  const summaries = [];
  for (const mode of ['lock', 'nolock', 'memory', 'none']) {
    process.stdout.write(`  ${mode}: `);
    const rounds = await runMode(mode, redisUrl, o);
    const s = summarize(mode, rounds, o);
    summaries.push(s);
    const problems = rounds
      .map((r, i) =>
        Object.keys(r.absorbed).length === 0 ? '' : ` round ${i + 1}: ${JSON.stringify(r.absorbed)}`,
      )
      .filter((x) => x !== '');
    console.log(
      `origin calls per round ${s.calls.join(', ')}${problems.length > 0 ? `; Redis errors absorbed:${problems.join(';')}` : ''}`,
    );
  }
  const label = {
    lock: 'Redis, stampede lock',
    nolock: 'Redis, lock: false',
    memory: 'memory only, no Redis',
    none: 'no cache',
  };
  const table = markdownTable(
    [
      'mode',
      'origin calls / round',
      'expected',
      'errors',
      'waiters p50 / p99 in server',
      'waiters p50 / p99 at client',
      'slowest at client',
    ],
    summaries.map((s) => [
      label[s.mode],
      [...new Set(s.calls)].join(' / '),
      formatInt(s.expected),
      String(s.errors),
      `${ms(s.serverP50)} / ${ms(s.serverP99)}`,
      `${ms(s.p50)} / ${ms(s.p99)}`,
      ms(s.max),
    ]),
  );
  const lock = summaries[0];
  const memory = summaries[2];
  const over = lock.serverP99 - o.delay;
  const verdict = [
    `origin calls with the lock: ${lock.calls.every((c) => c === 1) ? `exactly 1 per round in ${o.rounds} round(s) (goal met)` : `${lock.calls.join(', ')} (goal: 1)`}`,
    `waiters' p99 with the lock, in the server: ${ms(lock.serverP99)} for a ${o.delay} ms origin, ` +
      `${ms(over)} over it (goal: within ${GOAL_MARGIN_MS} ms: ${over <= GOAL_MARGIN_MS ? 'met' : 'missed'})`,
    `waiters' p99 with the lock, at the client: ${ms(lock.p99)}, against ${ms(memory.p99)} for the same ` +
      `fleet without Redis: the rest is the machine queueing ${formatInt(o.processes * o.requests)} requests`,
  ];
  return { table, verdict };
}

function writeReport(file, text) {
  mkdirSync(fileURLToPath(new URL('.', `file://${file}`)), { recursive: true });
  writeFileSync(file, `${text}\n`);
}

async function main(o) {
  const started = performance.now();
  let redis;
  let redisUrl = process.env.REDIS_URL;
  if (redisUrl === undefined) {
    redis = await startRedis();
    redisUrl = redis.url;
  }
  try {
    console.log(
      `stampede: ${o.processes} processes × ${o.requests} concurrent requests on one cold key, origin ${o.delay} ms, ` +
        `${o.rounds} round(s) per mode, ${o.client}; Redis ${redisUrl}${redis ? ' (started by the bench)' : ''}; ` +
        `${cpus().length} CPUs (load average ${loadavg()[0].toFixed(1)}), Node ${process.version}\n`,
    );
    const warm = o.only === 'fresh' ? undefined : await warmModes(o, redisUrl);
    let freshTable = '';
    if (o.freshRounds > 0) freshTable = await freshFleets(o, redis ?? { url: redisUrl }, redis !== undefined);
    if (warm === undefined) {
      console.log(
        `\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s, load average ${loadavg()[0].toFixed(1)}`,
      );
      if (o.out !== undefined) writeReport(o.out, freshTable);
      return;
    }
    const { table, verdict } = warm;

    const overhead = await measureOverhead({ redisUrl, engines: o.processes, rounds: 30, delay: o.delay });
    verdict.push(
      `the protocol's own cost, without the crowd (${o.processes} engines in this process, one request each, ` +
        `30 cold keys): waiters ${ms(overhead.p50)} p50 / ${ms(overhead.p99)} p99 over the origin, ` +
        `origin calls per key ${[...new Set(overhead.calls)].join(' / ')} ` +
        `(goal: within ${GOAL_MARGIN_MS} ms: ${overhead.p99 <= GOAL_MARGIN_MS ? 'met' : 'missed'})`,
    );
    console.log(
      `\n${table}\n\n${verdict.join('\n')}\n\nhit throughput (this process, ${o.hitSeconds} s each, 64 concurrent loops):`,
    );
    const hits = await measureHits({ redisUrl, seconds: o.hitSeconds, concurrency: 64 });
    const reference = hits[0].rate;
    const hitTable = markdownTable(
      ['path', 'ops/s', 'vs L1 alone', 'what'],
      hits.map((h) => [h.name, formatRate(h.rate), formatRatio(h.rate, reference), h.note]),
    );
    console.log(
      `\n${hitTable}\n\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s, load average ${loadavg()[0].toFixed(1)}`,
    );
    if (o.out !== undefined) {
      writeReport(o.out, `${table}\n\n${verdict.join('\n')}\n\n${freshTable}\n\n${hitTable}`);
    }
  } finally {
    await redis?.stop();
  }
}
