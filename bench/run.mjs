#!/usr/bin/env node
// Benchmark dispatcher: `node bench/run.mjs <name> [options]` (the root `npm run bench -- <name>`).
// Each benchmark runs in a fresh Node process with the flags it needs, so one benchmark's heap and
// JIT state never leak into another's figures.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** @type {Record<string, { file: string, nodeArgs: string[], summary: string }>} */
const BENCHMARKS = {
  core: {
    file: 'core.mjs',
    nodeArgs: ['--expose-gc'],
    summary: 'in-memory Cache against lru-cache, mnemonist, quick-lru and tiny-lru: ops/s and heap per entry',
  },
  stampede: {
    file: 'stampede.mjs',
    nodeArgs: [],
    summary:
      'a fleet of Fastify processes sharing one Redis, one cold key: origin calls and waiter latency with the lock, without it, without cache',
  },
  persist: {
    file: 'persist.mjs',
    nodeArgs: [],
    summary:
      "persistence: set throughput under each appendFsync, snapshot and load time and bytes per entry at 200k and 1M, beside Redis's RDB and AOF",
  },
  http: {
    file: 'http.mjs',
    nodeArgs: [],
    summary:
      'Fastify and Express under wrk (or autocannon): ceiling, Larder hit and miss, apicache hit: req/s, latency, server CPU per request',
  },
  dispatch: {
    file: 'dispatch.mjs',
    nodeArgs: [],
    summary:
      'the hit paths dispatched in-process (no sockets), applications taking turns: CPU per request against the ceiling, the floor and apicache',
  },
};

function usage() {
  const width = Math.max(...Object.keys(BENCHMARKS).map((name) => name.length));
  const lines = Object.entries(BENCHMARKS).map(
    ([name, { summary }]) => `  ${name.padEnd(width)}  ${summary}`,
  );
  return [
    'usage: node bench/run.mjs <benchmark> [options]   (npm run bench -- <benchmark> [options])',
    '',
    'benchmarks:',
    ...lines,
    '',
    'Pass --help after a benchmark name for its options.',
  ].join('\n');
}

const [name, ...args] = process.argv.slice(2);

if (name === '--help' || name === '-h') {
  console.log(usage());
} else if (name === undefined) {
  console.error(usage());
  process.exitCode = 1;
} else if (!Object.hasOwn(BENCHMARKS, name)) {
  console.error(`unknown benchmark '${name}'\n\n${usage()}`);
  process.exitCode = 1;
} else {
  const bench = BENCHMARKS[name];
  const file = fileURLToPath(new URL(bench.file, import.meta.url));
  const result = spawnSync(process.execPath, [...bench.nodeArgs, file, ...args], { stdio: 'inherit' });
  if (result.error) throw result.error;
  process.exitCode = result.status ?? 1;
}
