/**
 * Starts and stops real `redis-server` processes for tests: one instance, N independent instances
 * (Redlock), and a Redis Cluster of masters built with `redis-cli --cluster create`. Every process
 * listens on a free loopback port of its own (never the machine's shared Redis on 6379), keeps no
 * data on disk (`--save '' --appendonly no`), and lives in a temp dir removed on stop.
 *
 * Tests never skip when `redis-server` is missing: {@link startRedisServer} throws
 * {@link RedisServerMissingError}, whose message says how to install it.
 *
 * Every wait here is a bounded poll on a real process (its port answering `PING`, the cluster
 * reporting `cluster_state:ok`, a killed process exiting); none is a fixed sleep.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The loopback address every test server binds. */
export const REDIS_HOST = '127.0.0.1';

/** `redis-server` or `redis-cli` is not installed: tests fail with this, never skip. */
export class RedisServerMissingError extends Error {
  constructor(binary: string) {
    super(
      `${binary} was not found on PATH. The Redis tests of @larder/redis start their own Redis processes; ` +
        'install it (Debian/Ubuntu: `apt-get install -y redis-server`, macOS: `brew install redis`). ' +
        '.ci/run installs it in CI. These tests never skip.',
    );
    this.name = 'RedisServerMissingError';
  }
}

/** Options of {@link startRedisServer}. */
export interface RedisServerOptions {
  /** Run as a cluster node (`cluster-enabled yes`, its own `cluster-config-file` and bus port). */
  cluster?: boolean;
  /** More `redis-server` arguments, as `['--maxmemory', '10mb']`. */
  args?: readonly string[];
  /** How long to wait for the server to answer `PING`, in ms. @defaultValue 10_000 */
  startTimeout?: number;
}

/** A running (or stopped, between `kill` and `restart`) `redis-server` process. */
export interface RedisServer {
  readonly host: string;
  readonly port: number;
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  /** The temp dir of this process (cluster config, logs). */
  readonly dir: string;
  /** Whether the process is running. */
  readonly running: boolean;
  /** The process id, or `undefined` while stopped. */
  readonly pid: number | undefined;
  /** Run `redis-cli` against this server; resolves its trimmed stdout (rejects on a non-zero exit). */
  cli(...args: string[]): Promise<string>;
  /**
   * Stop the process abruptly (SIGKILL by default, as a crash; pass `'SIGTERM'` for a clean
   * shutdown) and wait until it has exited. The port stays reserved for {@link restart}.
   */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Start the process again on the same port (and, for a cluster node, with its saved cluster config). */
  restart(): Promise<void>;
  /** Freeze the process (SIGSTOP): connections stay open, nothing answers; a slow Redis, to the client. */
  freeze(): void;
  /** Resume a frozen process (SIGCONT). */
  thaw(): void;
  /** Stop for good: SIGTERM, then SIGKILL after a grace period; removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

/** A Redis Cluster of masters (no replicas) started by {@link startRedisCluster}. */
export interface RedisClusterHandle {
  readonly nodes: readonly RedisServer[];
  /** The nodes' addresses, as cluster clients take them for discovery. */
  readonly rootNodes: readonly { host: string; port: number }[];
  /** Run `redis-cli` against every node; resolves their outputs. */
  cliAll(...args: string[]): Promise<string[]>;
  /**
   * Waits (bounded poll) until every running node reports `cluster_state:ok` and knows every node:
   * after `restart()` of a node, say. @defaultValue timeout 30 s
   */
  waitHealthy(timeout?: number): Promise<void>;
  /** Stop every node. Idempotent. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kill every child still alive if the test process exits without stopping them (a crash, a timeout). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

let checkedBinaries = false;

/**
 * Throws {@link RedisServerMissingError} unless `redis-server` and `redis-cli` run with `env`'s
 * `PATH`. Checked once per process for the real environment.
 */
export function assertRedisInstalled(env: NodeJS.ProcessEnv = process.env): void {
  const real = env === process.env;
  if (real && checkedBinaries) return;
  for (const binary of ['redis-server', 'redis-cli']) {
    const result = spawnSync(binary, ['--version'], { encoding: 'utf8', env });
    if (result.error !== undefined || result.status !== 0) throw new RedisServerMissingError(binary);
  }
  if (real) checkedBinaries = true;
}

/** A free loopback TCP port: bind port 0, read what the OS picked, release it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, REDIS_HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** Resolves after `ms`; only for polling a real process, never as a fixed wait in a test. */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Whether a `PING` on a raw socket gets `+PONG` (or `-LOADING`: alive, not ready) within `timeout`. */
function ping(port: number, timeout = 500): Promise<'pong' | 'no'> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: REDIS_HOST, port });
    let data = '';
    const done = (result: 'pong' | 'no') => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeout, () => done('no'));
    socket.once('error', () => done('no'));
    socket.once('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (data.includes('\r\n')) done(data.startsWith('+PONG') ? 'pong' : 'no');
    });
  });
}

/** Whether the server on `port` answers `PING` within `timeout` ms (raw socket, no client library). */
export async function isAnswering(port: number, timeout = 500): Promise<boolean> {
  return (await ping(port, timeout)) === 'pong';
}

/** Polls `check` every `interval` ms until it returns true, or throws `message()` after `timeout` ms. */
export async function pollUntil(
  check: () => boolean | Promise<boolean>,
  timeout: number,
  message: () => string,
  interval = 25,
): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(message());
    await pause(interval);
  }
}

/** Runs `redis-cli -h 127.0.0.1 -p PORT ARGS...`; resolves its trimmed stdout, rejects on a non-zero exit. */
export function redisCli(port: number, ...args: string[]): Promise<string> {
  return runCli(port, args);
}

function runCli(port: number, args: readonly string[], timeout = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'redis-cli',
      ['-h', REDIS_HOST, '-p', String(port), ...args],
      { timeout, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error)
          reject(new Error(`redis-cli ${args.join(' ')} failed: ${stderr || stdout || error.message}`));
        else resolve(stdout.trim());
      },
    );
  });
}

class ServerProcess implements RedisServer {
  readonly host = REDIS_HOST;
  readonly port: number;
  readonly dir: string;
  readonly #args: readonly string[];
  readonly #startTimeout: number;
  #child: ChildProcess | undefined;
  #output = '';
  #exited: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(port: number, dir: string, args: readonly string[], startTimeout: number) {
    this.port = port;
    this.dir = dir;
    this.#args = args;
    this.#startTimeout = startTimeout;
  }

  get url(): string {
    return `redis://${REDIS_HOST}:${this.port}`;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Spawns the process and waits until it answers PING; rejects with its output if it exits first. */
  async start(): Promise<void> {
    this.#output = '';
    const child = spawn('redis-server', this.#args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    live.add(child);
    const keep = (chunk: Buffer) => {
      this.#output = (this.#output + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let exitedEarly = false;
    this.#exited = new Promise((resolve) => {
      child.once('exit', () => {
        exitedEarly = true;
        live.delete(child);
        if (this.#child === child) this.#child = undefined;
        resolve();
      });
      child.once('error', () => {
        exitedEarly = true;
        live.delete(child);
        if (this.#child === child) this.#child = undefined;
        resolve();
      });
    });
    await pollUntil(
      async () => exitedEarly || (await ping(this.port)) === 'pong',
      this.#startTimeout,
      () =>
        `redis-server on port ${this.port} did not answer PING within ${this.#startTimeout} ms:\n${this.#output}`,
    );
    if (exitedEarly) throw new StartFailure(this.port, this.#output);
  }

  cli(...args: string[]): Promise<string> {
    return runCli(this.port, args);
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    child.kill(signal);
    await this.#exited;
  }

  freeze(): void {
    this.#child?.kill('SIGSTOP');
  }

  thaw(): void {
    this.#child?.kill('SIGCONT');
  }

  async restart(): Promise<void> {
    if (this.#stopped) throw new Error(`redis-server on port ${this.port} was stopped for good`);
    await this.kill('SIGKILL');
    // the port was ours a moment ago; another process grabbing it in between is the only failure,
    // and then the test should fail loudly rather than talk to a stranger
    await this.start();
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    const child = this.#child;
    if (child !== undefined) {
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      const exited = await Promise.race([this.#exited.then(() => true), pause(3000).then(() => false)]);
      if (!exited) {
        child.kill('SIGKILL');
        await this.#exited;
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

class StartFailure extends Error {
  readonly portInUse: boolean;
  constructor(port: number, output: string) {
    super(`redis-server on port ${port} exited during start:\n${output}`);
    this.portInUse = /address already in use|could not create server tcp listening socket/i.test(output);
  }
}

/**
 * Starts one `redis-server` on a free loopback port, with no persistence, and waits until it answers
 * `PING`. A port taken between choosing and binding is retried with another.
 *
 * @throws {@link RedisServerMissingError} when `redis-server` is not installed.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  assertRedisInstalled();
  installExitHook();
  const startTimeout = options.startTimeout ?? 10_000;
  let lastError: unknown;
  for (let attempt = 0; attempt < 8; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), `larder-redis-${port}-`));
    const args = [
      '--port',
      String(port),
      '--bind',
      REDIS_HOST,
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--daemonize',
      'no',
      '--logfile',
      '',
      '--loglevel',
      'warning',
    ];
    if (options.cluster) {
      const busPort = await freePort();
      args.push(
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, 'nodes.conf'),
        '--cluster-port',
        String(busPort),
        '--cluster-node-timeout',
        '5000',
      );
    }
    args.push(...(options.args ?? []));
    const server = new ServerProcess(port, dir, args, startTimeout);
    try {
      await server.start();
      return server;
    } catch (error) {
      await server.stop();
      lastError = error;
      if (!(error instanceof StartFailure && error.portInUse)) throw error;
    }
  }
  throw lastError;
}

/** Starts `count` independent instances (as `Redlock` needs), in parallel. */
export async function startRedisServers(
  count: number,
  options: RedisServerOptions = {},
): Promise<RedisServer[]> {
  const results = await Promise.allSettled(Array.from({ length: count }, () => startRedisServer(options)));
  const servers = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all(servers.map((s) => s.stop()));
    throw failed.reason;
  }
  return servers;
}

/**
 * Starts a Redis Cluster of `masters` masters and no replicas: `masters` cluster-enabled servers,
 * joined by `redis-cli --cluster create ... --cluster-replicas 0 --cluster-yes`, then waits until
 * every node reports `cluster_state:ok` and knows every other node.
 */
export async function startRedisCluster(
  options: { masters?: number; startTimeout?: number } = {},
): Promise<RedisClusterHandle> {
  const masters = options.masters ?? 3;
  const startTimeout = options.startTimeout ?? 30_000;
  const nodes = await startRedisServers(masters, { cluster: true });
  const handle: RedisClusterHandle = {
    nodes,
    rootNodes: nodes.map((n) => ({ host: n.host, port: n.port })),
    cliAll: (...args) => Promise.all(nodes.map((n) => n.cli(...args))),
    waitHealthy: (timeout = startTimeout) =>
      pollUntil(
        async () => {
          const infos = await Promise.all(
            nodes.filter((n) => n.running).map((n) => n.cli('CLUSTER', 'INFO').catch(() => '')),
          );
          return infos.every(
            (info) => info.includes('cluster_state:ok') && info.includes(`cluster_known_nodes:${masters}`),
          );
        },
        timeout,
        () => `the cluster on ports ${nodes.map((n) => n.port).join(', ')} did not reach cluster_state:ok`,
        50,
      ),
    stop: async () => {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
  try {
    await runCli(
      nodes[0]!.port,
      [
        '--cluster',
        'create',
        ...nodes.map((n) => `${n.host}:${n.port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      startTimeout,
    );
    await handle.waitHealthy();
  } catch (error) {
    await handle.stop();
    throw error;
  }
  return handle;
}
