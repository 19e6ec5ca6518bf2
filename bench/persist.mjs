#!/usr/bin/env node
// Persistence benchmark (`npm run bench -- persist`): what each appendFsync policy costs `set`, and
// snapshot and load times and bytes per entry, beside Redis's own RDB (SAVE, DEBUG RELOAD) and AOF
// measured in the same run on the same machine, by a redis-server this script starts on a free
// loopback port with a temp dir (never the shared 6379).
//
//   node bench/run.mjs persist [--quick] [--sizes 200000,1000000]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Cache, persist } from '@larder/core';

const args = process.argv.slice(2);
if (args.includes('--help')) {
  console.log('usage: node bench/run.mjs persist [--quick] [--sizes 200000,1000000]');
  process.exit(0);
}
const quick = args.includes('--quick');
const sizesArg = args[args.indexOf('--sizes') + 1];
const SIZES = args.includes('--sizes')
  ? sizesArg.split(',').map(Number)
  : quick
    ? [200_000]
    : [200_000, 1_000_000];
const SET_OPS = quick ? 100_000 : 300_000;
const ALWAYS_MS = quick ? 1500 : 3000;

const temps = [];
function temp(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}
process.on('exit', () => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const cpuMs = (start) => {
  const u = process.cpuUsage(start);
  return (u.user + u.system) / 1000;
};

// ------------------------------------------------------------------ Redis

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A minimal RESP client: one command at a time, replies parsed enough for the commands used here. */
function connect(port) {
  const socket = createConnection({ port, host: '127.0.0.1' });
  let buffer = '';
  let waiting;
  socket.setEncoding('utf8');
  socket.on('data', (chunk) => {
    buffer += chunk;
    if (waiting === undefined) return;
    const reply = parseReply(buffer);
    if (reply === undefined) return;
    buffer = '';
    const w = waiting;
    waiting = undefined;
    if (reply instanceof Error) w.reject(reply);
    else w.resolve(reply);
  });
  const ready = new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return {
    ready,
    command(...parts) {
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject };
        socket.write(
          `*${parts.length}\r\n${parts.map((p) => `$${Buffer.byteLength(String(p))}\r\n${p}\r\n`).join('')}`,
        );
      });
    },
    close() {
      socket.destroy();
    },
  };
}

function parseReply(text) {
  const nl = text.indexOf('\r\n');
  if (nl < 0) return undefined;
  const type = text[0];
  const line = text.slice(1, nl);
  if (type === '+' || type === ':') return line;
  if (type === '-') return new Error(line);
  if (type === '$') {
    const n = Number(line);
    if (n < 0) return null;
    // bulk lengths are bytes; the replies used here are ASCII
    if (text.length < nl + 2 + n + 2) return undefined;
    return text.slice(nl + 2, nl + 2 + n);
  }
  return line;
}

async function startRedis() {
  const probe = spawnSync('redis-server', ['--version']);
  if (probe.error) return undefined;
  const port = await freePort();
  const dir = temp('larder-bench-redis-');
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--enable-debug-command',
      'yes',
      '--dbfilename',
      'dump.rdb',
      '--appendfilename',
      'appendonly.aof',
    ],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 200; i++) {
    try {
      const c = connect(port);
      await c.ready;
      await c.command('PING');
      return {
        port,
        dir,
        client: c,
        stop: () => {
          c.close();
          child.kill('SIGKILL');
        },
        version: probe.stdout.toString().trim(),
      };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  child.kill('SIGKILL');
  throw new Error('redis-server did not start');
}

async function time(fn) {
  const t0 = performance.now();
  const result = await fn();
  return { ms: performance.now() - t0, result };
}

/** redis-benchmark's SET throughput (one client, no pipelining: each SET waits for its reply). */
function redisSetThroughput(port, n) {
  const out = spawnSync(
    'redis-benchmark',
    ['-p', String(port), '-h', '127.0.0.1', '-t', 'set', '-n', String(n), '-c', '1', '-q', '-r', '100000'],
    {
      encoding: 'utf8',
    },
  );
  const match = /SET: ([\d.]+) requests per second/.exec(out.stdout ?? '');
  return match ? Number(match[1]) : Number.NaN;
}

// ------------------------------------------------------------------ Larder

function setLoop(cache, n, offset = 0) {
  for (let i = 0; i < n; i++) cache.set(`key:${i + offset}`, `value:${i + offset}`);
}

async function larderSetCost() {
  const rows = [];
  const measure = async (label, appendFsync) => {
    const cache = new Cache({ max: SET_OPS });
    let p;
    if (appendFsync !== undefined) {
      p = await persist(cache, {
        dir: temp('larder-bench-set-'),
        appendFsync,
        snapshotEvery: false,
        rewriteAfter: false,
      });
    }
    setLoop(cache, 20_000, 10_000_000); // warm up
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    let ops = 0;
    if (appendFsync === 'always') {
      while (performance.now() - t0 < ALWAYS_MS) {
        setLoop(cache, 50, ops);
        ops += 50;
      }
    } else {
      setLoop(cache, SET_OPS);
      ops = SET_OPS;
    }
    // the end-of-tick write belongs to the cost
    await new Promise((r) => setImmediate(r));
    const ms = performance.now() - t0;
    const cpuPerOp = (cpuMs(cpu) * 1000) / ops;
    const row = rows.find((r) => r.label === label);
    const opsPerSec = (ops / ms) * 1000;
    // best of the rounds: on a shared machine the slow runs measure the neighbours
    if (row === undefined) rows.push({ label, opsPerSec, cpuUsPerOp: cpuPerOp });
    else {
      row.opsPerSec = Math.max(row.opsPerSec, opsPerSec);
      row.cpuUsPerOp = Math.min(row.cpuUsPerOp, cpuPerOp);
    }
    if (p) await p.close();
  };
  // rounds in rotation, so JIT warm-up and machine load fall on every variant alike
  for (let round = 0; round < 3; round++) {
    await measure('no persistence', undefined);
    await measure("appendFsync 'no'", 'no');
    await measure("appendFsync 'everysec'", 'everysec');
    if (round === 0) await measure("appendFsync 'always'", 'always');
  }
  return rows;
}

async function larderSnapshotLoad(n) {
  const dir = temp('larder-bench-snap-');
  const cache = new Cache({ max: n });
  const p = await persist(cache, { dir, appendFsync: 'no', snapshotEvery: false, rewriteAfter: false });
  setLoop(cache, n);
  await new Promise((r) => setImmediate(r));
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  // the CPU time the process used between two turns of the event loop: on a busy machine the wall
  // stall also counts time the process waited for a core, this does not
  let maxTurnCpuMs = 0;
  let ticking = true;
  let last = process.cpuUsage();
  const tick = () => {
    const now = process.cpuUsage();
    maxTurnCpuMs = Math.max(maxTurnCpuMs, (now.user - last.user + now.system - last.system) / 1000);
    last = now;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  const cpu = process.cpuUsage();
  const snap = await time(() => p.snapshot());
  const snapCpu = cpuMs(cpu);
  ticking = false;
  histogram.disable();
  const bytes = statSync(join(dir, 'cache.snapshot')).size;
  await p.close();
  const fresh = new Cache({ max: n });
  const cpu2 = process.cpuUsage();
  const load = await time(() => persist(fresh, { dir, snapshotEvery: false }));
  const loadCpu = cpuMs(cpu2);
  if (load.result.loaded.entries !== n) throw new Error(`loaded ${load.result.loaded.entries} of ${n}`);
  await load.result.close();
  return {
    snapshotMs: snap.ms,
    snapshotCpuMs: snapCpu,
    loadMs: load.ms,
    loadCpuMs: loadCpu,
    bytesPerEntry: bytes / n,
    maxStallMs: histogram.max / 1e6,
    maxTurnCpuMs,
  };
}

/** The redis-server process's CPU time so far (all its threads), ms, from INFO cpu. */
async function redisCpuMs(c) {
  const info = await c.command('INFO', 'cpu');
  const user = Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1]);
  const sys = Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1]);
  return (user + sys) * 1000;
}

async function redisSnapshotLoad(redis, n) {
  const c = redis.client;
  await c.command('FLUSHALL');
  await c.command('DEBUG', 'POPULATE', String(n), 'key');
  const cpu0 = await redisCpuMs(c);
  const save = await time(() => c.command('SAVE'));
  const cpu1 = await redisCpuMs(c);
  const bytes = statSync(join(redis.dir, 'dump.rdb')).size;
  // DEBUG RELOAD saves then loads; NOSAVE loads the file SAVE just wrote
  let loadMs;
  try {
    loadMs = (await time(() => c.command('DEBUG', 'RELOAD', 'NOSAVE'))).ms;
  } catch {
    loadMs = (await time(() => c.command('DEBUG', 'RELOAD'))).ms - save.ms;
  }
  const cpu2 = await redisCpuMs(c);
  const size = Number(await c.command('DBSIZE'));
  if (size !== n) throw new Error(`redis reloaded ${size} of ${n}`);
  return {
    saveMs: save.ms,
    loadMs,
    saveCpuMs: cpu1 - cpu0,
    loadCpuMs: cpu2 - cpu1,
    bytesPerEntry: bytes / n,
  };
}

async function redisAofCost(redis) {
  const c = redis.client;
  await c.command('FLUSHALL');
  const n = quick ? 20_000 : 50_000;
  const rows = [];
  await c.command('CONFIG', 'SET', 'appendonly', 'no');
  rows.push({ label: 'no AOF', opsPerSec: redisSetThroughput(redis.port, n) });
  await c.command('CONFIG', 'SET', 'appendonly', 'yes');
  // wait for the initial rewrite that turning AOF on starts
  for (let i = 0; i < 200; i++) {
    const info = await c.command('INFO', 'persistence');
    if (/aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const policy of ['no', 'everysec', 'always']) {
    await c.command('CONFIG', 'SET', 'appendfsync', policy);
    rows.push({
      label: `appendfsync ${policy}`,
      opsPerSec: redisSetThroughput(redis.port, policy === 'always' ? 1000 : n),
    });
  }
  await c.command('CONFIG', 'SET', 'appendonly', 'no');
  return rows;
}

// ------------------------------------------------------------------ run

const load = (await import('node:os')).loadavg();
console.log(
  `persist benchmark: node ${process.version}, load average ${load.map((l) => l.toFixed(1)).join(' ')} (2 shared cores: expect noise, read the ratios and CPU per op)`,
);

console.log(
  '\nLarder Cache.set throughput by appendFsync (string keys and values; best of 3 rotated rounds, always: 1 round):',
);
const setRows = await larderSetCost();
const base = setRows[0].opsPerSec;
for (const r of setRows) {
  console.log(
    `  ${r.label.padEnd(24)} ${fmt(r.opsPerSec).padStart(12)} ops/s  ${fmt(r.cpuUsPerOp, 2).padStart(7)} µs CPU/op  ratio ${fmt(r.opsPerSec / base, 3)}x`,
  );
}

const redis = await startRedis();
if (redis === undefined) console.log('\nredis-server not found: the Redis reference columns are skipped');
else console.log(`\nreference: ${redis.version}, port ${redis.port}, dir ${redis.dir}`);

if (redis) {
  console.log(
    '\nRedis SET throughput by appendfsync (redis-benchmark, 1 client, no pipelining; network round trip included):',
  );
  const rows = await redisAofCost(redis);
  const rbase = rows[0].opsPerSec;
  for (const r of rows)
    console.log(
      `  ${r.label.padEnd(24)} ${fmt(r.opsPerSec).padStart(12)} ops/s  ratio ${fmt(r.opsPerSec / rbase, 3)}x`,
    );
}

console.log('\nSnapshot and load (keys key:N, values value:N):');
for (const n of SIZES) {
  const ours = await larderSnapshotLoad(n);
  console.log(
    `  Larder ${fmt(n)}: snapshot ${fmt(ours.snapshotMs)} ms (CPU ${fmt(ours.snapshotCpuMs)} ms, longest event-loop stall ${fmt(ours.maxStallMs, 1)} ms, of which CPU ${fmt(ours.maxTurnCpuMs, 1)} ms), load ${fmt(ours.loadMs)} ms (CPU ${fmt(ours.loadCpuMs)} ms), ${fmt(ours.bytesPerEntry, 1)} bytes/entry`,
  );
  if (redis) {
    const theirs = await redisSnapshotLoad(redis, n);
    console.log(
      `  Redis  ${fmt(n)}: SAVE ${fmt(theirs.saveMs)} ms (CPU ${fmt(theirs.saveCpuMs)} ms), load ${fmt(theirs.loadMs)} ms (CPU ${fmt(theirs.loadCpuMs)} ms), ${fmt(theirs.bytesPerEntry, 1)} bytes/entry (RDB)`,
    );
    const ratio = (ours.snapshotMs + ours.loadMs) / (theirs.saveMs + theirs.loadMs);
    const cpuRatio = (ours.snapshotCpuMs + ours.loadCpuMs) / (theirs.saveCpuMs + theirs.loadCpuMs);
    const bar = n === 200_000 ? ` (bar: within 4x: ${ratio <= 4 ? 'met' : 'NOT met'})` : '';
    console.log(`  snapshot + load, Larder / Redis: wall ${fmt(ratio, 2)}x${bar}, CPU ${fmt(cpuRatio, 2)}x`);
  }
}
redis?.stop();
