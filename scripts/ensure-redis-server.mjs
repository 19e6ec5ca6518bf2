#!/usr/bin/env node
/**
 * The first step of `npm test`: the Redis tests of @larder/redis (and the Valkey ones, which speak the
 * same protocol) start their own `redis-server` processes on free loopback ports. When
 * `redis-server` or `redis-cli` is missing, install it on Debian or Ubuntu when we are root (or have
 * password-less sudo), as CI does; otherwise stop here with the one command to run, instead of
 * failing dozens of tests later.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const has = (binary) => spawnSync(binary, ['--version'], { stdio: 'ignore' }).status === 0;
const missing = () => !has('redis-server') || !has('redis-cli');

if (missing()) {
  const debian = existsSync('/etc/debian_version') || /ID(_LIKE)?=.*(debian|ubuntu)/.test(osRelease());
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const sudo = !root && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
  const command = 'apt-get update && apt-get install -y redis-server';
  if (debian && (root || sudo)) {
    console.log(`npm test: redis-server is missing; installing it (${command})`);
    const prefix = root ? [] : ['sudo', '-n'];
    for (const args of [
      ['apt-get', 'update', '-qq'],
      ['apt-get', 'install', '-y', '-qq', 'redis-server'],
    ]) {
      const all = [...prefix, ...args];
      const run = spawnSync(all[0], all.slice(1), {
        stdio: 'inherit',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
      if (run.status !== 0) fail(`\`${all.join(' ')}\` failed`);
    }
    if (missing()) fail('redis-server is still missing after apt-get install');
  } else {
    fail('redis-server is missing');
  }
}

function osRelease() {
  try {
    return readFileSync('/etc/os-release', 'utf8');
  } catch {
    return '';
  }
}

function fail(reason) {
  const command =
    process.platform === 'darwin'
      ? 'brew install redis'
      : 'sudo apt-get update && sudo apt-get install -y redis-server';
  console.error(
    `npm test: ${reason}. The Redis tests start their own redis-server processes (never a shared one).\n` +
      `Run this, then npm test again:\n\n  ${command}\n`,
  );
  process.exit(1);
}
