/**
 * The {@link RedisPort} contract, written once and run against every client adapter, standalone and
 * cluster: get/set NX/PX/del, eval (replies, errors, `NOSCRIPT` after `SCRIPT FLUSH`), bytes that
 * survive unchanged, pub/sub delivery, scan, close.
 */
import { StoreError } from '@larder/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LuaScript, type RedisPort } from '../../src/index.js';
import { uniquePrefix } from './clients.js';
import { pollUntil, redisCli } from './redis-server.js';

/** What the contract needs of one adapter under test. */
export interface PortFixture {
  port: RedisPort;
  /** Ports of every master (one for a standalone server), for `SCRIPT FLUSH` and `CLUSTER KEYSLOT`. */
  servers: readonly number[];
  close(): Promise<void>;
}

/** Every byte value, then an invalid UTF-8 sequence and a lone continuation byte. */
export const ALL_BYTES = Buffer.concat([
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  Buffer.from([0xc3, 0x28, 0x80]),
]);

const PTTL = new LuaScript('test-pttl', `return redis.call('PTTL', KEYS[1])`);
const ECHO = new LuaScript(
  'test-echo',
  `return {42, ARGV[1], false, redis.call('GET', KEYS[1]), redis.call('SET', KEYS[2], ARGV[1]), -7}`,
);
const NESTED = new LuaScript('test-nested', `return {1, {2, 3}}`);
const FAILS = new LuaScript('test-fails', `return redis.call('INCR', KEYS[1])`);
const SCALAR = new LuaScript('test-scalar', `return ARGV[1]`);

async function expectStoreError(
  promise: Promise<unknown>,
  reason: StoreError['reason'],
): Promise<StoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StoreError);
  expect((error as StoreError).reason).toBe(reason);
  expect((error as StoreError).code).toBe('ERR_LARDER_STORE');
  return error as StoreError;
}

/** Subscribes (awaited), and returns the next message on `channel` and how to unsubscribe. */
async function listen(
  port: RedisPort,
  channel: string,
): Promise<{ next: Promise<{ message: Buffer; channel: string }>; unsubscribe(): Promise<void> }> {
  let deliver: (m: { message: Buffer; channel: string }) => void = () => {};
  const next = new Promise<{ message: Buffer; channel: string }>((resolve) => {
    deliver = resolve;
  });
  const subscription = await port.subscribe(channel, (message, from) => deliver({ message, channel: from }));
  return { next, unsubscribe: () => subscription.unsubscribe() };
}

/** Registers the port contract as a `describe` block named `name`. */
export function runPortContract(name: string, setup: () => Promise<PortFixture>, cluster: boolean): void {
  describe(`RedisPort contract: ${name}`, () => {
    let fixture: PortFixture;
    let port: RedisPort;
    let prefix: string;
    const k = (suffix: string) => `${prefix}${suffix}`;

    beforeAll(async () => {
      fixture = await setup();
      port = fixture.port;
      prefix = uniquePrefix('port');
    });
    afterAll(async () => {
      await fixture?.close();
    });

    it('reports what it runs on', () => {
      expect(port.cluster).toBe(cluster);
      expect(['node-redis', 'ioredis']).toContain(port.client);
      expect(port.commandTimeout).toBeGreaterThan(0);
    });

    it('gets, sets and deletes', async () => {
      expect(await port.get(k('missing'))).toBeNull();
      expect(await port.set(k('a'), 'text é')).toBe(true);
      expect((await port.get(k('a')))?.toString('utf8')).toBe('text é');
      expect(await port.del(k('a'))).toBe(1);
      expect(await port.get(k('a'))).toBeNull();
      expect(await port.del(k('a'))).toBe(0);
      expect(await port.del([])).toBe(0);
    });

    it('sets with NX only when absent, and with PX an expiry', async () => {
      expect(await port.set(k('nx'), 'first', { nx: true, px: 60_000 })).toBe(true);
      expect(await port.set(k('nx'), 'second', { nx: true, px: 60_000 })).toBe(false);
      expect((await port.get(k('nx')))?.toString()).toBe('first');
      const ttl = await port.eval(PTTL, [k('nx')]);
      expect(typeof ttl).toBe('number');
      expect(ttl).toBeGreaterThan(55_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
      expect(await port.set(k('nx'), 'third')).toBe(true);
      expect(await port.eval(PTTL, [k('nx')])).toBe(-1);
      await port.del(k('nx'));
    });

    it('rejects an invalid PX without sending anything', async () => {
      await expect(port.set(k('bad'), 'v', { px: 0 })).rejects.toThrow(RangeError);
      await expect(port.set(k('bad'), 'v', { px: 1.5 })).rejects.toThrow(RangeError);
      expect(await port.get(k('bad'))).toBeNull();
    });

    it('keeps every byte of a value, as Buffer or Uint8Array', async () => {
      await port.set(k('bin'), ALL_BYTES);
      expect(Buffer.compare((await port.get(k('bin')))!, ALL_BYTES)).toBe(0);
      const view = new Uint8Array(ALL_BYTES.buffer.slice(0), ALL_BYTES.byteOffset + 10, 100);
      await port.set(k('view'), view);
      expect([...(await port.get(k('view')))!]).toEqual([...view]);
      expect(await port.del([k('bin'), k('view')])).toBe(2);
    });

    it('deletes keys of many slots in one call, without a listener-leak warning', async () => {
      const keys = Array.from({ length: 20 }, (_, i) => k(`many-${i}`));
      for (const key of keys) await port.set(key, 'v');
      // on a cluster, one DEL per key under the call's one deadline: the client adds an abort
      // listener per command to the call's signal, which is no leak and must not be reported as one
      const warnings: string[] = [];
      const onWarning = (warning: Error) => warnings.push(warning.name);
      process.on('warning', onWarning);
      try {
        expect(await port.del([...keys, k('absent')])).toBe(20);
        await new Promise((resolve) => setImmediate(resolve));
      } finally {
        process.off('warning', onWarning);
      }
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    });

    it('evaluates scripts with normalised replies, binary in and out', async () => {
      await port.set(k('{e}1'), ALL_BYTES);
      const reply = await port.eval(ECHO, [k('{e}1'), k('{e}2')], [ALL_BYTES]);
      expect(Array.isArray(reply)).toBe(true);
      const [n, echoed, nil, got, status, negative] = reply as unknown[];
      expect(n).toBe(42);
      expect(Buffer.compare(echoed as Buffer, ALL_BYTES)).toBe(0);
      expect(nil).toBeNull();
      expect(Buffer.compare(got as Buffer, ALL_BYTES)).toBe(0);
      expect((status as Buffer).toString()).toBe('OK');
      expect(negative).toBe(-7);
      expect(Buffer.compare((await port.get(k('{e}2')))!, ALL_BYTES)).toBe(0);
      const scalar = await port.eval(SCALAR, [], ['plain']);
      expect(Buffer.isBuffer(scalar) && scalar.toString()).toBe('plain');
      expect(await port.eval(SCALAR, [], [12])).toEqual(Buffer.from('12'));
      await port.del([k('{e}1'), k('{e}2')]);
    });

    it('rejects nested replies and script errors as StoreError', async () => {
      await expectStoreError(port.eval(NESTED, []), 'format');
      await port.set(k('text'), 'not a number');
      const error = await expectStoreError(port.eval(FAILS, [k('text')]), 'reply');
      expect(error.operation).toBe('eval test-fails');
      expect(error.cause).toBeInstanceOf(Error);
      await port.del(k('text'));
    });

    it('falls back to EVAL after SCRIPT FLUSH, and loads the script again', async () => {
      const script = new LuaScript('test-flush', `return 'flushed-${prefix}'`);
      expect((await port.eval(script, [k('x')]))?.toString()).toBe(`flushed-${prefix}`);
      await Promise.all(fixture.servers.map((p) => redisCli(p, 'SCRIPT', 'FLUSH')));
      expect((await port.eval(script, [k('x')]))?.toString()).toBe(`flushed-${prefix}`);
      const exists = await Promise.all(
        fixture.servers.map((p) => redisCli(p, 'SCRIPT', 'EXISTS', script.sha1)),
      );
      expect(exists.some((out) => out.trim() === '1')).toBe(true);
    });

    it('runs a multi-key script when the keys share a hash tag', async () => {
      if (cluster) {
        const slots = await Promise.all(
          [k('{same}a'), k('{same}b')].map((key) => redisCli(fixture.servers[0]!, 'CLUSTER', 'KEYSLOT', key)),
        );
        expect(slots[0]).toBe(slots[1]);
      }
      const reply = await port.eval(ECHO, [k('{same}a'), k('{same}b')], ['v']);
      expect((reply as unknown[])[4]).toEqual(Buffer.from('OK'));
      await port.del([k('{same}a'), k('{same}b')]);
    });

    it('delivers published messages byte-exact to every listener, until unsubscribed', async () => {
      const channel = k('chan');
      const first = await listen(port, channel);
      const second = await listen(port, channel);
      // subscribe resolved: the server has the subscription, so this publish reaches both
      expect(await port.publish(channel, ALL_BYTES)).toBe(1);
      const [a, b] = await Promise.all([first.next, second.next]);
      expect(Buffer.compare(a.message, ALL_BYTES)).toBe(0);
      expect(Buffer.compare(b.message, ALL_BYTES)).toBe(0);
      expect(a.channel).toBe(channel);
      await first.unsubscribe();
      await first.unsubscribe();
      const third = await listen(port, channel);
      expect(await port.publish(channel, 'again')).toBe(1);
      expect((await third.next).message.toString()).toBe('again');
      await second.unsubscribe();
      await third.unsubscribe();
      expect(await port.publish(channel, 'nobody')).toBe(0);
    });

    it('counts the same function subscribed twice as two subscriptions', async () => {
      const channel = k('twice');
      const heard: string[] = [];
      const listener = (message: Buffer) => heard.push(message.toString());
      const one = await port.subscribe(channel, listener);
      const two = await port.subscribe(channel, listener);
      await port.publish(channel, 'x');
      await pollUntil(
        () => heard.length === 2,
        5000,
        () => `heard ${heard.length}`,
      );
      await one.unsubscribe();
      await port.publish(channel, 'y');
      await pollUntil(
        () => heard.length === 3,
        5000,
        () => `heard ${heard.length}`,
      );
      expect(heard).toEqual(['x', 'x', 'y']);
      await two.unsubscribe();
      expect(await port.publish(channel, 'z')).toBe(0);
    });

    it('keeps other listeners when one throws', async () => {
      const channel = k('throws');
      const faulty = await port.subscribe(channel, () => {
        throw new Error('listener bug');
      });
      const healthy = await listen(port, channel);
      await port.publish(channel, 'still delivered');
      expect((await healthy.next).message.toString()).toBe('still delivered');
      await faulty.unsubscribe();
      await healthy.unsubscribe();
    });

    it('scans keys on every master', async () => {
      const keys = Array.from({ length: 30 }, (_, i) => k(`scan-${i}`));
      for (const key of keys) await port.set(key, 'v', { px: 60_000 });
      const seen = new Set<string>();
      for await (const batch of port.scan(`${k('scan-')}*`, { count: 7 }))
        for (const key of batch) seen.add(key);
      expect([...seen].sort()).toEqual([...keys].sort());
      await port.del(keys);
    });
  });
}
