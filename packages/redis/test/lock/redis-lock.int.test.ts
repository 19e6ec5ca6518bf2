/**
 * RedisLock against the shared standalone Redis and 3-master Redis Cluster, on every client of the
 * matrix: the lock contract, then what is specific to one Redis (the key layout and its hash tag,
 * the Lua compare-and-delete itself, the stampede store's `setIfLocked` with a lock's token, the
 * timers of auto-extension).
 */
import { ConfigError } from '@larder/core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RedisLock, type RedisPort, RedisStore, slotTag, toPort } from '../../src/index.js';
import { EXTEND_LOCK, RELEASE_LOCK } from '../../src/lock/lock-scripts.js';
import { ChaosPort } from '../support/chaos-port.js';
import {
  type ClientHandle,
  type ClientKind,
  clientKinds,
  TEST_COMMAND_TIMEOUT,
  uniquePrefix,
} from '../support/clients.js';
import { redisCli } from '../support/redis-server.js';
import { makeEntry } from '../support/store-contract.js';
import { type LockFixture, runLockContract } from './support/lock-contract.js';

const shared = inject('redis');

/** Two RedisLocks on two connections of `open`, sharing a fresh prefix. */
async function fixture(open: () => Promise<ClientHandle>): Promise<LockFixture> {
  const handles = await Promise.all([open(), open()]);
  const prefix = uniquePrefix('lock');
  const ports = handles.map((h) => toPort(h.client, { commandTimeout: TEST_COMMAND_TIMEOUT }));
  const locks = ports.map((port) => new RedisLock({ client: port, prefix })) as [RedisLock, RedisLock];
  const inspector = ports[0]!;
  return {
    locks,
    values: async (resource) => {
      const value = await inspector.get(locks[0].key(resource));
      return [value === null ? null : value.toString()];
    },
    remove: async (resource) => {
      await inspector.del(locks[0].key(resource));
    },
    close: async () => {
      await Promise.all(locks.map((l) => l.close()));
      await Promise.all(ports.map((p) => p.close()));
      await Promise.all(handles.map((h) => h.close()));
    },
  };
}

for (const kind of clientKinds) {
  runLockContract(`RedisLock, ${kind.name}, standalone`, () => fixture(() => kind.single(shared.single)));
  const cluster = kind.cluster;
  if (cluster !== undefined) {
    runLockContract(`RedisLock, ${kind.name}, cluster`, () => fixture(() => cluster(shared.cluster)));
  }
}

const clusterKinds = clientKinds.filter((k): k is ClientKind & Required<Pick<ClientKind, 'cluster'>> =>
  Boolean(k.cluster),
);

describe.each([
  ...clusterKinds.map((kind) => ({
    label: `${kind.name}, cluster`,
    open: () => kind.cluster(shared.cluster),
    cluster: true,
  })),
  ...clusterKinds.map((kind) => ({
    label: `${kind.name}, standalone`,
    open: () => kind.single(shared.single),
    cluster: false,
  })),
])('RedisLock in Redis ($label)', ({ open, cluster }) => {
  let handle: ClientHandle;
  let port: RedisPort;
  let locks: RedisLock;
  let prefix: string;

  beforeAll(async () => {
    handle = await open();
    port = toPort(handle.client, { commandTimeout: TEST_COMMAND_TIMEOUT });
    prefix = uniquePrefix('lock');
    locks = new RedisLock({ client: port, prefix });
  });
  afterAll(async () => {
    await locks?.close();
    await port?.close();
    await handle?.close();
  });

  it('names lock keys apart from data keys, inside the hash tag of the resource', async () => {
    const resource = 'GET example.com/a?x={y}';
    const key = locks.key(resource);
    expect(key).toBe(`${prefix}l:{${slotTag(resource)}}${resource}`);
    // the same key as the store's layout, and the entry's slot
    const store = new RedisStore({ client: port, prefix });
    expect(key).toBe(store.layout.lock(resource));
    expect(key).not.toBe(store.layout.entry(resource));
    if (cluster) {
      const slot = (k: string) => redisCli(shared.cluster[0]!, 'CLUSTER', 'KEYSLOT', k);
      expect(await slot(key)).toBe(await slot(store.layout.entry(resource)));
      expect(await slot(key)).toBe(await slot(`{${slotTag(resource)}}`));
    }
    const lock = await locks.acquire(resource, { ttl: 10_000 });
    expect((await port.get(key))?.toString()).toBe(lock.token);
    await lock.release();
  });

  it("lets RedisStore.setIfLocked write only under the lock's token (one script, one slot)", async () => {
    const store = new RedisStore({ client: port, prefix });
    const key = 'GET example.com/stampede';
    const lock = await locks.acquire(key, { ttl: 10_000 });
    expect(await store.setIfLocked(key, makeEntry(Date.now(), 60_000, { status: 201 }), lock.token)).toBe(
      true,
    );
    expect((await store.get(key))?.status).toBe(201);
    expect(await store.setIfLocked(key, makeEntry(Date.now(), 60_000, { status: 202 }), 'f'.repeat(32))).toBe(
      false,
    );
    await lock.release();
    expect(await store.setIfLocked(key, makeEntry(Date.now(), 60_000, { status: 203 }), lock.token)).toBe(
      false,
    );
    expect((await store.get(key))?.status).toBe(201);
    await store.delete(key);
  });

  it('compares tokens in Lua: a wrong token neither deletes nor extends', async () => {
    const resource = `cas-${cluster}`;
    const lock = await locks.acquire(resource, { ttl: 5000 });
    const key = locks.key(resource);
    const wrong = 'f'.repeat(32);
    expect(await port.eval(RELEASE_LOCK, [key], [wrong])).toBe(-1);
    expect(await port.eval(EXTEND_LOCK, [key], [wrong, 60_000])).toBe(-1);
    expect((await port.get(key))?.toString()).toBe(lock.token);
    await lock.release();
    expect(await port.eval(RELEASE_LOCK, [key], [lock.token])).toBe(0);
    expect(await port.eval(EXTEND_LOCK, [key], [lock.token, 60_000])).toBe(0);
    expect(await port.get(key)).toBeNull();
  });

  it('stops auto-extending at release, and close() stops the timers of held locks', async () => {
    const chaos = new ChaosPort(port);
    const watched = new RedisLock({ client: chaos, prefix });
    const extensions = () => chaos.calls.filter((c) => c === `eval ${EXTEND_LOCK.name}`).length;
    const lock = await watched.acquire(`timers-${cluster}`, { ttl: 2000, autoExtend: { interval: 50 } });
    await new Promise((r) => setTimeout(r, 400));
    expect(extensions()).toBeGreaterThanOrEqual(2);
    await lock.release();
    const after = extensions();
    await new Promise((r) => setTimeout(r, 300));
    expect(extensions()).toBe(after);

    const kept = await watched.acquire(`timers-close-${cluster}`, {
      ttl: 2000,
      autoExtend: { interval: 50 },
    });
    await watched.close();
    const closed = extensions();
    await new Promise((r) => setTimeout(r, 300));
    expect(extensions()).toBe(closed);
    // close does not release (the key would lapse by its ttl), nor declare the lock lost
    expect(kept.signal.aborted).toBe(false);
    await kept.release();
  });
});

describe('RedisLock options', () => {
  let handle: ClientHandle;
  beforeAll(async () => {
    handle = await clientKinds[0]!.single(shared.single);
  });
  afterAll(async () => {
    await handle?.close();
  });

  it('rejects invalid options with a ConfigError naming the option', async () => {
    const port = toPort(handle.client);
    expect(() => new RedisLock({ client: {} })).toThrow(ConfigError);
    expect(() => new RedisLock({ client: port, retryDelay: 0 })).toThrow(/retryDelay/);
    for (const seed of [1.5, '7', 2 ** 53]) {
      const error = (() => {
        try {
          return new RedisLock({ client: port, seed: seed as number });
        } catch (e) {
          return e;
        }
      })();
      expect(error, String(seed)).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).option).toBe('seed');
    }
    await new RedisLock({ client: port, seed: -3 }).close();
    expect(() => new RedisLock({ client: port, wait: 5 } as never)).toThrow(/wait/);
    const locks = new RedisLock({ client: port, prefix: uniquePrefix('opts') });
    const bad: [string, object][] = [
      ['ttl', { ttl: 0 }],
      ['ttl', { ttl: 1.5 }],
      ['ttl', {}],
      ['wait', { ttl: 10, wait: -1 }],
      ['retryDelay', { ttl: 10, retryDelay: Number.NaN }],
      ['signal', { ttl: 10, signal: {} }],
      ['onLost', { ttl: 10, onLost: 'x' }],
      ['autoExtend.interval', { ttl: 100, autoExtend: { interval: 100 } }],
      ['autoExtend.ttl', { ttl: 100, autoExtend: { ttl: -5 } }],
      ['ttI', { ttl: 100, ttI: 3 }],
    ];
    for (const [option, options] of bad) {
      const error = await locks.acquire('r', options as never).catch((e: unknown) => e);
      expect(error, option).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).option, option).toBe(option);
    }
    // tryAcquire takes no waiting options
    expect(
      await locks.tryAcquire('r', { ttl: 10, wait: 5 } as never).catch((e: unknown) => e),
    ).toBeInstanceOf(ConfigError);
    expect(await locks.acquire('', { ttl: 10 }).catch((e: unknown) => e)).toBeInstanceOf(ConfigError);
    const lock = await locks.acquire('r', { ttl: 1000 });
    expect(() => lock.autoExtend({ interval: 2000 })).toThrow(ConfigError);
    await expect(lock.extend(0)).rejects.toBeInstanceOf(ConfigError);
    await lock.release();
    await locks.close();
  });
});
