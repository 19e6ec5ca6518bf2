/**
 * Starts a fleet of real Node processes (`fixtures/fleet-node.mjs`: Fastify + @larder/fastify + a
 * shared Redis backend), each on its own free port, and counts their origin calls through a shared
 * file (one appended line per call).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('./fixtures/fleet-node.mjs', import.meta.url));
const BUILT = ['../../../fastify/dist/index.js', '../../dist/index.js', '../../../core/dist/index.js'];

/** One process of the fleet. */
export interface FleetNode {
  readonly port: number;
  readonly child: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  /** `GET /item/<id>` on this node: status, body and how long it took (ms). */
  get(id: string): Promise<{ status: number; body: string; ms: number }>;
  /** The node's engine, L1/L2 and breaker counters. */
  stats(): Promise<{
    engine: Record<string, number>;
    tiered: Record<string, number>;
    breaker: { state: string } & Record<string, number>;
    /** The Redis failures the node's backend absorbed, as `context: error`. */
    errors: string[];
  }>;
}

/** A started fleet. */
export interface Fleet {
  readonly nodes: FleetNode[];
  /** Origin calls so far, as `[pid, id]` pairs. */
  calls(): [number, string][];
  /** Stop every node still running (SIGTERM, then SIGKILL) and remove the counter file. */
  stop(): Promise<void>;
}

/** Fails clearly when the packages the fleet processes import have not been built. */
function assertBuilt(): void {
  for (const path of BUILT) {
    const file = fileURLToPath(new URL(path, import.meta.url));
    if (!existsSync(file)) {
      throw new Error(
        `${file} is missing: the fleet processes import the built packages; run \`npm run build\``,
      );
    }
  }
}

async function startNode(env: NodeJS.ProcessEnv): Promise<FleetNode> {
  const child = spawn(process.execPath, [FIXTURE], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error(`fleet node did not start:\n${stderr}`)), 120_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`fleet node exited with ${code}:\n${stderr}`));
    });
  });
  return {
    port,
    child,
    exited,
    async get(id) {
      const started = performance.now();
      const { status, body } = await httpGet(port, `/item/${id}`);
      return { status, body, ms: performance.now() - started };
    },
    async stats() {
      return JSON.parse((await httpGet(port, '/stats')).body) as never;
    },
  };
}

/**
 * `GET path` on the node at `port`. Every request names the same host, as requests behind one load
 * balancer would: the host is part of the cache key.
 */
export function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host: 'fleet.test' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Starts `envs.length` nodes, node `i` with `envs[i]` on top of `common`. */
export async function startFleet(common: NodeJS.ProcessEnv, envs: NodeJS.ProcessEnv[]): Promise<Fleet> {
  assertBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'larder-fleet-'));
  const counter = join(dir, 'origin-calls.log');
  const started = await Promise.allSettled(
    envs.map((env) => startNode({ ...common, COUNTER_FILE: counter, ...env })),
  );
  const nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const stop = async () => {
    await Promise.all(
      nodes.map(async (node) => {
        if (node.child.exitCode !== null || node.child.signalCode !== null) return;
        node.child.kill('SIGTERM');
        const timer = setTimeout(() => node.child.kill('SIGKILL'), 3000);
        await node.exited;
        clearTimeout(timer);
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  const failed = started.find((s) => s.status === 'rejected');
  if (failed !== undefined) {
    await stop();
    throw failed.reason;
  }
  return {
    nodes,
    calls: () => {
      if (!existsSync(counter)) return [];
      return readFileSync(counter, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => {
          const [pid, id] = line.split(' ');
          return [Number(pid), id!];
        });
    },
    stop,
  };
}
