/**
 * A real Redis that dies, restarts or freezes under each client library: every call fails fast with
 * a StoreError (never hangs past the command timeout), and everything works again once Redis is back,
 * subscriptions included. Each suite has its own server, since it kills it.
 */
import { StoreError } from '@larder/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LuaScript, type ReceivedInvalidation, RedisBus, RedisStore, toPort } from '../src/index.js';
import { type ClientHandle, clientKinds } from './support/clients.js';
import { pollUntil, type RedisServer, startRedisServer } from './support/redis-server.js';
import { makeEntry } from './support/store-contract.js';

const TIMEOUT = 300;
// one kind per library and major version, on its default protocol
const kinds = clientKinds.filter((k) => k.cluster !== undefined);

async function failure(promise: Promise<unknown>): Promise<{ error: StoreError; elapsed: number }> {
  const started = Date.now();
  const error = await promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StoreError);
  return { error: error as StoreError, elapsed: Date.now() - started };
}

describe.each(kinds)('$name when Redis fails', (kind) => {
  let server: RedisServer;
  let handle: ClientHandle;
  let store: RedisStore;

  beforeAll(async () => {
    server = await startRedisServer();
    handle = await kind.single(server.port);
    store = new RedisStore({ client: handle.client, prefix: 'faults:', commandTimeout: TIMEOUT });
  });
  afterAll(async () => {
    server?.thaw();
    await store?.close();
    await handle?.close();
    await server?.stop();
  });

  async function recovered(): Promise<void> {
    await pollUntil(
      async () => {
        try {
          await store.set('probe', makeEntry(Date.now(), 60_000, { tags: ['probe'] }));
          return (await store.get('probe')) !== undefined;
        } catch {
          return false;
        }
      },
      15_000,
      () => `${kind.name} did not recover`,
      50,
    );
  }

  it('fails fast while Redis is dead and works again after a restart', async () => {
    await store.set('k', makeEntry(Date.now(), 60_000, { tags: ['t'] }));
    await server.kill();
    for (const op of [
      store.get('k'),
      store.set('k2', makeEntry(Date.now(), 60_000, { tags: ['t'] })),
      store.deleteByTags(['t']),
    ]) {
      const { error, elapsed } = await failure(op);
      expect(['unavailable', 'timeout']).toContain(error.reason);
      expect(elapsed).toBeLessThan(TIMEOUT + 1500);
    }
    await server.restart();
    // the restarted server has no data and no scripts: EVALSHA falls back to EVAL
    await recovered();
    expect(await store.get('k')).toBeUndefined();
    expect(await store.deleteByTags(['probe'])).toBe(1);
  });

  it('once the client has lost Redis, a command fails at once as unavailable instead of waiting out its timeout', async () => {
    // a timeout longer than the test's own: a command queued until it ran out would fail the test
    const patient = toPort(handle.client, { commandTimeout: 60_000 });
    try {
      expect(await patient.set('k', 'v')).toBe(true);
      await server.kill();
      // the client notices the dead connection (a command on it may be lost with it)
      await pollUntil(
        async () => {
          try {
            await patient.get('k');
            return false;
          } catch (error) {
            return error instanceof StoreError && error.reason === 'unavailable';
          }
        },
        10_000,
        () => `${kind.name} never refused a command while Redis was down`,
        20,
      );
      for (const op of [patient.get('k'), patient.set('k', 'w'), patient.publish('c', 'm')]) {
        const { error } = await failure(op);
        expect(error.reason).toBe('unavailable');
        expect(error.message).toContain('reconnecting');
      }
      await server.restart();
      await pollUntil(
        async () => (await patient.set('k', 'again').catch(() => false)) === true,
        15_000,
        () => `${kind.name} did not recover`,
        50,
      );
    } finally {
      await patient.close();
    }
  }, 30_000);

  it('times out while Redis is frozen, and answers correctly once it thaws', async () => {
    await recovered();
    server.freeze();
    try {
      const { error, elapsed } = await failure(store.get('probe'));
      expect(error.reason).toBe('timeout');
      expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT - 20);
      expect(elapsed).toBeLessThan(TIMEOUT + 1500);
    } finally {
      server.thaw();
    }
    // late replies to the timed-out commands must not be matched to new ones
    await recovered();
    await store.set('after', makeEntry(Date.now(), 60_000, { status: 299 }));
    expect((await store.get('after'))?.status).toBe(299);
    expect((await store.get('probe'))?.status).toBe(200);
  });

  it('leaves no subscription behind when subscribing timed out', async () => {
    await recovered();
    const port = toPort(handle.client, { commandTimeout: TIMEOUT });
    const heard: string[] = [];
    try {
      server.freeze();
      try {
        const { error } = await failure(port.subscribe('faults:late', (m) => heard.push(String(m))));
        expect(error.reason).toBe('timeout');
      } finally {
        server.thaw();
      }
      // the subscriber connection comes up late, and must not subscribe for the caller who gave up
      const probe = toPort(handle.client, { commandTimeout: TIMEOUT });
      const seen: string[] = [];
      await probe.subscribe('faults:probe', (m) => seen.push(String(m)));
      await port.publish('faults:probe', 'sync');
      await pollUntil(
        () => seen.length === 1,
        5000,
        () => 'probe message not delivered',
      );
      expect(await port.publish('faults:late', 'nobody')).toBe(0);
      expect(heard).toEqual([]);
      await probe.close();
    } finally {
      await port.close();
    }
  });

  it('keeps its bus subscription across a restart', async () => {
    await recovered();
    const busA = new RedisBus({
      client: handle.client,
      prefix: 'faults:',
      instanceId: 'a',
      commandTimeout: TIMEOUT,
    });
    const other = await kind.single(server.port);
    const busB = new RedisBus({
      client: other.client,
      prefix: 'faults:',
      instanceId: 'b',
      commandTimeout: TIMEOUT,
    });
    try {
      const received: ReceivedInvalidation[] = [];
      await busA.subscribe((m) => received.push(m));
      await busB.publish({ keys: ['before'] });
      await pollUntil(
        () => received.length === 1,
        5000,
        () => 'no message before the restart',
      );
      await server.kill();
      await server.restart();
      // the client resubscribes by itself once it has reconnected
      await pollUntil(
        async () => (await busB.publish({ keys: ['after'] }).catch(() => 0)) > 0,
        15_000,
        () => 'no subscriber after the restart',
        50,
      );
      await pollUntil(
        () => received.some((m) => m.keys[0] === 'after'),
        5000,
        () => 'no message after the restart',
      );
      expect(received[0]).toEqual({ keys: ['before'], tags: [], clear: false, from: 'b' });
    } finally {
      await busA.close();
      await busB.close();
      await other.close();
    }
  });
});

describe('a port closed by its owner', () => {
  it('rejects every call as unavailable', async () => {
    const server = await startRedisServer();
    const handle = await kinds[0]!.single(server.port);
    try {
      const port = toPort(handle.client);
      await port.close();
      const { error } = await failure(port.eval(new LuaScript('x', 'return 1'), []));
      expect(error.reason).toBe('unavailable');
    } finally {
      await handle.close();
      await server.stop();
    }
  });
});
