// HTTP benchmark: Larder's Fastify plugin and Express middleware under load (wrk when installed,
// else autocannon), against the ceiling of each framework (a route that sends a ready Buffer, no
// cache) and, on Express, apicache.
// Run it as `npm run bench -- http [options]` or `node bench/run.mjs http [options]`.
//
// Each scenario's server (bench/lib/http-server.mjs) runs on a free loopback port: started once and
// kept running through the rounds (`--servers warm`, the default: wrk against running servers), or a
// fresh process for every measurement (`--servers fresh`). autocannon runs in this process, wrk
// (bench/lib/wrk.mjs) in its own. Scenarios take turns round by round (rotated, and reversed every
// other round) so that drift on the machine hits them all alike; a cell is the median over the rounds.
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import {
  formatDuration,
  formatInt,
  formatPercent,
  formatRate,
  markdownTable,
  median,
} from './lib/format.mjs';
import { summarizeProfile } from './lib/http-profile.mjs';
import { ORIGIN_DELAY_MS, PAYLOAD, SCENARIOS } from './lib/http-scenarios.mjs';
import { wrk, wrkAvailable } from './lib/wrk.mjs';

const HELP = `usage: node bench/run.mjs http [options]

  --quick             smoke test: 1 round, 1 s per measurement, 0.5 s warm-up
  --rounds N          rounds (default 3)
  --duration S        seconds measured per scenario and round (default 5)
  --warmup S          seconds of load before each measurement, not counted (default 1)
  --connections N     connections (default 50)
  --client NAME       load generator: 'wrk' (one thread; a C program, so the client is not the
                      bottleneck; install it with your system's packages, e.g. apt-get install wrk),
                      'autocannon' (in this process; on a small machine it saturates a core before
                      the server does), or 'auto' (default: wrk if it is on PATH, else autocannon)
  --servers MODE      'warm' (default): every scenario's server is started once, checked and kept
                      running, and the rounds take turns among them, as wrk is run against
                      running servers; 'fresh': a new server process for every measurement
  --only NAME         only 'fastify' or 'express'
  --scenarios LIST    only these scenario ids (comma list): ${SCENARIOS.map((s) => s.id).join(', ')}
  --profile           run the servers under --cpu-prof (slower; figures not comparable) and print the
                      top frames of each scenario; profiles go to bench/results/http-profiles/
  --out FILE          also write the markdown report to FILE
  --help              this text`;

/** Issue 13: a Fastify hit at least this fraction of the ready-Buffer route. */
const GOAL_HIT_RATIO = 0.95;
/** Most a hit may cost more, by server CPU per request, with larderMetrics() than without (issue 15). */
const METRICS_BUDGET = 0.02;
const PROFILE_DIR = fileURLToPath(new URL('./results/http-profiles/', import.meta.url));
const SERVER = fileURLToPath(new URL('./lib/http-server.mjs', import.meta.url));

/**
 * @typedef {import('./lib/http-scenarios.mjs').Scenario} Scenario
 * @typedef {{ quick: boolean, rounds: number, duration: number, warmup: number, connections: number,
 *   scenarios: Scenario[], profile: boolean, out?: string, client: 'wrk' | 'autocannon',
 *   servers: 'warm' | 'fresh' }} Options
 * @typedef {{ rps: number, p50: number, p99: number, completed: number, serverCpuMicros: number,
 *   serverWallMs: number, clientCpuMicros: number, clientWallMs: number, problems: string[] }} Measurement
 */

const options = parseOptions(process.argv.slice(2));
if (options !== undefined) await main(options);

/**
 * @param {string[]} argv
 * @returns {Options | undefined}
 */
function parseOptions(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        quick: { type: 'boolean', default: false },
        rounds: { type: 'string' },
        duration: { type: 'string' },
        warmup: { type: 'string' },
        connections: { type: 'string' },
        client: { type: 'string', default: 'auto' },
        servers: { type: 'string', default: 'warm' },
        only: { type: 'string' },
        scenarios: { type: 'string' },
        profile: { type: 'boolean', default: false },
        out: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    return fail(/** @type {Error} */ (error).message);
  }
  if (values.help) {
    console.log(HELP);
    return undefined;
  }
  const number = (
    /** @type {string | undefined} */ text,
    /** @type {number} */ fallback,
    integer = false,
  ) => {
    if (text === undefined) return fallback;
    const n = Number(text);
    return Number.isFinite(n) && n > 0 && (!integer || Number.isInteger(n)) ? n : Number.NaN;
  };
  const quick = values.quick;
  const rounds = number(values.rounds, quick ? 1 : 3, true);
  const duration = number(values.duration, quick ? 1 : 5);
  const warmup = number(values.warmup, quick ? 0.5 : 1);
  const connections = number(values.connections, 50, true);
  for (const [name, value] of Object.entries({ rounds, duration, warmup, connections })) {
    if (Number.isNaN(value)) return fail(`--${name} takes a positive number`);
  }
  if (!['auto', 'wrk', 'autocannon'].includes(values.client)) {
    return fail(`--client takes 'auto', 'wrk' or 'autocannon'; got '${values.client}'`);
  }
  if (values.servers !== 'warm' && values.servers !== 'fresh') {
    return fail(`--servers takes 'warm' or 'fresh'; got '${values.servers}'`);
  }
  const hasWrk = values.client !== 'autocannon' && wrkAvailable();
  const client = values.client === 'auto' ? (hasWrk ? 'wrk' : 'autocannon') : values.client;
  if (client === 'wrk' && !hasWrk) return fail('--client wrk: wrk is not on PATH (apt-get install wrk)');
  if (values.only !== undefined && values.only !== 'fastify' && values.only !== 'express') {
    return fail(`--only takes 'fastify' or 'express'; got '${values.only}'`);
  }
  let scenarios = SCENARIOS.filter((s) => values.only === undefined || s.framework === values.only);
  if (values.scenarios !== undefined) {
    const ids = values.scenarios.split(',').map((id) => id.trim());
    const unknown = ids.filter((id) => !SCENARIOS.some((s) => s.id === id));
    if (unknown.length > 0) return fail(`unknown scenario ${unknown.join(', ')}`);
    scenarios = scenarios.filter((s) => ids.includes(s.id));
  }
  if (scenarios.length === 0) return fail('no scenario left to run');
  return {
    quick,
    rounds,
    duration,
    warmup,
    connections,
    scenarios,
    profile: values.profile,
    out: values.out,
    client,
    servers: values.servers,
  };
}

/**
 * @param {string} message
 * @returns {undefined}
 */
function fail(message) {
  console.error(`http: ${message}\n\n${HELP}`);
  process.exitCode = 1;
  return undefined;
}

/**
 * (max - min) / median of a list of measurements.
 * @param {number[]} values
 */
function spread(values) {
  return (Math.max(...values) - Math.min(...values)) / median(values);
}

/** A latency in ms: whole ms as autocannon gives them, two decimals below 10 ms from wrk. */
function formatLatency(/** @type {number} */ ms) {
  return `${Number.isInteger(ms) || ms >= 10 ? ms.toFixed(0) : ms.toFixed(2)} ms`;
}

/** @param {string} text */
function log(text) {
  process.stderr.write(`[http] ${text}\n`);
}

/** @param {Options} options */
async function main(options) {
  const started = performance.now();
  const loadAtStart = loadavg()[0];
  if (options.profile) mkdirSync(PROFILE_DIR, { recursive: true });
  /** @type {Map<string, Measurement[]>} */
  const results = new Map(options.scenarios.map((s) => [s.id, []]));
  const n = options.scenarios.length;
  /** @param {Scenario} s @param {Measurement} m @param {number} round */
  const record = (s, m, round) => {
    results.get(s.id)?.push(m);
    const problems = m.problems.length > 0 ? `; PROBLEM: ${m.problems.join('; ')}` : '';
    log(
      `round ${round + 1}/${options.rounds} ${s.id}: ${formatRate(m.rps)} req/s, p50 ${formatLatency(m.p50)}, p99 ${formatLatency(m.p99)} (${formatDuration(performance.now() - started)})${problems}`,
    );
  };
  /** @type {Map<string, Running>} */
  const running = new Map();
  /** @type {Map<string, string>} the profile of each scenario, summarised at the end */
  const profiles = new Map();
  try {
    if (options.servers === 'warm') {
      for (const s of options.scenarios) {
        running.set(s.id, await start(s, s.id, options));
        log(`started ${s.id}`);
      }
    }
    for (let round = 0; round < options.rounds; round++) {
      const shift = Math.round((round * n) / options.rounds);
      const order = options.scenarios.map((_, i) => options.scenarios[(i + shift) % n]);
      if (round % 2 === 1) order.reverse();
      for (const s of order) {
        if (options.servers === 'warm') {
          record(s, await measureOn(/** @type {Running} */ (running.get(s.id)), s, options), round);
          continue;
        }
        const fresh = await start(s, `${s.id}-round${round + 1}`, options);
        try {
          record(s, await measureOn(fresh, s, options), round);
        } finally {
          await stop(fresh);
        }
        if (fresh.profileFile !== undefined) {
          profiles.set(s.id, summarizeProfile(fresh.profileFile, fresh.responses));
        }
      }
    }
  } finally {
    for (const [id, r] of running) {
      await stop(r);
      if (r.profileFile !== undefined) profiles.set(id, summarizeProfile(r.profileFile, r.responses));
    }
  }
  const report = render(options, results, {
    elapsedMs: performance.now() - started,
    load: [loadAtStart, loadavg()[0]],
    profiles,
  });
  console.log(report);
  if (options.out !== undefined) {
    writeFileSync(options.out, `${report}\n`);
    log(`wrote ${options.out}`);
  }
  const failed = [...results.values()].some((ms) => ms.some((m) => m.problems.length > 0));
  if (failed) process.exitCode = 1;
}

/**
 * A scenario's server, started and checked: what `measureOn` loads and `stop` ends.
 * @typedef {{ server: import('node:child_process').ChildProcess, exited: Promise<unknown>,
 *   origin: string, problems: string[], responses: number, profileFile?: string }} Running
 */

/**
 * Fork a scenario's server and check with real requests that it answers as the scenario says (a hit
 * is a hit). `name` names its profile under --profile.
 * @param {Scenario} s
 * @param {string} name
 * @param {Options} options
 * @returns {Promise<Running>}
 */
async function start(s, name, options) {
  const profileName = `${name}.cpuprofile`;
  const execArgv = options.profile
    ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=${profileName}`]
    : [];
  const server = fork(SERVER, [s.id], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise((resolve) => server.once('exit', resolve));
  try {
    const { port } = await reply(server, undefined, 'ready');
    const origin = `http://127.0.0.1:${port}`;
    const problems = await check(s, origin);
    return {
      server,
      exited,
      origin,
      problems,
      // the checks' responses
      responses: 2,
      profileFile: options.profile ? `${PROFILE_DIR}${profileName}` : undefined,
    };
  } catch (error) {
    server.kill();
    await exited;
    throw error;
  }
}

/** Ask a server to exit (a --cpu-prof profile is written then), and wait for it. */
async function stop(/** @type {Running} */ running) {
  running.server.send('exit');
  await running.exited;
}

/**
 * One measurement of a running server: load it for the warm-up, then measure, then collect the
 * server's own counts since the mark.
 * @param {Running} running
 * @param {Scenario} s
 * @param {Options} options
 * @returns {Promise<Measurement>}
 */
async function measureOn(running, s, options) {
  const { server, origin } = running;
  /** @type {string[]} */
  const problems = [...running.problems];
  /**
   * @param {number} seconds
   * @returns {Promise<{ total: number, p50: number, p99: number, errors: number, timeouts: number,
   *   unexpected: number, clientCpuMicros: number }>} unexpected: responses of another status class
   *   than the scenario's (wrk tells only 2xx and 3xx from the rest)
   */
  const load = async (seconds) => {
    if (options.client === 'wrk') {
      const r = await wrk({
        origin,
        path: s.path,
        unique: s.unique === true,
        connections: options.connections,
        seconds,
        headers: s.headers ?? {},
      });
      return { ...r, unexpected: r.notOk };
    }
    // a new URL per request for miss scenarios: a prefix per load, so that no load repeats another's
    const prefix = `${s.path}?r=${++loads}&i=`;
    let counter = 0;
    const cpu = process.cpuUsage();
    const r = await autocannon({
      url: origin,
      connections: options.connections,
      duration: seconds,
      headers: s.headers ?? {},
      requests: [
        s.unique
          ? { method: 'GET', setupRequest: (req) => ({ ...req, path: `${prefix}${++counter}` }) }
          : { method: 'GET', path: s.path },
      ],
    });
    const used = process.cpuUsage(cpu);
    const total = r.requests.total;
    return {
      total,
      p50: r.latency.p50,
      p99: r.latency.p99,
      errors: r.errors,
      timeouts: r.timeouts,
      unexpected: (s.status ?? 200) === 304 ? total - r['3xx'] : r.non2xx,
      clientCpuMicros: used.user + used.system,
    };
  };
  const warm = await load(options.warmup);

  await reply(server, 'mark', 'marked');
  const clientStart = performance.now();
  const result = await load(options.duration);
  const clientWallMs = performance.now() - clientStart;
  const report = await reply(server, 'report', 'report');
  running.responses += warm.total + result.total;

  if (result.errors > 0) problems.push(`${result.errors} connection errors`);
  if (result.timeouts > 0) problems.push(`${result.timeouts} timeouts`);
  const completed = result.total;
  if (result.unexpected > 0) {
    problems.push(`${result.unexpected} responses not ${(s.status ?? 200) === 304 ? '304' : '2xx'}`);
  }
  if (s.kind === 'hit' && report.originCalls > 0) {
    problems.push(`the origin ran ${report.originCalls} times while measuring hits`);
  }
  if (s.kind === 'hit' && report.stats !== undefined && report.stats.misses + report.stats.passes > 0) {
    problems.push(`${report.stats.misses} misses, ${report.stats.passes} passes while measuring hits`);
  }
  if (s.kind === 'miss' && report.stats !== undefined && report.stats.hits > 0) {
    problems.push(`${report.stats.hits} hits while measuring misses`);
  }
  if (s.kind === 'miss' && report.originCalls < completed) {
    problems.push(`${report.originCalls} origin calls for ${completed} responses`);
  }
  return {
    rps: (completed / clientWallMs) * 1000,
    p50: result.p50,
    p99: result.p99,
    completed,
    serverCpuMicros: report.cpuMicros,
    serverWallMs: report.wallMs,
    clientCpuMicros: result.clientCpuMicros,
    clientWallMs,
    problems,
  };
}

/** Loads run by autocannon so far: each miss load gets a URL prefix of its own. */
let loads = 0;

/**
 * Before loading a server, see with a real request that it answers as the scenario says: a hit
 * scenario's second request is a hit (Cache-Status for Larder, apicache's own headers), a miss is a
 * miss, and the body is the payload.
 * @param {Scenario} s
 * @param {string} origin
 * @returns {Promise<string[]>}
 */
async function check(s, origin) {
  const problems = [];
  let counter = 0;
  const nextPath = () => (s.unique ? `${s.path}?check=${++counter}` : s.path);
  /** @param {Record<string, string>} [headers] @param {number} [status] */
  const get = async (headers = {}, status = 200) => {
    const response = await fetch(`${origin}${nextPath()}`, { headers });
    const body = Buffer.from(await response.arrayBuffer());
    if (response.status !== status) problems.push(`status ${response.status}, expected ${status}`);
    if (status === 200 && !body.equals(PAYLOAD)) problems.push('body is not the payload');
    return response.headers;
  };
  // the first request stores (unconditional); a hit scenario's second is sent as the load sends them
  const first = await get();
  const headers = s.kind === 'hit' ? await get(s.headers, s.status) : first;
  const cacheStatus = headers.get('cache-status') ?? '';
  if (s.cache === 'larder' && s.kind === 'hit' && !/^larder; hit\b/.test(cacheStatus)) {
    problems.push(`expected a hit, Cache-Status is '${cacheStatus}'`);
  }
  if (s.cache === 'larder' && s.kind === 'miss' && !/^larder; fwd=miss\b/.test(cacheStatus)) {
    problems.push(`expected a miss, Cache-Status is '${cacheStatus}'`);
  }
  if (s.cache === 'apicache' && headers.get('apicache-store') === null) {
    problems.push('expected an apicache hit (apicache-store header), got none');
  }
  if (s.cache === 'none' && cacheStatus !== '') problems.push(`unexpected Cache-Status '${cacheStatus}'`);
  return problems;
}

/**
 * Send `message` (if any) to the server and wait for its reply of type `type`.
 * @param {import('node:child_process').ChildProcess} server
 * @param {string | undefined} message
 * @param {string} type
 * @returns {Promise<any>}
 */
function reply(server, message, type) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`server did not answer '${type}' within 30 s`)), 30_000);
    const onMessage = (/** @type {any} */ m) => {
      if (m?.type === type) done(undefined, m);
    };
    const onExit = (/** @type {number | null} */ code) => done(new Error(`server exited (code ${code})`));
    const done = (/** @type {Error | undefined} */ error, /** @type {any} */ value) => {
      clearTimeout(timer);
      server.off('message', onMessage);
      server.off('exit', onExit);
      if (error) reject(error);
      else resolve(value);
    };
    server.on('message', onMessage);
    server.once('exit', onExit);
    if (message !== undefined) server.send(message);
  });
}

/**
 * @param {Options} options
 * @param {Map<string, Measurement[]>} results
 * @param {{ elapsedMs: number, load: number[], profiles: Map<string, string> }} run
 * @returns {string}
 */
function render(options, results, run) {
  const cpu = cpus();
  const args = process.argv.slice(2);
  const out = [];
  out.push('# Larder HTTP benchmark', '');
  out.push(`- node ${process.version}, ${process.platform} ${process.arch}`);
  out.push(`- CPU: ${cpu[0]?.model.trim() ?? 'unknown'}, ${cpu.length} logical cores`);
  out.push(`- command: \`node bench/run.mjs http${args.length > 0 ? ` ${args.join(' ')}` : ''}\``);
  out.push(
    `- ${options.client === 'wrk' ? 'wrk, 1 thread' : 'autocannon'}, ${options.connections} connections, no pipelining, ${options.duration} s measured after ${options.warmup} s of warm-up, per scenario and round; ${options.rounds} round${options.rounds > 1 ? 's' : ''}, scenario order rotated (and reversed every other round); a cell is the median over the rounds`,
  );
  out.push(
    `- ${options.servers === 'warm' ? "each scenario's server started once and kept running through the rounds" : 'each measurement in a fresh server process'} on loopback; payload ${formatInt(PAYLOAD.length)} bytes of JSON from a ready Buffer`,
  );
  out.push(
    `- run time: ${formatDuration(run.elapsedMs)}; 1-minute load average at start / end: ${run.load.map((l) => l.toFixed(1)).join(' / ')}`,
  );
  if (options.profile)
    out.push('- **profiled run** (--cpu-prof on every server): figures are not comparable');
  out.push('');

  /** @param {string} id */
  const stat = (id) => {
    const ms = results.get(id) ?? [];
    if (ms.length === 0) return undefined;
    return {
      rps: median(ms.map((m) => m.rps)),
      p50: median(ms.map((m) => m.p50)),
      p99: median(ms.map((m) => m.p99)),
      cpuPerRequest: median(ms.map((m) => m.serverCpuMicros / m.completed)),
      serverLoad: median(ms.map((m) => m.serverCpuMicros / 1000 / m.serverWallMs)),
      clientLoad: median(ms.map((m) => m.clientCpuMicros / 1000 / m.clientWallMs)),
      spread: spread(ms.map((m) => m.rps)),
      cpuSpread: spread(ms.map((m) => m.serverCpuMicros / m.completed)),
      problems: [...new Set(ms.flatMap((m) => m.problems))],
    };
  };

  const rows = [];
  for (const s of options.scenarios) {
    const m = stat(s.id);
    if (m === undefined) continue;
    const ceiling = stat(`${s.framework}-ceiling`);
    rows.push([
      `${s.framework}: ${s.label}`,
      formatRate(m.rps),
      formatLatency(m.p50),
      formatLatency(m.p99),
      ceiling === undefined ? 'n/a' : `${(m.rps / ceiling.rps).toFixed(2)}x`,
      `${m.cpuPerRequest.toFixed(0)} µs`,
      formatPercent(m.serverLoad),
      formatPercent(m.clientLoad),
    ]);
  }
  out.push(
    markdownTable(
      ['scenario', 'req/s', 'p50', 'p99', 'vs ceiling', 'server CPU/req', 'server CPU', 'client CPU'],
      rows,
    ),
    '',
  );
  out.push(
    `req/s: responses completed / wall time. p50, p99: the client's latency percentiles. vs ceiling: req/s over the same framework's ceiling. server CPU/req: the server process's user + system CPU time over the measurement / responses (a machine-load-resistant cost per request). server CPU, client CPU: share of one core used by the server and by the client; a server near 100% is the bottleneck. The ${ORIGIN_DELAY_MS} ms origin rows bound req/s at ${options.connections} connections / ${ORIGIN_DELAY_MS} ms = ${formatRate((options.connections * 1000) / ORIGIN_DELAY_MS)}.`,
    '',
  );

  const goals = [];
  /**
   * @param {string} what
   * @param {string} a
   * @param {string} b
   * @param {number} factor
   */
  const goal = (what, a, b, factor) => {
    const x = stat(a);
    const y = stat(b);
    if (x === undefined || y === undefined) return;
    const ratio = x.rps / y.rps;
    const cpuRatio = y.cpuPerRequest / x.cpuPerRequest;
    const met = ratio >= factor;
    goals.push(
      `- ${met ? 'MET' : 'MISSED'}: ${what}: ${ratio.toFixed(2)}x by req/s (${formatRate(x.rps)} vs ${formatRate(y.rps)}); ${cpuRatio.toFixed(2)}x by server CPU per request`,
    );
  };
  goal(`Fastify hit >= ${GOAL_HIT_RATIO}x Fastify ceiling`, 'fastify-hit', 'fastify-ceiling', GOAL_HIT_RATIO);
  goal('Express cache.route hit >= 1.0x Express ceiling', 'express-hit', 'express-ceiling', 1);
  goal('Express cache.route hit >= 1.1x apicache hit', 'express-hit', 'express-apicache', 1.1);
  goal(
    '(reported) Express floor (a route middleware that only writes the Buffer) >= 1.1x apicache hit',
    'express-floor',
    'express-apicache',
    1.1,
  );
  goal('(reported) Fastify hit above bentocache getOrSet', 'fastify-hit', 'fastify-bentocache', 1.000001);
  goal('(reported) Express hit above bentocache getOrSet', 'express-hit', 'express-bentocache', 1.000001);
  goal(
    '(reported) Fastify 304 hit above @fastify/caching 304',
    'fastify-hit-304',
    'fastify-caching-304',
    1.000001,
  );
  goal(
    `(reported) Express app.use(cache) hit >= ${GOAL_HIT_RATIO}x Express ceiling`,
    'express-use-first',
    'express-ceiling',
    GOAL_HIT_RATIO,
  );
  goal(
    '(reported) Express app.use(cache) hit above apicache hit',
    'express-use-first',
    'express-apicache',
    1.000001,
  );
  /**
   * @param {string} what
   * @param {string} a the scenario with metrics
   * @param {string} b the same without
   */
  const cost = (what, a, b) => {
    const x = stat(a);
    const y = stat(b);
    if (x === undefined || y === undefined) return;
    const cpu = x.cpuPerRequest / y.cpuPerRequest - 1;
    const rps = 1 - x.rps / y.rps;
    const met = cpu <= METRICS_BUDGET;
    goals.push(
      `- ${met ? 'MET' : 'MISSED'}: ${what} within ${(METRICS_BUDGET * 100).toFixed(0)}% of the hit without: server CPU per request ${cpu >= 0 ? '+' : ''}${(cpu * 100).toFixed(1)}% (${x.cpuPerRequest.toFixed(1)} vs ${y.cpuPerRequest.toFixed(1)} µs); req/s ${rps >= 0 ? '-' : '+'}${Math.abs(rps * 100).toFixed(1)}% (${formatRate(x.rps)} vs ${formatRate(y.rps)})`,
    );
  };
  cost('Fastify hit with larderMetrics()', 'fastify-hit-metrics', 'fastify-hit');
  cost('Express hit with larderMetrics()', 'express-hit-metrics', 'express-hit');
  if (goals.length > 0) out.push('## Goals', '', ...goals, '');

  const notes = [];
  if (Math.max(...run.load) > cpu.length) {
    notes.push(
      `the machine was busy (1-minute load average up to ${Math.max(...run.load).toFixed(1)} on ${cpu.length} cores): other processes took CPU time from the server and from the client, so req/s and latency are low and noisy; server CPU/req and the ratios measured in the same run hold up better`,
    );
  }
  if (options.rounds > 1) {
    for (const [what, field] of /** @type {const} */ ([
      ['req/s', 'spread'],
      ['server CPU/req', 'cpuSpread'],
    ])) {
      const spreads = options.scenarios.map((s) => ({ id: s.id, spread: stat(s.id)?.[field] ?? 0 }));
      const worst = spreads.reduce((a, b) => (b.spread > a.spread ? b : a));
      notes.push(
        `round-to-round ${what} spread (max - min) / median: ${formatPercent(median(spreads.map((s) => s.spread)))} typical, ${formatPercent(worst.spread)} worst (${worst.id})`,
      );
    }
  }
  for (const s of options.scenarios) {
    const problems = stat(s.id)?.problems ?? [];
    if (problems.length > 0) notes.push(`PROBLEM in ${s.id}: ${problems.join('; ')}`);
  }
  if (notes.length > 0) out.push('## Notes', '', ...notes.map((n) => `- ${n}`), '');

  if (options.profile) {
    out.push(`## Profiles (${options.servers === 'warm' ? 'the whole run' : 'last round'}, self time)`, '');
    for (const s of options.scenarios) {
      const summary = run.profiles.get(s.id);
      if (summary !== undefined) out.push(`### ${s.id}`, '', summary, '');
    }
  }
  return out.join('\n');
}
