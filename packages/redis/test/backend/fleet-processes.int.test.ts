/**
 * The stampede protocol across real processes: four Node processes, each Fastify + @larder/fastify +
 * `createRedisBackend`, share one Redis (the run's shared server) and are hit over HTTP at once on
 * one cold key. Origin calls are counted in a file every process appends to.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { uniquePrefix } from '../support/clients.js';
import { type Fleet, startFleet } from './fleet.js';

const shared = inject('redis');

describe.each(['node-redis', 'ioredis'])('a fleet of 4 processes over %s', (client) => {
  let fleet: Fleet | undefined;
  afterEach(async () => {
    await fleet?.stop();
    fleet = undefined;
  });

  it('250 concurrent cold requests on each process: exactly one origin call', async () => {
    fleet = await startFleet(
      {
        REDIS_PORT: String(shared.single),
        PREFIX: uniquePrefix('procs'),
        CLIENT: client,
        ORIGIN_DELAY: '200',
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
  });
});
