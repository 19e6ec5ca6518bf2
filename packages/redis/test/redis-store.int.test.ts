import { StoreError } from '@larder/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { escapeGlob, LuaScript, type RedisPort, RedisStore, slotTag, toPort } from '../src/index.js';
import { ChaosPort } from './support/chaos-port.js';
import { type ClientHandle, clientKinds, TEST_COMMAND_TIMEOUT, uniquePrefix } from './support/clients.js';
import { redisCli } from './support/redis-server.js';
import { makeEntry, runStoreContract, type StoreFixture } from './support/store-contract.js';

const shared = inject('redis');

async function fixture(handle: { client: unknown; close(): Promise<void> }): Promise<StoreFixture> {
  const prefix = uniquePrefix('store');
  const store = new RedisStore({ client: handle.client, prefix, commandTimeout: TEST_COMMAND_TIMEOUT });
  const counter = toPort(handle.client, { commandTimeout: TEST_COMMAND_TIMEOUT });
  return {
    store,
    now: Date.now,
    elapse: async () => {},
    countRecords: async () => {
      let count = 0;
      for await (const keys of counter.scan(`${escapeGlob(prefix)}*`)) count += keys.length;
      return count;
    },
    close: async () => {
      await store.clear();
      await store.close();
      await counter.close();
      await handle.close();
    },
  };
}

for (const kind of clientKinds) {
  runStoreContract(`RedisStore, ${kind.name}, standalone`, async () =>
    fixture(await kind.single(shared.single)),
  );
  const cluster = kind.cluster;
  if (cluster !== undefined) {
    runStoreContract(`RedisStore, ${kind.name}, cluster`, async () => fixture(await cluster(shared.cluster)));
  }
}

const HGET = new LuaScript('test-hget', `return redis.call('HGET', KEYS[1], ARGV[1])`);
const HKEYS = new LuaScript('test-hkeys', `return redis.call('HKEYS', KEYS[1])`);
const PTTL = new LuaScript('test-pttl', `return redis.call('PTTL', KEYS[1])`);
const SMEMBERS = new LuaScript('test-smembers', `return redis.call('SMEMBERS', KEYS[1])`);
const SADD = new LuaScript('test-sadd', `return redis.call('SADD', KEYS[1], ARGV[1])`);
const HSET = new LuaScript('test-hset', `return redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])`);

const nodeRedis6 = clientKinds.find((k) => k.name === 'node-redis 6 (RESP3)')!;
const ioredis5 = clientKinds.find((k) => k.name === 'ioredis 5 (RESP2)')!;

describe.each([
  { label: 'standalone, node-redis 6', open: () => nodeRedis6.single(shared.single), cluster: false },
  { label: 'cluster, node-redis 6', open: () => nodeRedis6.cluster!(shared.cluster), cluster: true },
  { label: 'cluster, ioredis 5', open: () => ioredis5.cluster!(shared.cluster), cluster: true },
])('RedisStore in Redis ($label)', ({ open, cluster }) => {
  let handle: ClientHandle;
  let port: RedisPort;
  let store: RedisStore;
  let prefix: string;

  beforeAll(async () => {
    handle = await open();
    port = toPort(handle.client, { commandTimeout: TEST_COMMAND_TIMEOUT });
  });
  beforeEach(() => {
    prefix = uniquePrefix('layout');
    store = new RedisStore({ client: port, prefix });
  });
  afterEach(async () => {
    await store.clear();
    await store.close();
  });
  afterAll(async () => {
    await port.close();
    await handle.close();
  });

  it('keeps an entry as one hash: JSON metadata, raw body bytes, one field per tag', async () => {
    const body = Buffer.from([0, 1, 2, 0x22, 0x5c, 0xff, 0xfe]);
    await store.set('k', makeEntry(Date.now(), 60_000, { body, tags: ['a', 'b:c'] }));
    const key = store.layout.entry('k');
    expect(key).toBe(`${prefix}e:{${slotTag('k')}}k`);
    expect(((await port.eval(HKEYS, [key])) as Buffer[]).map(String).sort()).toEqual([
      'b',
      'm',
      't:a',
      't:b:c',
    ]);
    expect(Buffer.compare((await port.eval(HGET, [key], ['b'])) as Buffer, body)).toBe(0);
    const meta = JSON.parse(String(await port.eval(HGET, [key], ['m'])));
    expect(meta).toMatchObject({ v: 1, status: 200, tags: ['a', 'b:c'] });
    expect(((await port.eval(SMEMBERS, [store.layout.tag('a')])) as Buffer[]).map(String)).toEqual(['k']);
  });

  it('expires the entry at expiresAt and each tag set with the longest-lived of its entries', async () => {
    const now = Date.now();
    const timed = new RedisStore({ client: port, prefix, now: () => now });
    await timed.set('short', makeEntry(now, 20_000, { tags: ['shared'] }));
    await timed.set('long', makeEntry(now, 50_000, { tags: ['shared'] }));
    await timed.set('short2', makeEntry(now, 10_000, { tags: ['shared'] }));
    const ttl = (key: string) => port.eval(PTTL, [key]) as Promise<number>;
    const short = await ttl(store.layout.entry('short'));
    expect(short).toBeGreaterThan(19_000);
    expect(short).toBeLessThanOrEqual(20_000);
    const tagTtl = await ttl(store.layout.tag('shared'));
    expect(tagTtl).toBeGreaterThan(49_000);
    expect(tagTtl).toBeLessThanOrEqual(50_000);
  });

  it('puts the keys of one entry (and its lock) in one slot, and tags anywhere', async () => {
    for (const key of ['a', '{b}', 'c}{', '']) {
      const names = [store.layout.entry(key), store.layout.lock(key), store.layout.keyed('f', key)];
      if (cluster) {
        const slots = await Promise.all(
          names.map((n) => redisCli(shared.cluster[0]!, 'CLUSTER', 'KEYSLOT', n)),
        );
        expect(new Set(slots).size).toBe(1);
      } else {
        expect(new Set(names.map((n) => /\{([0-9a-f]{8})\}/.exec(n)?.[1])).size).toBe(1);
      }
    }
  });

  it('writes with setIfLocked only while the lock holds the token', async () => {
    const entry = makeEntry(Date.now(), 60_000, { tags: ['locked'] });
    expect(await store.setIfLocked('k', entry, 'token-1')).toBe(false);
    expect(await store.get('k')).toBeUndefined();
    await port.set(store.layout.lock('k'), 'token-1', { px: 10_000 });
    expect(await store.setIfLocked('k', makeEntry(Date.now(), 60_000, { tags: ['locked'] }), 'token-2')).toBe(
      false,
    );
    expect(await store.get('k')).toBeUndefined();
    expect(await store.setIfLocked('k', entry, Buffer.from('token-1'))).toBe(true);
    expect((await store.get('k'))?.tags).toEqual(['locked']);
    expect(await store.setIfLocked('k', makeEntry(Date.now() - 120_000, 1000), 'token-1')).toBe(false);
    expect(await store.deleteByTags(['locked'])).toBe(1);
    await port.del(store.layout.lock('k'));
  });

  it('never deletes an entry through a stale tag member, and drops the member', async () => {
    await store.set('k', makeEntry(Date.now(), 60_000, { tags: ['kept'] }));
    // as if k had carried 'old' in an earlier life that expired before it was replaced
    await port.eval(SADD, [store.layout.tag('old')], ['k']);
    expect(await store.deleteByTags(['old'])).toBe(0);
    expect(await store.get('k')).toBeDefined();
    expect(await port.eval(SMEMBERS, [store.layout.tag('old')])).toEqual([]);
  });

  it('rejects an unreadable entry with a format StoreError', async () => {
    await store.set('bad', makeEntry(Date.now(), 60_000));
    await port.eval(HSET, [store.layout.entry('bad')], ['m', '{"v":99}']);
    const error = await store.get('bad').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).reason).toBe('format');
    await port.eval(HSET, [store.layout.entry('bad')], ['m', 'not json']);
    await expect(store.get('bad')).rejects.toThrow(/not JSON/);
  });

  it('clears only its own prefix and leaves locks alone', async () => {
    const other = new RedisStore({ client: port, prefix: `${prefix}other:` });
    await store.set('mine', makeEntry(Date.now(), 60_000, { tags: ['t'] }));
    await other.set('theirs', makeEntry(Date.now(), 60_000, { tags: ['t'] }));
    await port.set(store.layout.lock('mine'), 'token', { px: 60_000 });
    await store.clear();
    expect(await store.get('mine')).toBeUndefined();
    expect(await other.get('theirs')).toBeDefined();
    expect((await port.get(store.layout.lock('mine')))?.toString()).toBe('token');
    await other.clear();
    await port.del(store.layout.lock('mine'));
  });
});

describe('RedisStore under failures (chaos port over a real Redis)', () => {
  let handle: ClientHandle;
  let chaos: ChaosPort;
  let store: RedisStore;

  beforeAll(async () => {
    handle = await nodeRedis6.single(shared.single);
    chaos = new ChaosPort(toPort(handle.client, { commandTimeout: TEST_COMMAND_TIMEOUT }));
    store = new RedisStore({ client: chaos, prefix: uniquePrefix('chaos') });
  });
  afterEach(() => chaos.heal());
  afterAll(async () => {
    await store.clear();
    await chaos.close();
    await handle.close();
  });

  it('does not write an entry whose tags could not be indexed', async () => {
    chaos.fail('unavailable', (op) => op === 'eval larder-tag-add', 1);
    const error = await store.set('k', makeEntry(Date.now(), 60_000, { tags: ['a', 'b'] })).catch((e) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect(chaos.calls).not.toContain('eval larder-set-entry');
    expect(await store.get('k')).toBeUndefined();
  });

  it('rejects reads and writes with the StoreError of the failure', async () => {
    chaos.fail('timeout');
    await expect(store.get('k')).rejects.toMatchObject({ code: 'ERR_LARDER_STORE', reason: 'timeout' });
    await expect(store.set('k', makeEntry(Date.now(), 60_000))).rejects.toMatchObject({ reason: 'timeout' });
    await expect(store.deleteByTags(['a'])).rejects.toMatchObject({ reason: 'timeout' });
    chaos.heal();
    await store.set('k', makeEntry(Date.now(), 60_000));
    expect(await store.get('k')).toBeDefined();
  });
});
