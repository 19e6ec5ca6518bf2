// In-process dispatch benchmark: `npm run bench -- dispatch [options]`. The hit paths of the HTTP
// benchmark, without sockets: each request is a real Node IncomingMessage and ServerResponse on a
// socket that swallows what is written, handed to the application as Node's server would. All the
// applications live in this one process and take turns in short batches, so a busy machine slows
// them alike; each figure is the median CPU time per request over the batches. Each framework runs in
// a process of its own: sharing the engine's and Node's code with the other framework's objects (Express
// swaps the prototypes of every request and response) would slow both. It measures what the
// framework and the cache cost in JavaScript (a fraction of a microsecond shows), not the kernel's
// share of a real request: use `http` for that.
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { loadavg } from 'node:os';
import { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { markdownTable, median } from './lib/format.mjs';
import { PAYLOAD } from './lib/http-scenarios.mjs';

const HELP = `usage: node bench/run.mjs dispatch [options]

  --rounds N     batches per application (default 60)
  --batch N      requests per batch (default 3000)
  --only NAME    only 'fastify' or 'express'
  --help         this text`;

const CONTENT_TYPE = 'application/json; charset=utf-8';
/** The headers of a Larder hit, for the floors: what any cache answering with them writes at least. */
const HIT_HEADERS = {
  'content-type': CONTENT_TYPE,
  'content-length': String(PAYLOAD.length),
  etag: '"-HjOndzN0bZFh87UZ6V-9nXFKSU"',
  age: '0',
  'cache-status': 'larder; hit; ttl=3599',
};

/**
 * @typedef {(req: http.IncomingMessage, res: http.ServerResponse) => void} Dispatch
 * @typedef {{ id: string, framework: 'fastify' | 'express', label: string, build: () => Promise<Dispatch> }} App
 */

/** @type {App[]} */
const APPS = [
  {
    id: 'fastify-ceiling',
    framework: 'fastify',
    label: 'ceiling: route sends a ready Buffer, no cache',
    build: () => fastifyApp('none'),
  },
  {
    id: 'fastify-floor',
    framework: 'fastify',
    label: "floor: an onRequest hook writes the payload with a hit's five headers, no lookup",
    build: () => fastifyApp('floor'),
  },
  { id: 'fastify-hit', framework: 'fastify', label: 'larder hit', build: () => fastifyApp('larder') },
  {
    id: 'express-ceiling',
    framework: 'express',
    label: 'ceiling: route sends a ready Buffer, no cache',
    build: () => expressApp('none'),
  },
  {
    id: 'express-floor',
    framework: 'express',
    label: 'floor: a route middleware writes the payload with writeHead/end',
    build: () => expressApp('floor'),
  },
  {
    id: 'express-hit',
    framework: 'express',
    label: 'larder hit (cache.route on the route)',
    build: () => expressApp('larder'),
  },
  {
    id: 'express-use-first',
    framework: 'express',
    label: 'larder hit (app.use(cache) before the router)',
    build: () => expressApp('use-first'),
  },
  {
    id: 'express-apicache',
    framework: 'express',
    label: "apicache 1.6.3 hit (middleware('5 minutes') on the route)",
    build: () => expressApp('apicache'),
  },
];

/** @param {'none' | 'floor' | 'larder'} kind @returns {Promise<Dispatch>} */
async function fastifyApp(kind) {
  const { default: Fastify } = await import('fastify');
  const app = Fastify();
  let config = {};
  if (kind === 'larder') {
    const { default: larder } = await import('@larder/fastify');
    await app.register(larder);
    config = { cache: { ttl: '1h' } };
  }
  if (kind === 'floor') {
    app.addHook('onRequest', (_request, reply) => {
      const res = reply.raw;
      res.writeHead(200, HIT_HEADERS);
      reply.hijack();
      res.end(PAYLOAD);
    });
  }
  app.get('/payload', { config }, (_request, reply) => {
    reply.header('content-type', CONTENT_TYPE).send(PAYLOAD);
  });
  await app.ready();
  return (req, res) => app.server.emit('request', req, res);
}

/** @param {'none' | 'floor' | 'larder' | 'use-first' | 'apicache'} kind @returns {Promise<Dispatch>} */
async function expressApp(kind) {
  const { default: express } = await import('express');
  const app = express();
  /** @type {import('express').RequestHandler[]} */
  let perRoute = [];
  if (kind === 'larder' || kind === 'use-first') {
    const { larder } = await import('@larder/express');
    const cache = larder({ ttl: '1h' });
    if (kind === 'use-first') app.use(cache);
    else perRoute = [cache.route({ ttl: '1h' })];
  }
  if (kind === 'apicache') {
    const { default: apicache } = await import('apicache');
    perRoute = [apicache.middleware('5 minutes')];
  }
  if (kind === 'floor') {
    const head = { 'content-type': CONTENT_TYPE, 'content-length': String(PAYLOAD.length) };
    perRoute = [(_req, res) => res.writeHead(200, head).end(PAYLOAD)];
  }
  app.get('/payload', ...perRoute, (_req, res) => {
    res.set('content-type', CONTENT_TYPE);
    res.send(PAYLOAD);
  });
  return /** @type {Dispatch} */ (/** @type {unknown} */ (app));
}

/** A socket that takes whatever is written and sends nothing. */
class NullSocket extends Duplex {
  remoteAddress = '127.0.0.1';
  encrypted = false;
  _read() {}
  /** @param {unknown} _chunk @param {string} _encoding @param {() => void} done */
  _write(_chunk, _encoding, done) {
    done();
  }
  /** @param {unknown} _chunks @param {() => void} done */
  _writev(_chunks, done) {
    done();
  }
  setTimeout() {
    return this;
  }
  setNoDelay() {}
  setKeepAlive() {}
}

/**
 * One GET /payload through `dispatch`, resolved with its status when the response has finished.
 * @param {Dispatch} dispatch @param {NullSocket} socket @returns {Promise<number>}
 */
function request(dispatch, socket) {
  return new Promise((resolve) => {
    const req = new http.IncomingMessage(/** @type {any} */ (socket));
    req.method = 'GET';
    req.url = '/payload';
    req.headers = { host: '127.0.0.1:3000', 'user-agent': 'bench', accept: '*/*' };
    req.rawHeaders = ['Host', '127.0.0.1:3000', 'User-Agent', 'bench', 'Accept', '*/*'];
    req.httpVersionMajor = 1;
    req.httpVersionMinor = 1;
    req.httpVersion = '1.1';
    req.complete = true;
    req.push(null);
    const res = new http.ServerResponse(req);
    res.shouldKeepAlive = true;
    if (res.socket === null) res.assignSocket(/** @type {any} */ (socket));
    res.on('finish', () => {
      if (res.socket !== null) res.detachSocket(res.socket);
      resolve(res.statusCode);
    });
    dispatch(req, res);
  });
}

/** `count` requests through `dispatch`, 16 at a time; rejects unless every one is a 200. */
async function run(/** @type {Dispatch} */ dispatch, /** @type {number} */ count) {
  let left = count;
  let bad = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      const socket = new NullSocket();
      socket.setMaxListeners(0);
      while (left-- > 0) if ((await request(dispatch, socket)) !== 200) bad++;
    }),
  );
  if (bad > 0) throw new Error(`${bad} responses were not 200`);
}

/**
 * Measure the applications of one framework in this process.
 * @param {'fastify' | 'express'} framework @param {number} rounds @param {number} batch
 * @returns {Promise<{ id: string, framework: string, label: string, micros: number }[]>}
 */
async function measure(framework, rounds, batch) {
  const built = [];
  for (const app of APPS.filter((a) => a.framework === framework)) {
    const dispatch = await app.build();
    // warm: fills the caches and lets the JIT settle
    await run(dispatch, 20_000);
    built.push({ app, dispatch, /** @type {number[]} */ micros: [] });
  }
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? built : [...built].reverse();
    for (const b of order) {
      const before = process.cpuUsage();
      await run(b.dispatch, batch);
      const used = process.cpuUsage(before);
      b.micros.push((used.user + used.system) / batch);
    }
  }
  return built.map((b) => ({ id: b.app.id, framework, label: b.app.label, micros: median(b.micros) }));
}

async function main() {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '60' },
      batch: { type: 'string', default: '3000' },
      only: { type: 'string' },
      child: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return console.log(HELP);
  const rounds = Number(values.rounds);
  const batch = Number(values.batch);
  const frameworks = values.only === undefined ? ['fastify', 'express'] : [values.only];
  if (!Number.isInteger(rounds) || rounds < 1 || !Number.isInteger(batch) || batch < 1) {
    return fail('--rounds and --batch take positive integers');
  }
  if (!frameworks.every((f) => f === 'fastify' || f === 'express')) {
    return fail(`--only takes 'fastify' or 'express'; got '${values.only}'`);
  }
  if (values.child) {
    const framework = /** @type {'fastify' | 'express'} */ (frameworks[0]);
    console.log(JSON.stringify(await measure(framework, rounds, batch)));
    return;
  }
  const loadAtStart = loadavg()[0];
  const self = fileURLToPath(import.meta.url);
  /** @type {{ id: string, framework: string, label: string, micros: number }[]} */
  const results = [];
  for (const framework of frameworks) {
    const out = execFileSync(
      process.execPath,
      [self, '--child', '--only', framework, '--rounds', String(rounds), '--batch', String(batch)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    results.push(...JSON.parse(out.toString()));
  }
  /** @param {string} id */
  const cost = (id) => results.find((r) => r.id === id)?.micros ?? Number.NaN;
  const rows = results.map((r) => {
    const ceiling = cost(`${r.framework}-ceiling`);
    const floor = cost(`${r.framework}-floor`);
    const over = r.micros - floor;
    return [
      `${r.framework}: ${r.label}`,
      `${r.micros.toFixed(2)} µs`,
      `${(ceiling / r.micros).toFixed(3)}x`,
      `${over >= 0 ? '+' : ''}${over.toFixed(2)} µs`,
    ];
  });
  console.log('# Larder dispatch benchmark (in-process, no sockets)\n');
  console.log(
    `- node ${process.version}; per framework, one process; ${rounds} batches of ${batch} requests per application, taking turns (reversed every other round), 16 requests in flight; a figure is the median over the batches`,
  );
  console.log(
    `- 1-minute load average at start / end: ${loadAtStart.toFixed(1)} / ${loadavg()[0].toFixed(1)}\n`,
  );
  console.log(markdownTable(['application', 'CPU/request', 'vs ceiling', 'over the floor'], rows));
  const apicache = cost('express-apicache');
  if (Number.isFinite(apicache)) {
    console.log(
      `\napicache's hit over Larder's: cache.route ${(apicache / cost('express-hit')).toFixed(3)}x, app.use(cache) ${(apicache / cost('express-use-first')).toFixed(3)}x; over the floor: ${(apicache / cost('express-floor')).toFixed(3)}x`,
    );
  }
}

/** @param {string} message */
function fail(message) {
  console.error(`dispatch: ${message}\n\n${HELP}`);
  process.exitCode = 1;
}

await main();
