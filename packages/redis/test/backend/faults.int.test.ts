/**
 * Redis is an efficiency aid, never a single point of failure. Each suite starts its own
 * `redis-server` (it kills, freezes and restarts it) and checks that no request fails because Redis
 * did: killed under load, frozen (slower than the command timeout), restarted (the breaker closes and
 * L2 is used again); and that a lock holder process killed with SIGKILL is replaced within
 * `lockTimeout`. Both client families run the in-process suites.
 */
import { HttpCache, type ResponseLike, StoreError, type TieredStore } from '@larder/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisBackend, type RedisBackend } from '../../src/index.js';
import { type ClientHandle, clientKinds, uniquePrefix } from '../support/clients.js';
import { pollUntil, type RedisServer, startRedisServer } from '../support/redis-server.js';
import { delay, get, type Outcome, ok, send } from './engine.js';
import { type Fleet, startFleet } from './fleet.js';

const COMMAND_TIMEOUT = 250;
const COOLDOWN = 300;
const kinds = clientKinds.filter((k) => k.name === 'node-redis 6 (RESP3)' || k.name === 'ioredis 5 (RESP2)');

describe.each(kinds)('$name: a shared backend when Redis fails', (kind) => {
  let server: RedisServer;
  let handles: ClientHandle[];
  let backends: RedisBackend[];
  let engines: HttpCache[];
  /** Origin calls by path. */
  const calls = new Map<string, number>();
  const states: string[] = [];
  const request = (engine: HttpCache, path: string) =>
    send(engine, get(path), async (): Promise<ResponseLike> => {
      calls.set(path, (calls.get(path) ?? 0) + 1);
      await delay(10);
      return ok('origin');
    });
  let probes = 0;
  /** Requests on new keys (an L1 hit never asks Redis, so never probes) until `done()`. */
  const drive = (engine: HttpCache, done: () => boolean, message: string) =>
    pollUntil(
      async () => {
        await request(engine, `/probe/${probes++}`);
        return done();
      },
      10_000,
      () => message,
      50,
    );

  beforeAll(async () => {
    server = await startRedisServer();
    handles = await Promise.all(Array.from({ length: 3 }, () => kind.single(server.port)));
    const prefix = uniquePrefix('faults');
    backends = handles.map((h, i) =>
      createRedisBackend({
        client: h.client,
        prefix,
        commandTimeout: COMMAND_TIMEOUT,
        breaker: { cooldown: COOLDOWN, onStateChange: (s) => i === 0 && states.push(s) },
        onError: () => {},
      }),
    );
    engines = backends.map((shared) => new HttpCache({ ttl: '1m', shared, onError: () => {} }));
    await Promise.all(engines.map((e) => (e.store as TieredStore).ready));
  });
  afterAll(async () => {
    server?.thaw();
    await Promise.all(engines?.map((e) => e.close()) ?? []);
    await Promise.all(backends?.map((b) => b.close()) ?? []);
    await Promise.all(handles?.map((h) => h.close()) ?? []);
    await server?.stop();
  });

  /**
   * 8 concurrent request loops per engine for `ms`, `during` running meanwhile: half on `keys` hot
   * keys (L1 hits once warm), half on keys never asked before (misses, which need Redis).
   */
  async function load(ms: number, keys: number, during: () => Promise<void>): Promise<Outcome[]> {
    const results: Outcome[] = [];
    const until = performance.now() + ms;
    const worker = async (engine: HttpCache, w: number) => {
      for (let i = 0; performance.now() < until; i++) {
        // requests arrive through I/O: an L1 hit resolves in microtasks only, and a loop of those
        // would starve the sockets that Redis replies come in on
        await new Promise<void>((resolve) => setImmediate(resolve));
        const started = performance.now();
        const path = w % 2 === 0 ? `/load/${(i * 7 + w) % keys}` : `/load/new/${w}/${i}`;
        const r = await request(engine, path);
        results.push({ ...r, doneAt: r.doneAt - started });
      }
    };
    await Promise.all([
      during(),
      ...engines.flatMap((e) => Array.from({ length: 8 }, (_, w) => worker(e, w))),
    ]);
    return results;
  }

  it('Redis killed during load: every request is still answered 200, and the breaker opens', async () => {
    const results = await load(1500, 40, async () => {
      await delay(500);
      await server.kill();
    });
    expect(results.length).toBeGreaterThan(100);
    expect(results.filter((r) => r.status !== 200 || r.body !== 'origin')).toEqual([]);
    // a request pays a command timeout or two for the dead Redis until the breaker opens, never more
    // (a claim is not attempted after a failure; waiting claims are ended by the heartbeat); a
    // timeout does not count the time this process's event loop was stalled, which the load of a
    // shared machine adds
    let slowest = 0;
    for (const r of results) slowest = Math.max(slowest, r.doneAt);
    expect(slowest).toBeLessThan(COMMAND_TIMEOUT * 4 + 500);
    expect(states).toContain('open');
    expect(backends[0]!.breaker!.stats().rejected).toBeGreaterThan(0);
  });

  it('Redis restarted: the breaker closes and L2 is used again', async () => {
    await server.restart();
    // the breaker half-opens on a call after the cool-down; requests drive it
    for (const [i, backend] of backends.entries()) {
      await drive(engines[i]!, () => backend.breaker!.state === 'closed', `breaker ${i} did not close`);
    }
    expect(states.slice(-2)).toEqual(['half-open', 'closed']);
    // a fill lands in Redis again, and the other engines read it from there (L2), not from the origin
    expect((await request(engines[0]!, '/after')).kind).toBe('miss');
    await pollUntil(
      async () => (await backends[0]!.store.get('GET example.com/after')) !== undefined,
      5000,
      () => '/after did not reach Redis',
    );
    for (const i of [1, 2]) {
      const l2Hits = (engines[i]!.store as TieredStore).stats().l2Hits;
      expect((await request(engines[i]!, '/after')).kind).toBe('hit');
      expect((engines[i]!.store as TieredStore).stats().l2Hits).toBe(l2Hits + 1);
    }
    expect(calls.get('/after')).toBe(1);
    // and the stampede protocol is back: one origin call for a cold key across the engines
    await Promise.all(engines.flatMap((e) => Array.from({ length: 50 }, () => request(e, '/cold-again'))));
    expect(calls.get('/cold-again')).toBe(1);
  });

  it('Redis frozen: requests wait about one command timeout at most, then route around it', async () => {
    server.freeze();
    try {
      const started = performance.now();
      const first = await Promise.all(
        engines.flatMap((e) => Array.from({ length: 20 }, (_, i) => request(e, `/frozen/${i}`))),
      );
      expect(first.every((r) => r.status === 200)).toBe(true);
      expect(performance.now() - started).toBeLessThan(COMMAND_TIMEOUT * 3 + 500);
      await drive(engines[0]!, () => backends[0]!.breaker!.state !== 'closed', 'the breaker did not open');
      // open: Redis is not even asked
      const fast = performance.now();
      expect((await request(engines[0]!, '/frozen/new')).status).toBe(200);
      expect(performance.now() - fast).toBeLessThan(COMMAND_TIMEOUT);
    } finally {
      server.thaw();
    }
    await drive(engines[0]!, () => backends[0]!.breaker!.state === 'closed', 'the breaker did not close');
  });

  it('Redis frozen: a read that would claim fails as a read does, and the claim after it is unavailable at once', async () => {
    const fills = backends[1]!.fills!;
    await fills.subscribe();
    server.freeze();
    try {
      const started = performance.now();
      await expect(fills.readOrClaim('GET example.com/frozen-read')).rejects.toBeInstanceOf(StoreError);
      expect(performance.now() - started).toBeLessThan(COMMAND_TIMEOUT * 3 + 500);
      const claimed = performance.now();
      expect(await fills.claim('GET example.com/frozen-read', { wait: 5000 })).toEqual({
        kind: 'unavailable',
      });
      expect(performance.now() - claimed).toBeLessThan(COMMAND_TIMEOUT);
      // and a request on a cold key is answered all the same
      expect((await request(engines[1]!, '/frozen-read')).status).toBe(200);
    } finally {
      server.thaw();
    }
    await drive(engines[1]!, () => backends[1]!.breaker!.state === 'closed', 'the breaker did not close');
  });
});

describe.each(kinds)('$name: Redis down when the engines start', (kind) => {
  it('serves from the start, then subscribes and shares fills once Redis is up', async () => {
    const server = await startRedisServer();
    const handles = await Promise.all([kind.single(server.port), kind.single(server.port)]);
    await server.kill();
    const prefix = uniquePrefix('late');
    const backends = handles.map((h) =>
      createRedisBackend({
        client: h.client,
        prefix,
        commandTimeout: COMMAND_TIMEOUT,
        breaker: { cooldown: COOLDOWN },
        onError: () => {},
      }),
    );
    const engines = backends.map((shared) => new HttpCache({ ttl: '1m', shared, onError: () => {} }));
    try {
      const calls = new Map<string, number>();
      const request = (engine: HttpCache, path: string) =>
        send(engine, get(path), async () => {
          calls.set(path, (calls.get(path) ?? 0) + 1);
          return ok(path);
        });
      const down = await Promise.all(engines.map((e) => request(e, '/down')));
      expect(down.every((r) => r.status === 200 && r.body === '/down')).toBe(true);
      expect(calls.get('/down')).toBe(2);

      await server.restart();
      let n = 0;
      await pollUntil(
        async () => {
          await Promise.all(engines.map((e) => request(e, `/wake/${n++}`)));
          return backends.every((b) => b.breaker!.state === 'closed');
        },
        15_000,
        () => 'the breakers did not close',
        50,
      );
      // the bus subscriptions refused at start were made once Redis came back
      await Promise.all(engines.map((e) => (e.store as TieredStore).ready));
      await Promise.all(backends.map((b) => b.fills!.subscribe()));
      await Promise.all(engines.flatMap((e) => Array.from({ length: 20 }, () => request(e, '/up'))));
      expect(calls.get('/up')).toBe(1);
      await request(engines[0]!, '/up');
      await engines[0]!.invalidate({ url: '/up' });
      await pollUntil(
        async () => (await (engines[1]!.store as TieredStore).l1.get('GET example.com/up')) === undefined,
        5000,
        () => 'the invalidation did not reach engine 1',
      );
    } finally {
      await Promise.all(engines.map((e) => e.close()));
      await Promise.all(backends.map((b) => b.close()));
      await Promise.all(handles.map((h) => h.close()));
      await server.stop();
    }
  });
});

describe('a fleet of processes when things die', () => {
  let server: RedisServer | undefined;
  let fleet: Fleet | undefined;
  afterEach(async () => {
    await fleet?.stop();
    fleet = undefined;
    await server?.stop();
    server = undefined;
  });

  it('a lock holder process killed with SIGKILL: the waiters finish within lockTimeout', async () => {
    server = await startRedisServer();
    const LOCK_TIMEOUT = 5000;
    fleet = await startFleet(
      {
        REDIS_PORT: String(server.port),
        PREFIX: uniquePrefix('sigkill'),
        ORIGIN_DELAY: '100',
        LOCK_TTL: '1000',
        LOCK_TIMEOUT: String(LOCK_TIMEOUT),
      },
      // process 0's origin hangs on this key: it will hold the lock when it dies
      [{ SLOW_KEY: 'k', SLOW_DELAY: '60000' }, { CLIENT: 'ioredis' }, {}, { CLIENT: 'ioredis' }],
    );
    const [holder, ...others] = fleet.nodes;
    const hanging = holder!.get('k').catch(() => undefined);
    await pollUntil(
      async () => fleet!.calls().length === 1,
      5000,
      () => 'process 0 did not call its origin',
    );
    const started = performance.now();
    const waiting = Promise.all(others.flatMap((node) => Array.from({ length: 50 }, () => node.get('k'))));
    await delay(100);
    holder!.child.kill('SIGKILL');
    await holder!.exited;
    const results = await waiting;
    const elapsed = performance.now() - started;
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    expect(elapsed).toBeLessThan(LOCK_TIMEOUT + 1000);
    // the dead holder's lock expired (1 s) and exactly one waiter took over
    expect(fleet.calls()).toHaveLength(2);
    const taker = fleet.calls()[1]![0];
    expect(results.every((r) => (JSON.parse(r.body) as { pid: number }).pid === taker)).toBe(true);
    await hanging;
  }, 180_000);

  it('Redis killed under load over HTTP: every response is 200; restarted: L2 serves again', async () => {
    server = await startRedisServer();
    fleet = await startFleet(
      {
        REDIS_PORT: String(server.port),
        PREFIX: uniquePrefix('httpkill'),
        ORIGIN_DELAY: '5',
        COMMAND_TIMEOUT: '250',
        COOLDOWN: '300',
      },
      [{}, { CLIENT: 'ioredis' }, {}, { CLIENT: 'ioredis' }],
    );
    const statuses: number[] = [];
    const until = performance.now() + 1500;
    const worker = async (node: Fleet['nodes'][number], w: number) => {
      // half on hot keys (L1 hits once warm), half on new ones (misses, which need Redis)
      for (let i = w; performance.now() < until; i += 5) {
        statuses.push((await node.get(w % 2 === 0 ? `n${i % 30}` : `new-${w}-${i}`)).status);
      }
    };
    const killer = (async () => {
      await delay(500);
      await server!.kill();
    })();
    await Promise.all([
      killer,
      ...fleet.nodes.flatMap((node) => Array.from({ length: 5 }, (_, w) => worker(node, w))),
    ]);
    // requests on both sides of the kill (how many fit in 1.5 s depends on the machine's load)
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const down = await Promise.all(fleet.nodes.map((n) => n.stats()));
    expect(down.every((s) => (s.breaker.opened ?? 0) >= 1)).toBe(true);

    await server.restart();
    let probe = 0;
    for (const node of fleet.nodes) {
      await pollUntil(
        async () =>
          (await node.get(`probe-${probe++}`)).status === 200 &&
          (await node.stats()).breaker.state === 'closed',
        10_000,
        () => `node ${node.port}: the breaker did not close`,
        50,
      );
    }
    const [a, b] = fleet.nodes;
    const callsBefore = fleet.calls().length;
    expect((await a!.get('after-restart')).status).toBe(200);
    const l2Before = (await b!.stats()).tiered.l2Hits!;
    await pollUntil(
      async () => JSON.parse((await b!.get('after-restart')).body).pid === a!.child.pid,
      5000,
      () => 'process b did not read the entry from L2',
    );
    expect((await b!.stats()).tiered.l2Hits).toBeGreaterThan(l2Before);
    expect(fleet.calls().length - callsBefore).toBe(1);
  }, 180_000);
});
