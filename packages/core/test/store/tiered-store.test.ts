import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import type { InvalidationMessage } from '../../src/store/shared-backend.js';
import { TieredStore, type TieredStoreOptions } from '../../src/store/tiered-store.js';
import { deferred, settle } from '../http/harness.js';
import { entry, FlakyStore, LocalBus, text } from './support.js';

const T0 = Date.UTC(2025, 0, 1);

function setup(options: Partial<TieredStoreOptions> = {}) {
  let now = T0;
  const clock = () => now;
  const l2 = new FlakyStore(new MemoryStore({ now: clock }));
  const errors: [unknown, string][] = [];
  const store = new TieredStore({
    l2,
    now: clock,
    onError: (error, context) => errors.push([error, context]),
    ...options,
  });
  return {
    store,
    l2,
    errors,
    clock,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('TieredStore: L1 in front of L2', () => {
  it('reads L1 first, then L2, and copies what L2 had into L1', async () => {
    const { store, l2 } = setup();
    await l2.inner.set('k', entry(T0, 60_000, 'from l2'));
    expect(text(await store.get('k'))).toBe('from l2');
    expect(text(await store.l1.get('k'))).toBe('from l2');
    l2.calls.length = 0;
    expect(text(await store.get('k'))).toBe('from l2');
    expect(l2.calls).toEqual([]);
    expect(store.stats()).toMatchObject({ l1Hits: 1, l2Hits: 1, misses: 0 });
  });

  it('writes both tiers', async () => {
    const { store, l2 } = setup();
    await store.set('k', entry(T0, 60_000, 'v'));
    expect(text(await store.l1.get('k'))).toBe('v');
    expect(text(await l2.inner.get('k'))).toBe('v');
  });

  it('keeps L1 copies no longer than the entry lives', async () => {
    const { store, l2, advance } = setup();
    await l2.inner.set('k', entry(T0, 1000));
    await store.get('k');
    advance(1001);
    expect(await store.l1.get('k')).toBeUndefined();
    expect(await store.get('k')).toBeUndefined();
  });

  it('does not copy an entry past its expiresAt into L1', async () => {
    let now = T0;
    const l2: ReturnType<typeof setup>['l2'] = new FlakyStore(new MemoryStore({ now: () => T0 }));
    const store = new TieredStore({ l2, now: () => now });
    await l2.inner.set('k', entry(T0, 1000));
    now = T0 + 5000;
    // the store returns what L2 has (the engine checks expiry); L1 stays empty
    expect(await store.get('k')).toBeDefined();
    expect(await store.l1.get('k')).toBeUndefined();
  });

  it('caps L1 copies at l1Ttl, then reads L2 again', async () => {
    const { store, l2, advance } = setup({ l1Ttl: 100 });
    await l2.inner.set('k', entry(T0, 60_000, 'v1'));
    await store.get('k');
    expect((await store.l1.get('k'))?.expiresAt).toBe(T0 + 100);
    await l2.inner.set('k', entry(T0, 60_000, 'v2'));
    advance(50);
    expect(text(await store.get('k'))).toBe('v1');
    advance(50);
    const fresh = await store.get('k');
    expect(text(fresh)).toBe('v2');
    // the entry returned is L2's own, with its real expiry
    expect(fresh?.expiresAt).toBe(T0 + 60_000);
  });

  it('shares one L2 read between concurrent readers of a key', async () => {
    const { store, l2 } = setup();
    await l2.inner.set('k', entry(T0, 60_000));
    const results = await Promise.all(Array.from({ length: 50 }, () => store.get('k')));
    expect(results.every((r) => text(r) === 'hello')).toBe(true);
    expect(l2.calls.filter((c) => c === 'get')).toHaveLength(1);
  });

  it('does not copy a read that was in flight during a write or an invalidation', async () => {
    const { store, l2 } = setup();
    await l2.inner.set('k', entry(T0, 60_000, 'old'));
    const gate = deferred<void>();
    l2.holdGets = gate.promise;
    const reading = store.get('k');
    await settle();
    await store.set('k', entry(T0, 60_000, 'new'));
    gate.resolve();
    expect(text(await reading)).toBe('old');
    expect(text(await store.l1.get('k'))).toBe('new');

    const release = deferred<void>();
    l2.holdGets = release.promise;
    await store.l1.delete('k');
    const again = store.get('k');
    await settle();
    await store.invalidateLocal({ tags: ['anything'] });
    release.resolve();
    await again;
    expect(await store.l1.get('k')).toBeUndefined();
  });
});

describe('TieredStore: an L2 that fails', () => {
  it('reads as a miss, and L1 still serves', async () => {
    const { store, l2, errors } = setup();
    await store.set('k', entry(T0, 60_000));
    l2.failing.add('get');
    expect(text(await store.get('k'))).toBe('hello');
    expect(await store.get('other')).toBeUndefined();
    expect(errors.map(([, c]) => c)).toEqual(['l2.get']);
    expect(store.stats().l2Errors).toBe(1);
  });

  it('absorbs a failed write: L1 keeps the entry', async () => {
    const { store, l2, errors } = setup();
    l2.failing.add('set');
    await expect(store.set('k', entry(T0, 60_000))).resolves.toBeUndefined();
    expect(text(await store.get('k'))).toBe('hello');
    expect(errors.map(([, c]) => c)).toEqual(['l2.set']);
  });

  it('rejects an invalidation that did not reach L2, after clearing L1', async () => {
    const { store, l2 } = setup();
    await store.set('k', entry(T0, 60_000, 'v', { tags: ['t'] }));
    l2.failing.add('deleteByTags');
    l2.failing.add('delete');
    l2.failing.add('clear');
    await expect(store.deleteByTags(['t'])).rejects.toThrow('deleteByTags failed');
    expect(await store.l1.get('k')).toBeUndefined();
    await expect(store.delete('k')).rejects.toThrow('delete failed');
    await expect(store.clear()).rejects.toThrow('clear failed');
  });

  it('warns once per context without onError', async () => {
    const l2 = new FlakyStore(new MemoryStore());
    l2.failing.add('get');
    const store = new TieredStore({ l2 });
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      await store.get('a');
      await store.get('b');
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.includes('l2.get'))).toHaveLength(1);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('TieredStore: invalidations across instances', () => {
  function pair() {
    let now = T0;
    const clock = () => now;
    const l2 = new MemoryStore({ now: clock });
    const bus = new LocalBus();
    const noted: unknown[] = [];
    const notedByA: unknown[] = [];
    const a = new TieredStore({
      l2,
      bus: bus.connect(),
      now: clock,
      onInvalidation: (m) => notedByA.push(m),
    });
    const b = new TieredStore({ l2, bus: bus.connect(), now: clock, onInvalidation: (m) => noted.push(m) });
    return { a, b, bus, noted, notedByA, l2, advance: (ms: number) => (now += ms) };
  }

  it('a delete on one instance drops the other instance L1 copy', async () => {
    const { a, b, noted } = pair();
    await Promise.all([a.ready, b.ready]);
    await a.set('k', entry(T0, 60_000));
    expect(text(await b.get('k'))).toBe('hello');
    await a.delete('k');
    await settle();
    expect(await b.l1.get('k')).toBeUndefined();
    expect(await b.get('k')).toBeUndefined();
    expect(noted).toEqual([{ keys: ['k'] }]);
  });

  it('deleteByTags and clear reach the other instances; counts are the larger of the tiers', async () => {
    const { a, b } = pair();
    await a.set('x', entry(T0, 60_000, 'x', { tags: ['t'] }));
    await a.set('y', entry(T0, 60_000, 'y'));
    await b.get('x');
    await b.get('y');
    expect(await a.deleteByTags(['t'])).toBe(1);
    await settle();
    expect(await b.l1.get('x')).toBeUndefined();
    expect(text(await b.l1.get('y'))).toBe('y');
    await a.clear();
    await settle();
    expect(await b.l1.get('y')).toBeUndefined();
  });

  it('rejects an invalidation that could not be published', async () => {
    const { a, bus } = pair();
    bus.failPublish = true;
    await expect(a.delete('k')).rejects.toThrow('bus down');
  });

  it('never sends its own messages back to itself', async () => {
    const { a, noted, notedByA } = pair();
    await a.set('k', entry(T0, 60_000));
    await a.delete('k');
    await settle();
    expect(notedByA).toEqual([]);
    expect(noted).toEqual([{ keys: ['k'] }]);
  });

  it('retries a subscription the bus refused, and stops listening on close', async () => {
    let attempts = 0;
    const handlers: ((m: InvalidationMessage) => void)[] = [];
    const bus = {
      publish: async () => 1,
      subscribe: async (handler: (m: InvalidationMessage) => void) => {
        if (attempts++ === 0) throw new Error('redis down');
        handlers.push(handler);
        return async () => {
          handlers.splice(handlers.indexOf(handler), 1);
        };
      },
    };
    const errors: string[] = [];
    const store = new TieredStore({
      l2: new MemoryStore(),
      bus,
      onError: (_e, context) => errors.push(context),
    });
    await store.ready;
    expect(attempts).toBe(2);
    expect(handlers).toHaveLength(1);
    expect(errors).toEqual(['bus.subscribe']);
    await store.close();
    expect(handlers).toHaveLength(0);
  });

  it('close ends a pending retry, and closes only its own L1', async () => {
    const bus = {
      publish: async () => 1,
      subscribe: async () => {
        throw new Error('redis down');
      },
    };
    const l2 = new FlakyStore(new MemoryStore());
    const store = new TieredStore({ l2, bus, onError: () => {} });
    await settle();
    await store.close();
    await store.ready;
    await store.close();
    // L2 was given, so it is still usable
    await l2.set('k', entry(Date.now(), 60_000));
    expect(await l2.get('k')).toBeDefined();
  });
});

describe('TieredStore options', () => {
  const l2 = new MemoryStore();
  it.each([
    [{ l2: undefined }, 'l2'],
    [{ l2: {} }, 'l2'],
    [{ l2, l1: 1 }, 'l1'],
    [{ l2, bus: {} }, 'bus'],
    [{ l2, l1Ttl: 0 }, 'l1Ttl'],
    [{ l2, l1Ttl: '1s' }, 'l1Ttl'],
    [{ l2, now: 1 }, 'now'],
    [{ l2, l1: new MemoryStore(), maxEntries: 5 }, 'maxEntries'],
    [{ l2, l1: new MemoryStore(), seed: 5 }, 'seed'],
    [{ l2, seed: 0.5 }, 'seed'],
    [{ l2, bogus: true }, 'bogus'],
  ])('%o is a ConfigError naming %s', (options, option) => {
    expect(() => new TieredStore(options as unknown as TieredStoreOptions)).toThrow(ConfigError);
    try {
      new TieredStore(options as unknown as TieredStoreOptions);
    } catch (error) {
      expect((error as ConfigError).option).toBe(option);
    }
  });

  it('bounds its default L1', async () => {
    const store = new TieredStore({ l2: new MemoryStore(), maxEntries: 2 });
    for (const k of ['a', 'b', 'c', 'd']) await store.set(k, entry(Date.now(), 60_000));
    expect((store.l1 as MemoryStore).size).toBeLessThanOrEqual(2);
  });
});
