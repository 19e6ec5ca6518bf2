/**
 * RedisLock when its Redis dies, restarts or freezes: every operation fails fast with
 * LockUnavailableError (never LockTimeoutError: a dead backend is not a busy resource), a held lock
 * survives an outage shorter than its validity, and a restart that lost the key is detected as a
 * lost lock. Each suite kills its own server.
 */
import { LockLostError, LockTimeoutError, LockUnavailableError, StoreError } from '@larder/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisLock, toPort } from '../../src/index.js';
import { type ClientHandle, clientKinds, uniquePrefix } from '../support/clients.js';
import { pollUntil, type RedisServer, startRedisServer } from '../support/redis-server.js';

const TIMEOUT = 300;
const SLACK = 3000;
// one kind per library and major version, on its default protocol
const kinds = clientKinds.filter((k) => k.cluster !== undefined);

async function failure(promise: Promise<unknown>): Promise<{ error: unknown; elapsed: number }> {
  const started = performance.now();
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  return { error, elapsed: performance.now() - started };
}

describe.each(kinds)('RedisLock, $name, when Redis fails', (kind) => {
  let server: RedisServer;
  let handle: ClientHandle;
  let locks: RedisLock;

  beforeAll(async () => {
    server = await startRedisServer();
    handle = await kind.single(server.port);
    locks = new RedisLock({
      client: handle.client,
      prefix: uniquePrefix('lock-faults'),
      commandTimeout: TIMEOUT,
    });
  });
  afterAll(async () => {
    server?.thaw();
    await locks?.close();
    await handle?.close();
    await server?.stop();
  });

  async function recovered(): Promise<void> {
    await pollUntil(
      async () => {
        try {
          const probe = await locks.tryAcquire('probe', { ttl: 1000 });
          await probe?.release();
          return probe !== undefined;
        } catch {
          return false;
        }
      },
      15_000,
      () => `${kind.name} did not recover`,
      50,
    );
  }

  function expectUnavailable(error: unknown, operation: string): void {
    expect(error).toBeInstanceOf(LockUnavailableError);
    expect(error).not.toBeInstanceOf(LockTimeoutError);
    expect(error).not.toBeInstanceOf(LockLostError);
    expect(error).toMatchObject({ code: 'ERR_LARDER_LOCK_UNAVAILABLE', operation });
    const cause = (error as LockUnavailableError).cause;
    expect(cause).toBeInstanceOf(StoreError);
    expect(['unavailable', 'timeout']).toContain((cause as StoreError).reason);
  }

  it('fails with LockUnavailableError, fast, while Redis is down, and works again after a restart', async () => {
    const lock = await locks.acquire('held', { ttl: 10_000 });
    await server.kill();

    for (const attempt of [
      () => locks.acquire('other', { ttl: 1000, wait: 5000 }),
      () => locks.tryAcquire('other', { ttl: 1000 }),
    ]) {
      const { error, elapsed } = await failure(attempt());
      expectUnavailable(error, 'acquire');
      // no waiting out `wait` against a dead server
      expect(elapsed).toBeLessThan(TIMEOUT + SLACK);
    }
    const extended = await failure(lock.extend());
    expectUnavailable(extended.error, 'extend');
    // Redis failing is not the lock being lost: it may still be held until expiresAt
    expect(lock.signal.aborted).toBe(false);
    expect(lock.held).toBe(true);
    expectUnavailable((await failure(lock.release())).error, 'release');

    await server.restart();
    await recovered();
    // the restarted server has no data: a retried release finds the lock gone
    expect((await failure(lock.release())).error).toBeInstanceOf(LockLostError);
    const again = await locks.acquire('held', { ttl: 1000 });
    await again.release();
  });

  it('keeps auto-extending through an outage, and reports the lock lost when the restart forgot it', async () => {
    await recovered();
    const lost: unknown[] = [];
    const lock = await locks.acquire('auto', {
      ttl: 20_000,
      autoExtend: { interval: 100 },
      onLost: (e) => lost.push(e),
    });
    await server.kill();
    // extensions fail meanwhile (at least a couple of intervals); the lock is not declared lost for that
    await new Promise((r) => setTimeout(r, TIMEOUT * 2 + 200));
    expect(lock.signal.aborted).toBe(false);
    await server.restart();
    const reason = await new Promise<unknown>((resolve, reject) => {
      // on a busy machine the client may reconnect, and an extension find the key gone, before
      // restart() returns: the lock is then lost already
      if (lock.signal.aborted) {
        resolve(lock.signal.reason);
        return;
      }
      const timer = setTimeout(() => reject(new Error('lock not reported lost')), 15_000);
      lock.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve(lock.signal.reason);
      });
    });
    expect(reason).toBeInstanceOf(LockLostError);
    expect((reason as Error).message).toMatch(/does not exist/);
    expect(lost).toEqual([reason]);
  });

  it('times out with LockUnavailableError while Redis is frozen', async () => {
    await recovered();
    server.freeze();
    try {
      const { error, elapsed } = await failure(locks.acquire('frozen', { ttl: 1000, wait: 5000 }));
      expectUnavailable(error, 'acquire');
      expect(((error as LockUnavailableError).cause as StoreError).reason).toBe('timeout');
      expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT - 20);
      expect(elapsed).toBeLessThan(TIMEOUT + SLACK);
    } finally {
      server.thaw();
    }
    await recovered();
    // the SET that timed out was applied after the thaw, then released by the lock itself
    const inspector = toPort(handle.client);
    await pollUntil(
      async () => (await inspector.get(locks.key('frozen'))) === null,
      5000,
      () => 'the lock key of the timed-out acquisition was not released',
    );
  });
});
