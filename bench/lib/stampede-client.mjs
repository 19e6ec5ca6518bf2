// The stampede benchmark's clients for the fresh-fleet burst: what a lean outside measurer (wrk, ab)
// would see, not what Node's HTTP client costs on the same two cores. `c`: bench/lib/stampede-client.c,
// compiled once into the temp dir when a C compiler is on PATH (an epoll loop: about 60 ms of CPU for
// 1,000 requests on the 2-core VM, nearly all of it the kernel's loopback TCP). `raw`, below, is its
// Node fallback (about 140-200 ms of CPU for the same burst). Both: one TCP socket per
// request, opened at the burst (the fleet is fresh: no connection beforehand), writing one pre-built
// GET as soon as it connects and reading one response: the status line, Cache-Status and a
// Content-Length body. The sockets are issued round-robin over the processes, so that each receives
// its requests at the same time as the others, and kept open until the whole burst is answered (as a
// keep-alive client would), so that no server spends the burst closing connections.
//
// Each request is timed from the moment its socket is opened to the last byte of its response.
// `warmUp()` runs the client's own code against a throwaway server in this process first, so that the
// burst is measured by JIT-compiled code, as a C client would measure it.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const HEAD_END = '\r\n\r\n';

/**
 * @typedef {{ status: number, cacheStatus: string, ms: number,
 *   at: { sent: number, connected?: number, head?: number } }} BurstResult
 */

/**
 * Sends `perTarget` concurrent GETs of each target's `path` at once.
 * @param {{ port: number, path: string }[]} targets
 * @param {number} perTarget
 * @param {string} host the Host header every request carries
 * @returns {Promise<{ results: BurstResult[], cpuMs: number }>} results grouped by target (target 0's
 *   `perTarget` first), and the CPU time this process spent from the first socket to the last answer
 */
export function burst(targets, perTarget, host) {
  const cpu = process.cpuUsage();
  const requests = targets.map(({ path }) =>
    Buffer.from(`GET ${path} HTTP/1.1\r\nhost: ${host}\r\nconnection: keep-alive\r\n\r\n`, 'latin1'),
  );
  /** @type {BurstResult[]} */
  const results = new Array(targets.length * perTarget);
  /** @type {import('node:net').Socket[]} */
  const sockets = [];
  let pending = results.length;
  return new Promise((resolve) => {
    const done = () => {
      if (--pending > 0) return;
      const used = process.cpuUsage(cpu);
      for (const socket of sockets) socket.destroy();
      resolve({ results, cpuMs: (used.user + used.system) / 1000 });
    };
    for (let i = 0; i < perTarget; i++) {
      for (let t = 0; t < targets.length; t++) {
        sockets.push(one(targets[t].port, requests[t], t * perTarget + i, results, done));
      }
    }
  });
}

/** One request on its own new socket; fills `results[slot]`, then calls `done` (also on a failure). */
function one(port, bytes, slot, results, done) {
  const started = performance.now();
  /** @type {BurstResult} */
  const result = { status: 0, cacheStatus: '', ms: 0, at: { sent: performance.timeOrigin + started } };
  results[slot] = result;
  let text = '';
  let bodyStart = -1;
  let length = -1;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    result.ms = performance.now() - started;
    done();
  };
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  socket.write(bytes);
  socket.once('connect', () => {
    result.at.connected = performance.timeOrigin + performance.now();
  });
  socket.on('data', (chunk) => {
    text += chunk.toString('latin1');
    if (bodyStart < 0) {
      const end = text.indexOf(HEAD_END);
      if (end < 0) return;
      result.at.head = performance.timeOrigin + performance.now();
      bodyStart = end + HEAD_END.length;
      const head = text.slice(0, end).toLowerCase();
      result.status = Number(head.slice(9, 12));
      result.cacheStatus = field(head, 'cache-status');
      length = Number(field(head, 'content-length') || 0);
    }
    if (text.length - bodyStart >= length) finish();
  });
  socket.on('error', () => {
    result.status = 0;
    finish();
  });
  socket.on('close', () => {
    if (!finished) result.status = 0;
    finish();
  });
  return socket;
}

/** The value of header `name` (lower-case) in a lower-cased head, or ''. */
function field(head, name) {
  const at = head.indexOf(`\r\n${name}:`);
  if (at < 0) return '';
  const end = head.indexOf('\r\n', at + 2);
  return head.slice(at + name.length + 3, end < 0 ? undefined : end).trim();
}

/**
 * Runs `rounds` bursts of `perTarget` × 4 requests against a throwaway server of this process that
 * answers like the fleet does, so that the client's code is compiled before it measures anything.
 */
export async function warmUp(perTarget = 250, rounds = 5) {
  const body = '{"id":"warm","pid":0}';
  const answer = Buffer.from(
    `HTTP/1.1 200 OK\r\ncontent-type: application/json; charset=utf-8\r\ncache-status: Larder; hit\r\n` +
      `content-length: ${body.length}\r\nconnection: keep-alive\r\n\r\n${body}`,
    'latin1',
  );
  const server = createServer((socket) => {
    socket.once('data', () => socket.write(answer));
    socket.on('error', () => {});
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  try {
    for (let r = 0; r < rounds; r++) {
      await burst(
        Array.from({ length: 4 }, () => ({ port, path: '/warm' })),
        perTarget,
        'fleet.bench',
      );
    }
  } finally {
    await new Promise((resolve) => server.close(() => resolve(undefined)));
  }
}

const C_SOURCE = fileURLToPath(new URL('./stampede-client.c', import.meta.url));

/**
 * The C client's executable, compiled on first use (`cc -O2`) into the temp dir under a name that
 * follows its source; undefined when no C compiler is on PATH.
 * @returns {string | undefined}
 */
export function compiledClient() {
  const source = readFileSync(C_SOURCE);
  const hash = createHash('sha1').update(source).digest('hex').slice(0, 12);
  const dir = join(tmpdir(), 'larder-bench');
  const binary = join(dir, `stampede-client-${hash}`);
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  for (const cc of [process.env.CC, 'cc', 'gcc', 'clang']) {
    if (cc === undefined || cc === '') continue;
    const built = spawnSync(cc, ['-O2', '-o', binary, C_SOURCE], { stdio: 'ignore' });
    if (built.error === undefined && built.status === 0) return binary;
  }
  return undefined;
}

/**
 * Starts the C client for one burst and waits until it is ready; `fire()` sends the burst and
 * resolves what {@link burst} resolves, plus `start` (ms since the epoch: the first socket opened).
 * @param {string} binary from {@link compiledClient}
 * @param {{ port: number, path: string }[]} targets (one path for all)
 * @param {number} perTarget
 * @param {string} host
 */
export async function readyClient(binary, targets, perTarget, host) {
  const child = spawn(
    binary,
    [host, targets[0].path, String(perTarget), ...targets.map((t) => String(t.port))],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout });
  /** @type {string[]} */
  const out = [];
  let ready;
  const isReady = new Promise((resolve) => {
    ready = resolve;
  });
  lines.on('line', (line) => {
    if (line === 'ready') ready(undefined);
    else out.push(line);
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await Promise.race([isReady, exited]);
  return {
    async fire() {
      child.stdin.end('go\n');
      await exited;
      const cpu = Number(out.pop()?.split(' ')[1]);
      const ms = (ns) => (ns === 0 ? undefined : ns / 1e6);
      /** @type {BurstResult[]} */
      const results = out.map((line) => {
        const [, status, hit, opened, connected, head, end] = line.split(' ').map(Number);
        return {
          status,
          cacheStatus: hit === 1 ? 'Larder; hit' : '',
          ms: (end - opened) / 1e6,
          at: { sent: opened / 1e6, connected: ms(connected), head: ms(head) },
        };
      });
      return { results, cpuMs: cpu, start: Math.min(...results.map((r) => r.at.sent)) };
    },
    kill: () => child.kill('SIGKILL'),
  };
}
