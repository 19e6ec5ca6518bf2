// A private redis-server for the stampede benchmark and the redis-fleet example: a free loopback port,
// no persistence, a temp dir removed on stop. The same flags as the test harness of @larder/redis
// (packages/redis/test/support/redis-server.ts), in plain JavaScript so that `node` runs it as is.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free loopback TCP port: bind port 0, read what the OS picked, release it. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/** @param {number} port */
function ping(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let data = '';
    const done = (/** @type {boolean} */ ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (data.includes('\r\n')) done(data.startsWith('+PONG'));
    });
  });
}

/**
 * Starts `redis-server` on `port` (a free loopback port by default) and waits until it answers PING.
 * `kill()` ends it at once with SIGKILL, as a crash would.
 * @param {number} [port]
 * @returns {Promise<{ port: number, url: string, stop(): Promise<void>, kill(): Promise<void> }>}
 */
export async function startRedis(port) {
  const check = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (check.error !== undefined || check.status !== 0) {
    throw new Error(
      'redis-server was not found on PATH: install it (Debian/Ubuntu: apt-get install -y redis-server, ' +
        'macOS: brew install redis), or pass the URL of a Redis you run with REDIS_URL.',
    );
  }
  port ??= await freePort();
  const dir = mkdtempSync(join(tmpdir(), `larder-redis-${port}-`));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  args.push('--dir', dir, '--daemonize', 'no', '--logfile', '', '--loglevel', 'warning');
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 10_000;
  while (!(await ping(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`redis-server on port ${port} did not start`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', () => child.kill('SIGKILL'));
  return { port, url: `redis://127.0.0.1:${port}`, stop, kill };
}
