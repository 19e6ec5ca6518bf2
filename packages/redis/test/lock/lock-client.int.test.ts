/**
 * LockClient, the one lock client: `client` picks the single-instance strategy, `clients` the quorum
 * (RedisLock and Redlock are the same client with the options of one case), and `claim` is the
 * acquisition the stampede protocol uses: it reads a hash of the same slot in the round trip that
 * takes the lock, and tells a busy lock's remaining ttl (`claimUnless`: reads the hash, and locks
 * only when it is absent). Against the shared standalone Redis.
 */
import { ConfigError, LockLostError } from '@larder/core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  LockClient,
  LuaScript,
  Quorum,
  RedisLock,
  type RedisPort,
  Redlock,
  SingleInstance,
  toPort,
} from '../../src/index.js';
import { type ClientHandle, clientKinds, TEST_COMMAND_TIMEOUT, uniquePrefix } from '../support/clients.js';

const shared = inject('redis');
const kind = clientKinds[0]!;
const HSET = new LuaScript('test-hset', "return redis.call('HSET', KEYS[1], unpack(ARGV))");

describe('LockClient', () => {
  let handles: ClientHandle[];
  let ports: RedisPort[];

  beforeAll(async () => {
    handles = await Promise.all([kind.single(shared.single), kind.single(shared.single)]);
    ports = handles.map((h) => toPort(h.client, { commandTimeout: TEST_COMMAND_TIMEOUT }));
  });
  afterAll(async () => {
    await Promise.all(ports.map((p) => p.close()));
    await Promise.all(handles.map((h) => h.close()));
  });

  it('takes the single-instance strategy for `client` and the quorum for `clients`', () => {
    expect(new LockClient({ client: ports[0] }).strategy).toBeInstanceOf(SingleInstance);
    expect(new LockClient({ clients: [ports[0]] }).strategy).toBeInstanceOf(Quorum);
    expect(new RedisLock({ client: ports[0] })).toBeInstanceOf(LockClient);
    expect(new Redlock({ clients: [ports[0]] })).toBeInstanceOf(LockClient);
  });

  it('refuses options that mix the strategies, naming the option', () => {
    const mixed = () => new LockClient({ client: ports[0], clients: [ports[1]] });
    expect(mixed).toThrow(ConfigError);
    expect(mixed).toThrow(/Invalid option client:/);
    expect(() => new LockClient({ client: ports[0], driftFactor: 0.1 })).toThrow(
      /Invalid option driftFactor:/,
    );
    expect(() => new RedisLock({ clients: [ports[0]] } as never)).toThrow(/Invalid option clients:/);
    expect(() => new Redlock({ client: ports[0] } as never)).toThrow(/Invalid option client:/);
    expect(() => new Redlock({} as never)).toThrow(/Invalid option clients:/);
  });

  it('locks one resource across clients of either strategy (same key on the server)', async () => {
    const prefix = uniquePrefix('lock-client');
    const single = new LockClient({ client: ports[0], prefix });
    const quorum = new LockClient({ clients: [ports[1]], prefix });
    const lock = await single.acquire('r', { ttl: 10_000 });
    expect(await quorum.tryAcquire('r', { ttl: 10_000 })).toBeUndefined();
    await lock.release();
    const other = await quorum.tryAcquire('r', { ttl: 10_000 });
    expect(other).toBeDefined();
    await expect(lock.release()).resolves.toBeUndefined();
    await other?.release();
    await Promise.all([single.close(), quorum.close()]);
  });

  it('claim reads the peeked hash when it takes the lock, and the remaining ttl when busy', async () => {
    const prefix = uniquePrefix('lock-claim');
    const a = new LockClient({ client: ports[0], prefix });
    const b = new LockClient({ client: ports[1], prefix });
    const entry = a.layout.entry('r');
    await ports[0]!.eval(HSET, [entry], ['m', 'meta', 'b', 'body']);
    const peek = { key: entry, field: 'm', exists: 'b' };
    const first = await a.claim('r', { ttl: 5000 }, peek);
    expect(first.lock?.held).toBe(true);
    expect(first.lock === undefined ? undefined : String(first.peeked?.[0])).toBe('meta');
    expect(first.lock === undefined ? undefined : first.peeked?.[1]).toBe(1);
    const busy = await b.claim('r', { ttl: 5000 }, peek);
    expect(busy.lock).toBeUndefined();
    const remaining = busy.lock === undefined ? busy.remaining : undefined;
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(5000);
    await first.lock?.release();
    const after = await b.claim('r', { ttl: 5000 }, { key: a.layout.entry('none'), field: 'm', exists: 'b' });
    expect(after.lock === undefined ? undefined : [String(after.peeked?.[0]), after.peeked?.[1]]).toEqual([
      '',
      0,
    ]);
    await after.lock?.release();
    await expect(new LockClient({ clients: [ports[0]] }).claim('r', { ttl: 5000 }, peek)).rejects.toThrow(
      ConfigError,
    );
    await a.close();
    await b.close();
  });

  it('claimUnless reads the hash when it exists without locking, else claims as claim does', async () => {
    const prefix = uniquePrefix('lock-unless');
    const a = new LockClient({ client: ports[0], prefix });
    const b = new LockClient({ client: ports[1], prefix });
    const entry = a.layout.entry('r');
    const unless = { key: entry, fields: ['m', 'b', 'x'] };
    await ports[0]!.eval(HSET, [entry], ['m', 'meta', 'b', 'body']);
    const found = await a.claimUnless('r', { ttl: 5000 }, unless);
    expect(found.lock).toBeUndefined();
    expect(found.lock === undefined ? found.found?.map((v) => (v === null ? null : String(v))) : []).toEqual([
      'meta',
      'body',
      null,
    ]);
    // nothing was locked
    expect(await ports[0]!.get(a.key('r'))).toBeNull();
    await ports[0]!.del(entry);
    const taken = await a.claimUnless('r', { ttl: 5000 }, unless);
    expect(taken.lock?.held).toBe(true);
    const busy = await b.claimUnless('r', { ttl: 5000 }, unless);
    expect(busy.lock === undefined ? [busy.found, busy.remaining! > 0] : []).toEqual([undefined, true]);
    await taken.lock?.release();
    await expect(
      new LockClient({ clients: [ports[0]] }).claimUnless('r', { ttl: 5000 }, unless),
    ).rejects.toThrow(ConfigError);
    await a.close();
    await b.close();
  });

  it('a released lock found taken by another holder is lost, never deleted', async () => {
    const prefix = uniquePrefix('lock-lost');
    const a = new LockClient({ client: ports[0], prefix });
    const lock = await a.acquire('r', { ttl: 10_000 });
    await ports[1]!.set(a.key('r'), 'someone-else', { px: 10_000 });
    await expect(lock.release()).rejects.toBeInstanceOf(LockLostError);
    expect(String(await ports[1]!.get(a.key('r')))).toBe('someone-else');
    await a.close();
  });
});
