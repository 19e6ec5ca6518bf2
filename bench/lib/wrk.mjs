// wrk as the HTTP benchmark's load generator (`--client wrk`): one thread, N connections, as the
// project's goals are stated. wrk is a C program, so unlike autocannon the client is not the
// bottleneck on a small machine. It is not an npm package: install it from the system's packages
// (Debian: `apt-get install wrk`); `--client auto` uses it when it is on PATH.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether `wrk` can be run. */
export function wrkAvailable() {
  const probe = spawnSync('wrk', ['-v'], { stdio: 'ignore' });
  return probe.error === undefined;
}

/**
 * A Lua script for wrk that sends `path?i=<prefix>-<n>`, a new URL for every request (the miss
 * scenarios); the prefix (the script's argument) keeps runs apart.
 */
let uniqueScript;
function uniquePathScript() {
  if (uniqueScript !== undefined) return uniqueScript;
  uniqueScript = join(mkdtempSync(join(tmpdir(), 'larder-wrk-')), 'unique.lua');
  writeFileSync(
    uniqueScript,
    [
      'local prefix, n = "", 0',
      'function init(args) prefix = args[1] or "" end',
      'function request()',
      '  n = n + 1',
      '  return wrk.format(nil, wrk.path .. "?i=" .. prefix .. "-" .. n)',
      'end',
      '',
    ].join('\n'),
  );
  return uniqueScript;
}

/** `12.5us`, `1.02ms`, `1.5s` (wrk's units) in ms. */
function toMs(text) {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (match === null) return Number.NaN;
  const value = Number(match[1]);
  return match[2] === 'us'
    ? value / 1000
    : match[2] === 'ms'
      ? value
      : match[2] === 's'
        ? value * 1000
        : value * 60_000;
}

/** bash's `times`: "0m1.234s 0m0.567s" for the shell, then for its children; the children's in µs. */
function childCpuMicros(text) {
  const lines = text.trim().split('\n');
  const match = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s/.exec(lines.at(-1) ?? '');
  if (match === null) return Number.NaN;
  const seconds = Number(match[1]) * 60 + Number(match[2]) + Number(match[3]) * 60 + Number(match[4]);
  return seconds * 1e6;
}

let runs = 0;

/**
 * Load `origin + path` with wrk for `seconds` (rounded to whole seconds, at least 1).
 * @param {{ origin: string, path: string, unique: boolean, connections: number, seconds: number,
 *   headers: Record<string, string> }} load
 * @returns {Promise<{ total: number, p50: number, p99: number, errors: number, timeouts: number,
 *   notOk: number, clientCpuMicros: number }>} `notOk`: responses neither 2xx nor 3xx; latencies in ms
 */
export function wrk(load) {
  // wrk takes whole seconds
  const args = ['-t1', `-c${load.connections}`, `-d${Math.max(1, Math.round(load.seconds))}s`, '--latency'];
  for (const [name, value] of Object.entries(load.headers)) args.push('-H', `${name}: ${value}`);
  if (load.unique) args.push('-s', uniquePathScript());
  args.push(`${load.origin}${load.path}`);
  if (load.unique) args.push('--', `${process.pid}.${++runs}`);
  const quoted = args.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    // through bash, whose `times` gives wrk's own CPU time
    execFile('bash', ['-c', `wrk ${quoted} && times`], (error, stdout, stderr) => {
      if (error !== null) {
        reject(new Error(`wrk failed: ${(stderr || stdout).trim() || error.message}`));
        return;
      }
      const total = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? Number.NaN);
      const percentile = (p) => toMs(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(stdout)?.[1] ?? '');
      const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
      resolve({
        total,
        p50: percentile(50),
        p99: percentile(99),
        errors: socket === null ? 0 : Number(socket[1]) + Number(socket[2]) + Number(socket[3]),
        timeouts: socket === null ? 0 : Number(socket[4]),
        notOk: Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0),
        clientCpuMicros: childCpuMicros(stdout),
      });
    });
  });
}
