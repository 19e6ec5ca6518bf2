/**
 * The stampede protocol across real processes: four freshly started Node processes, each Fastify +
 * @larder/fastify + `createRedisBackend` with its default command timeout, share one Redis (the
 * run's shared server) and are hit over HTTP at once on one cold key, 250 concurrent requests each.
 * Origin calls are counted in a file every process appends to. The same again with every CPU of the
 * machine kept busy by other processes: a busy event loop must not make Redis look down.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { DEFAULT_BACKEND_COMMAND_TIMEOUT } from '../../src/index.js';
import { uniquePrefix } from '../support/clients.js';
import { type Fleet, startFleet } from './fleet.js';

const shared = inject('redis');

/** Processes that keep every CPU busy until killed. */
function saturate(): ChildProcess[] {
  return Array.from({ length: availableParallelism() }, () =>
    spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
  );
}

describe.each(['node-redis', 'ioredis'])('a fleet of 4 processes over %s', (client) => {
  let fleet: Fleet | undefined;
  let burners: ChildProcess[] = [];
  afterEach(async () => {
    for (const burner of burners) burner.kill('SIGKILL');
    burners = [];
    await fleet?.stop();
    fleet = undefined;
  });

  async function stampede(): Promise<void> {
    fleet = await startFleet(
      {
        REDIS_PORT: String(shared.single),
        PREFIX: uniquePrefix('procs'),
        CLIENT: client,
        ORIGIN_DELAY: '200',
        COMMAND_TIMEOUT: String(DEFAULT_BACKEND_COMMAND_TIMEOUT),
      },
      [{}, {}, {}, {}],
    );
    const results = await Promise.all(
      fleet.nodes.flatMap((node) => Array.from({ length: 250 }, () => node.get('cold'))),
    );
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    const calls = fleet.calls();
    expect(calls).toHaveLength(1);
    // every process answered with the one origin response
    const pids = new Set(results.map((r) => (JSON.parse(r.body) as { pid: number }).pid));
    expect([...pids]).toEqual([calls[0]![0]]);
    const stats = await Promise.all(fleet.nodes.map((n) => n.stats()));
    expect(stats.reduce((sum, s) => sum + s.engine.stores!, 0)).toBe(1);
    expect(stats.every((s) => s.breaker.state === 'closed')).toBe(true);
    // no Redis command timed out: not one process went on alone
    expect(stats.flatMap((s) => s.errors)).toEqual([]);
  }

  it('250 concurrent cold requests on each fresh process: exactly one origin call', stampede, 240_000);

  it('the same with every CPU saturated by other processes: still one origin call', async () => {
    burners = saturate();
    await stampede();
  }, 240_000);
});
