/**
 * The engine's miss path with a shared tier (DESIGN "Stampede protection" item 2), driven through a
 * coordinator whose answers each test scripts: lead, another process's fill ending each way, a
 * timeout, an unavailable backend. The real protocol over Redis is tested in `@larder/redis`.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { validateRouteOptions } from '../../src/http/options.js';
import { FLIGHT_TIMEOUT, SingleFlight } from '../../src/http/single-flight.js';
import type { HttpCacheOptions, RequestLike } from '../../src/http/types.js';
import { variantKey } from '../../src/http/vary.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import type { FillClaim, FillClaimOptions, SharedBackend } from '../../src/store/shared-backend.js';
import { TieredStore } from '../../src/store/tiered-store.js';
import { deferred, get, Harness, header, type Origin, res, settle } from '../http/harness.js';
import {
  entry,
  FlakyStore,
  LocalBus,
  ReadClaimingCoordinator,
  ScriptedCoordinator,
  text,
} from './support.js';

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.cache.close();
});

function setup(
  answer?: (key: string, options: FillClaimOptions) => FillClaim | Promise<FillClaim>,
  options: HttpCacheOptions = {},
  backend: Partial<SharedBackend> = {},
) {
  return fleetOf((l2) => new ScriptedCoordinator(l2, answer), options, backend);
}

/** An engine whose shared tier is a memory L2 with the coordinator `coordinator` makes over it. */
function fleetOf<C extends ScriptedCoordinator>(
  coordinator: (l2: MemoryStore) => C,
  options: HttpCacheOptions = {},
  backend: Partial<SharedBackend> = {},
) {
  let h!: Harness;
  const l2 = new MemoryStore({ now: () => h.now });
  const fills = coordinator(l2);
  h = new Harness({ ttl: '1m', shared: { store: l2, fills, ...backend }, ...options });
  harnesses.push(h);
  let calls = 0;
  const origin: Origin = async () => {
    calls++;
    return res(200, { 'content-type': 'text/plain' }, `v${calls}`);
  };
  return { h, l2, fills, origin, calls: () => calls, tiered: h.cache.store as TieredStore };
}

const KEY = 'GET example.com/a';

/** The keys read from `l2` from now on, in order. */
function recordReads(l2: MemoryStore): string[] {
  const reads: string[] = [];
  const read = l2.get.bind(l2);
  l2.get = (key) => {
    reads.push(key);
    return read(key);
  };
  return reads;
}

describe('HttpCache with a shared tier: the fleet leader', () => {
  it('fills once per process, writing L2 through the lease, then releases it as filled', async () => {
    const { h, l2, fills, origin, calls, tiered } = setup();
    expect(tiered).toBeInstanceOf(TieredStore);
    const sent = await Promise.all(Array.from({ length: 50 }, () => h.send(get('/a'), origin)));
    expect(sent.every((r) => r.status === 200 && r.text === 'v1')).toBe(true);
    expect(calls()).toBe(1);
    expect(fills.claims).toEqual([{ key: KEY, wait: 4950 }]);
    const lease = fills.leases[0]!;
    expect(lease.writes).toEqual([KEY]);
    expect(lease.released).toEqual({ kind: 'filled' });
    expect(lease.releases).toBe(1);
    expect(text(await l2.get(KEY))).toBe('v1');
    expect(text(await tiered.l1.get(KEY))).toBe('v1');
    // later requests are L1 hits: no claim
    expect((await h.send(get('/a'), origin)).kind).toBe('hit');
    expect(fills.claims).toHaveLength(1);
  });

  it('releases the lease with what the waiters should know when nothing was stored', async () => {
    const { h, fills } = setup();
    await h.send(get('/a'), async () => res(404, { 'cache-control': 'no-store' }, 'nope'));
    expect(fills.leases[0]!.released).toEqual({ kind: 'uncacheable', status: 404 });
    await h.send(get('/b'), async () => {
      throw new Error('origin down');
    });
    expect(fills.leases[1]!.released).toEqual({ kind: 'retry', abandoned: true });
    expect(fills.leases[1]!.writes).toEqual([]);
  });

  it('reads the entry instead of calling the origin when the previous filler finished meanwhile', async () => {
    const { h, l2, fills, origin, calls } = setup(async (key) => {
      await l2.set(key, entry(h.now, 60_000, 'filled elsewhere'));
      return { kind: 'lead', lease: fills.lease(key) };
    });
    const sent = await Promise.all(Array.from({ length: 10 }, () => h.send(get('/a'), origin)));
    expect(sent.map((r) => r.text)).toEqual(Array(10).fill('filled elsewhere'));
    expect(calls()).toBe(0);
    expect(fills.leases[0]!.released).toEqual({ kind: 'retry', abandoned: false });
  });

  it('trusts what the coordinator saw with the lock: no extra read when nothing changed', async () => {
    const { h, l2, fills, origin, calls } = setup();
    const reads = recordReads(l2);
    fills.answer = (key) => ({ kind: 'lead', lease: fills.lease(key), current: null });
    expect((await h.send(get('/a'), origin)).text).toBe('v1');
    // one read by the lookup, none after the lock
    expect(reads).toEqual([KEY]);
    // the first fill's shared write lands (a request before that would share the first fill's outcome)
    await settle();
    // a filler that finished between our read and our lock: its entry is served, no origin call
    // (once our own fill's write has landed: until then a request joins that fill)
    await settle();
    h.advance(120_000);
    fills.answer = async (key) => {
      await l2.set(KEY, entry(h.now, 60_000, 'newer'));
      return {
        kind: 'lead',
        lease: fills.lease(key),
        current: { storedAt: h.now, staleAt: h.now + 60_000, expiresAt: h.now + 60_000 },
      };
    };
    expect((await h.send(get('/a'), origin)).text).toBe('newer');
    expect(calls()).toBe(1);
    expect(fills.leases[1]!.released).toEqual({ kind: 'retry', abandoned: false });
  });

  it("answers this process's waiters once the shared write has landed, or after a short grace", async () => {
    const { h, fills, origin } = setup();
    const gate = deferred<void>();
    fills.answer = (key) => {
      const lease = fills.lease(key);
      const write = lease.write.bind(lease);
      // a Redis that takes its time with the write
      lease.write = async (k, e) => {
        await gate.promise;
        return write(k, e);
      };
      return { kind: 'lead', lease };
    };
    const started = performance.now();
    const sent = await Promise.all(Array.from({ length: 10 }, () => h.send(get('/a'), origin)));
    const elapsed = performance.now() - started;
    expect(sent.map((r) => r.text)).toEqual(Array(10).fill('v1'));
    expect(sent.filter((r) => r.kind === 'hit')).toHaveLength(9);
    // the waiters did not wait for the write: about the grace (25 ms), not forever
    expect(elapsed).toBeLessThan(1000);
    // the lease goes only once the write has landed, telling the other processes it is there
    expect(fills.leases[0]!.released).toBeUndefined();
    gate.resolve();
    await settle();
    expect(fills.leases[0]!.released).toEqual({ kind: 'filled' });
  });

  it('does not lead for requests that never lead a fill (HEAD, Authorization)', async () => {
    const { h, fills, origin } = setup();
    await h.send(get('/a', {}, 'HEAD'), origin);
    await h.send(get('/a', { authorization: 'Bearer x' }), origin);
    expect(fills.claims).toEqual([]);
  });
});

describe('HttpCache with a shared tier: reading and claiming in one step (readOrClaim)', () => {
  const setupReadClaiming = (options: HttpCacheOptions = {}) =>
    fleetOf((l2) => new ReadClaimingCoordinator(l2), options);

  it('a cold miss leads from the claim its read began: no second claim, no read after the lock', async () => {
    const { h, l2, fills, origin, calls } = setupReadClaiming();
    const reads = recordReads(l2);
    fills.answer = (key) => ({ kind: 'lead', lease: fills.lease(key), current: null });
    const sent = await Promise.all(Array.from({ length: 20 }, () => h.send(get('/a'), origin)));
    expect(sent.every((r) => r.text === 'v1')).toBe(true);
    expect(calls()).toBe(1);
    // one read for the 20 requests, which began the claim the leader took up
    expect(fills.steps).toEqual([`read ${KEY}`, `take ${KEY} (wait 4950)`]);
    expect(fills.claims).toEqual([]);
    expect(reads).toEqual([KEY]);
    expect(fills.leases[0]!.released).toEqual({ kind: 'filled' });
  });

  it('a stored entry is served from the read, and nothing is claimed', async () => {
    const { h, l2, fills, origin, calls } = setupReadClaiming();
    await l2.set(KEY, entry(h.now, 60_000, 'stored'));
    expect((await h.send(get('/a'), origin)).text).toBe('stored');
    expect(calls()).toBe(0);
    expect(fills.steps).toEqual([`read ${KEY}`]);
  });

  it('requests that never lead a fill read without claiming (HEAD, Authorization)', async () => {
    const { h, fills, origin } = setupReadClaiming();
    await h.send(get('/a', {}, 'HEAD'), origin);
    await h.send(get('/a', { authorization: 'Bearer x' }), origin);
    expect(fills.steps).toEqual([]);
    expect(fills.claims).toEqual([]);
  });

  it('a claim begun by a read that no request takes up (hit-for-pass) is dropped', async () => {
    const { h, fills } = setupReadClaiming();
    const uncacheable: Origin = async () => res(200, { 'cache-control': 'no-store' }, 'private');
    await h.send(get('/a'), uncacheable);
    expect(fills.steps).toEqual([`read ${KEY}`, `take ${KEY} (wait 4950)`]);
    // the key is now hit-for-pass: the next request reads (and its read claims), then passes
    const next = await h.send(get('/a'), uncacheable);
    expect(next).toMatchObject({ kind: 'pass', reason: 'hit-for-pass' });
    await settle();
    expect(fills.steps).toEqual([`read ${KEY}`, `take ${KEY} (wait 4950)`, `read ${KEY}`, `drop ${KEY}`]);
  });

  it('a read that fails is a miss, and the request claims as without readOrClaim', async () => {
    const { h, fills, origin, calls } = setupReadClaiming();
    fills.readOrClaim = async () => {
      throw new Error('Redis down');
    };
    expect((await h.send(get('/a'), origin)).text).toBe('v1');
    expect(calls()).toBe(1);
    expect(fills.claims).toEqual([{ key: KEY, wait: 4950 }]);
    expect(h.errors.map(([error, context]) => [(error as Error).message, context])).toEqual([
      ['Redis down', 'shared.l2.get'],
    ]);
  });
});

describe('HttpCache with a shared tier: waiting for another process', () => {
  it('reads the shared store when the other fill is done: no origin call in this process', async () => {
    const { h, l2, fills, origin, calls, tiered } = setup(async (key) => {
      await l2.set(key, entry(h.now, 60_000, 'theirs'));
      return { kind: 'done', outcome: { kind: 'filled' } };
    });
    const sent = await Promise.all(Array.from({ length: 50 }, () => h.send(get('/a'), origin)));
    expect(sent.every((r) => r.status === 200 && r.text === 'theirs' && r.kind === 'hit')).toBe(true);
    expect(calls()).toBe(0);
    expect(fills.claims).toHaveLength(1);
    expect(text(await tiered.l1.get(KEY))).toBe('theirs');
  });

  it("answers this process's waiters from the entry the other fill stored, read once: collapsed hits", async () => {
    let h!: Harness;
    const l2 = new FlakyStore(new MemoryStore({ now: () => h.now }));
    const fills = new ScriptedCoordinator(l2, async (key) => {
      await l2.inner.set(key, entry(h.now, 60_000, 'theirs'));
      return { kind: 'done', outcome: { kind: 'filled' } };
    });
    h = new Harness({ ttl: '1m', shared: { store: l2, fills } });
    harnesses.push(h);
    const origin: Origin = async () => res(200, {}, 'ours');
    const sent = await Promise.all(Array.from({ length: 50 }, () => h.send(get('/a'), origin)));
    // the request that waited for the fleet looks again (L1), the others were collapsed into it
    expect(sent.map((r) => `${r.text} ${header(r, 'cache-status')}`).sort()).toEqual([
      ...Array.from({ length: 49 }, () => 'theirs larder; hit; collapsed'),
      'theirs larder; hit; ttl=60',
    ]);
    expect(h.cache.stats()).toMatchObject({ misses: 1, hits: 50, coalesced: 49, fleetWaits: 1 });
    // the cold read, then the read of the other fill's entry: not one per waiter
    expect(l2.calls.filter((c) => c === 'get')).toHaveLength(2);
  });

  it('answers from the entry the notice carried, without reading the shared store again', async () => {
    let h!: Harness;
    const l2 = new FlakyStore(new MemoryStore({ now: () => h.now }));
    const fills = new ScriptedCoordinator(l2, async (key) => {
      const carried = entry(h.now, 60_000, 'carried');
      await l2.inner.set(key, carried);
      return { kind: 'done', outcome: { kind: 'filled', entry: carried } };
    });
    h = new Harness({ ttl: '1m', shared: { store: l2, fills } });
    harnesses.push(h);
    const origin: Origin = async () => res(200, {}, 'ours');
    const sent = await Promise.all(Array.from({ length: 20 }, () => h.send(get('/a'), origin)));
    expect(sent.every((r) => r.text === 'carried')).toBe(true);
    expect(h.cache.stats()).toMatchObject({ misses: 1, hits: 20, coalesced: 19, fleetWaits: 1 });
    // the cold read only
    expect(l2.calls.filter((c) => c === 'get')).toHaveLength(1);
  });

  it("after another process's Vary'd fill, each waiter looks up its own variant", async () => {
    const { h, l2, origin, calls } = setup(async (key) => {
      const vary = ['accept-language'];
      await l2.set(key, entry(h.now, 60_000, '', { vary }));
      for (const lang of ['en', 'fr']) {
        const at = variantKey(key, vary, { 'accept-language': lang });
        await l2.set(at, entry(h.now, 60_000, lang, { headers: { vary: 'accept-language' } }));
      }
      return { kind: 'done', outcome: { kind: 'filled' } };
    });
    const sent = await Promise.all(
      ['en', 'fr', 'en', 'fr'].map((lang) => h.send(get('/a', { 'accept-language': lang }), origin)),
    );
    expect(sent.map((r) => r.text)).toEqual(['en', 'fr', 'en', 'fr']);
    expect(calls()).toBe(0);
  });

  it('passes, and remembers hit-for-pass, when the other fill was not storable', async () => {
    const { h, fills, origin, calls } = setup(() => ({
      kind: 'done',
      outcome: { kind: 'uncacheable', status: 404 },
    }));
    const sent = await Promise.all(Array.from({ length: 5 }, () => h.send(get('/a'), origin)));
    expect(sent.every((r) => r.kind === 'pass' && r.reason === 'hit-for-pass')).toBe(true);
    expect(calls()).toBe(5);
    await h.send(get('/a'), origin);
    expect(fills.claims).toHaveLength(1);
  });

  it('serves stale-if-error when the other fill failed with a 5xx', async () => {
    const route = validateRouteOptions({ ttl: '1s', staleIfError: '1h' });
    const { h, fills, origin, calls } = setup();
    await h.send(get('/a'), origin, route);
    await settle();
    h.advance(2000);
    fills.answer = () => ({ kind: 'done', outcome: { kind: 'uncacheable', status: 503 } });
    const sent = await h.send(get('/a'), origin, route);
    expect(sent.kind).toBe('stale');
    expect(sent.text).toBe('v1');
    expect(header(sent, 'cache-status')).toContain('fwd-status=503');
    expect(calls()).toBe(1);
    // a 5xx is no reason to stop coordinating: the next request claims again
    await h.send(get('/a'), origin, route);
    expect(fills.claims).toHaveLength(3);
  });

  it('claims again after the other fill was abandoned', async () => {
    const { h, fills, origin, calls } = setup();
    let n = 0;
    fills.answer = (key) =>
      n++ === 0
        ? { kind: 'done', outcome: { kind: 'retry', abandoned: true } }
        : { kind: 'lead', lease: fills.lease(key) };
    const sent = await h.send(get('/a'), origin);
    expect(sent.text).toBe('v1');
    expect(calls()).toBe(1);
    expect(fills.claims).toHaveLength(2);
  });

  it('after lockTimeout: one more read of L2, else the origin without storing, for every waiter', async () => {
    const { h, l2, fills, origin, calls, tiered } = setup(() => ({ kind: 'timeout' }), { lockTimeout: 200 });
    const sent = await Promise.all(Array.from({ length: 5 }, () => h.send(get('/a'), origin)));
    expect(sent.every((r) => r.kind === 'pass' && r.reason === 'lock-timeout')).toBe(true);
    expect(calls()).toBe(5);
    expect(fills.claims).toEqual([{ key: KEY, wait: 180 }]);
    expect(await l2.get(KEY)).toBeUndefined();
    expect(await tiered.l1.get(KEY)).toBeUndefined();

    fills.answer = async (key) => {
      await l2.set(key, entry(h.now, 60_000, 'late but there'));
      return { kind: 'timeout' };
    };
    const late = await Promise.all(Array.from({ length: 5 }, () => h.send(get('/b'), origin)));
    expect(late.map((r) => r.text)).toEqual(Array(5).fill('late but there'));
    expect(calls()).toBe(5);
  });

  it('behaves as a single process when the backend is unavailable', async () => {
    const { h, l2, origin, calls, tiered } = setup(() => ({ kind: 'unavailable' }));
    const sent = await Promise.all(Array.from({ length: 20 }, () => h.send(get('/a'), origin)));
    expect(sent.every((r) => r.text === 'v1')).toBe(true);
    expect(calls()).toBe(1);
    expect(h.cache.stats()).toMatchObject({ misses: 1, coalesced: 19, stores: 1 });
    expect(text(await l2.get(KEY))).toBe('v1');
    expect(text(await tiered.l1.get(KEY))).toBe('v1');
  });

  it('treats a coordinator that throws as unavailable, and reports it', async () => {
    const { h, origin, calls } = setup(() => {
      throw new Error('coordinator bug');
    });
    expect((await h.send(get('/a'), origin)).text).toBe('v1');
    expect(calls()).toBe(1);
    expect(h.errors.map(([, c]) => c)).toEqual(['shared.claim']);
  });
});

describe('HttpCache with a shared tier: stale-while-revalidate across the fleet', () => {
  const swr = validateRouteOptions({ ttl: '10s', staleWhileRevalidate: '60s' });

  function app(answer?: (key: string, options: FillClaimOptions) => FillClaim | Promise<FillClaim>) {
    let version = 0;
    const origin: Origin = async () => res(200, { 'content-type': 'text/plain' }, `v${++version}`);
    const revalidate = vi.fn(async (req: RequestLike) => {
      await s.h.send(req, origin, swr);
    });
    const s = setup(answer, { revalidate });
    return { ...s, origin, revalidate };
  }

  it('refreshes only when it takes the lease, and writes the new entry through it', async () => {
    const { h, l2, fills, origin, revalidate } = app();
    await h.send(get('/a'), origin, swr);
    h.advance(15_000);
    const sent = await Promise.all(Array.from({ length: 10 }, () => h.send(get('/a'), origin, swr)));
    expect(sent.every((r) => r.kind === 'stale' && r.text === 'v1')).toBe(true);
    await settle();
    expect(fills.claims.map((c) => c.wait)).toEqual([4950, 0]);
    expect(revalidate).toHaveBeenCalledTimes(1);
    const lease = fills.leases[1]!;
    expect(lease.writes).toEqual([KEY]);
    expect(lease.released).toEqual({ kind: 'filled' });
    expect(text(await l2.get(KEY))).toBe('v2');
    expect((await h.send(get('/a'), origin, swr)).text).toBe('v2');
  });

  it('leaves the refresh to the process that holds the key, and asks again after its fill', async () => {
    const { h, fills, origin, revalidate, tiered } = app();
    await h.send(get('/a'), origin, swr);
    h.advance(15_000);
    fills.answer = () => ({ kind: 'timeout' });
    await h.send(get('/a'), origin, swr);
    await settle();
    await h.send(get('/a'), origin, swr);
    await settle();
    expect(revalidate).not.toHaveBeenCalled();
    // one claim per key while the other process refreshes, not one per stale hit
    expect(fills.claims.map((c) => c.wait)).toEqual([4950, 0]);
    // its fill notice drops our stale copy; the next request reads the new entry from L2
    await tiered.l2.set(KEY, {
      ...(await tiered.l2.get(KEY))!,
      staleAt: h.now + 10_000,
      body: Buffer.from('new'),
    });
    fills.filled(KEY);
    await settle();
    expect(await tiered.l1.get(KEY)).toBeUndefined();
    const fresh = await h.send(get('/a'), origin, swr);
    expect(fresh.kind).toBe('hit');
    expect(fresh.text).toBe('new');
  });

  it('refreshes as a single process when the backend is unavailable', async () => {
    const { h, fills, origin, revalidate } = app();
    await h.send(get('/a'), origin, swr);
    h.advance(15_000);
    fills.answer = () => ({ kind: 'unavailable' });
    await h.send(get('/a'), origin, swr);
    await settle();
    expect(revalidate).toHaveBeenCalledTimes(1);
    expect((await h.send(get('/a'), origin, swr)).text).toBe('v2');
  });

  it('gives back a lease the refresh never used', async () => {
    // a refresh that never reaches the engine (the route stopped caching, say)
    const { h, fills, origin } = setup(undefined, { revalidate: async () => {} });
    await h.send(get('/a'), origin, swr);
    h.advance(15_000);
    await h.send(get('/a'), origin, swr);
    await settle();
    expect(fills.claims.map((c) => c.wait)).toEqual([4950, 0]);
    expect(fills.leases[1]!.released).toEqual({ kind: 'retry', abandoned: true });
  });
});

describe('HttpCache with a shared tier: other processes', () => {
  it('drops its L1 copy when another engine filled the key, but not for its own fills', async () => {
    const { h, fills, origin, tiered } = setup();
    await h.send(get('/a'), origin);
    fills.filled(KEY, fills.leases[0]);
    await settle();
    expect(await tiered.l1.get(KEY)).toBeDefined();
    fills.filled(KEY);
    await settle();
    expect(await tiered.l1.get(KEY)).toBeUndefined();
  });

  it('an invalidation on one engine reaches the other engine L1, and stops its fills in flight from storing', async () => {
    const bus = new LocalBus();
    const now = Date.UTC(2025, 0, 1);
    const l2 = new MemoryStore({ now: () => now });
    const make = () => {
      const h = new Harness({ ttl: '1m', shared: { store: l2, bus } });
      h.now = now;
      harnesses.push(h);
      return h;
    };
    // one bus for both engines: `connect` gives each its own endpoint
    const a = make();
    const b = make();
    await Promise.all([(a.cache.store as TieredStore).ready, (b.cache.store as TieredStore).ready]);
    const origin: Origin = async () => res(200, { 'surrogate-key': 'products' }, 'v');
    await a.send(get('/p'), origin);
    await b.send(get('/p'), origin);
    expect(await (b.cache.store as TieredStore).l1.get('GET example.com/p')).toBeDefined();

    const gate = deferred<void>();
    const slow = b.send(get('/q'), async () => {
      await gate.promise;
      return res(200, { 'surrogate-key': 'products' }, 'old');
    });
    await settle();
    expect(await a.cache.invalidate({ tags: ['products'] })).toBe(1);
    await settle();
    expect(await (b.cache.store as TieredStore).l1.get('GET example.com/p')).toBeUndefined();
    gate.resolve();
    expect((await slow).text).toBe('old');
    expect(await l2.get('GET example.com/q')).toBeUndefined();
    expect(b.cache.stats().notStored).toBe(1);
  });

  it('wrap() keeps its values in the shared store too', async () => {
    const l2 = new MemoryStore();
    const a = new Harness({ ttl: '1m', shared: { store: l2 } });
    const b = new Harness({ ttl: '1m', shared: { store: l2 } });
    harnesses.push(a, b);
    a.now = b.now = Date.now();
    let calls = 0;
    const fn = async () => ({ n: ++calls, at: new Date(0) });
    expect(await a.cache.wrap('k', fn)).toEqual({ n: 1, at: new Date(0) });
    await settle();
    expect(await b.cache.wrap('k', fn)).toEqual({ n: 1, at: new Date(0) });
    expect(calls).toBe(1);
  });

  it('retains the backend while open and lets go of it (and its listeners) on close', async () => {
    const release = vi.fn(async () => {});
    const retain = vi.fn(() => release);
    const { h, fills } = setup(undefined, {}, { retain });
    expect(retain).toHaveBeenCalledTimes(1);
    expect(fills.listeners).toBe(1);
    await h.cache.close();
    await h.cache.close();
    expect(release).toHaveBeenCalledTimes(1);
    expect(fills.listeners).toBe(0);
  });
});

describe('HttpCache shared option', () => {
  const store = new MemoryStore();
  it.each([
    [{ shared: 1 }, 'shared'],
    [{ shared: {} }, 'shared.store'],
    [{ shared: { store, bus: {} } }, 'shared.bus'],
    [{ shared: { store, bus: { publish() {}, subscribe() {}, connect: 1 } } }, 'shared.bus'],
    [{ shared: { store, fills: {} } }, 'shared.fills'],
    [{ shared: { store, l1Ttl: -1 } }, 'shared.l1Ttl'],
    [{ shared: { store, retain: 1 } }, 'shared.retain'],
    [{ shared: { store }, store }, 'shared'],
  ])('%o is a ConfigError naming %s', (options, option) => {
    let error: unknown;
    try {
      new Harness(options as HttpCacheOptions);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).option).toBe(option);
  });

  it('bounds the L1 with maxEntries and maxBytes', async () => {
    const h = new Harness({ ttl: '1m', maxEntries: 2, shared: { store: new MemoryStore() } });
    harnesses.push(h);
    const origin: Origin = async () => res(200, {}, 'x');
    for (const p of ['/a', '/b', '/c', '/d']) await h.send(get(p), origin);
    expect(((h.cache.store as TieredStore).l1 as MemoryStore).size).toBeLessThanOrEqual(2);
  });
});

describe('SingleFlight expire', () => {
  it('ends the flight as a timeout at once, and is a no-op once settled', async () => {
    const flights = new SingleFlight<string>(60_000);
    const leader = flights.begin('k')!;
    const waiting = flights.join('k')!;
    leader.expire();
    expect(await waiting).toBe(FLIGHT_TIMEOUT);
    expect(leader.settled).toBe(true);
    expect(flights.has('k')).toBe(false);
    leader.settle('late');
    leader.expire();
    const next = flights.begin('k')!;
    next.settle('v');
    next.expire();
    expect(next.settled).toBe(true);
  });
});
