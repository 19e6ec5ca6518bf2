/**
 * `createRedisBackend` against the shared Redis servers of the run, on both client families (node-redis
 * 5 and 6, ioredis 5 and 6), standalone and cluster: the TieredStore contract over it, invalidation
 * from one engine to another's L1, the stampede protocol with four engines (each with its own
 * client, as four processes would have) sharing one Redis, and the lock's own guarantees.
 */
import {
  HttpCache,
  type HttpCacheOptions,
  type ResponseLike,
  type SharedBackend,
  TieredStore,
} from '@larder/core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import { createRedisBackend, escapeGlob, type RedisBackend, toPort } from '../../src/index.js';
import { ChaosPort } from '../support/chaos-port.js';
import {
  type ClientHandle,
  type ClientKind,
  clientKinds,
  TEST_COMMAND_TIMEOUT,
  uniquePrefix,
} from '../support/clients.js';
import { makeEntry, runStoreContract } from '../support/store-contract.js';
import { delay, get, ok, send } from './engine.js';

const shared = inject('redis');
// one kind per library and major version, on its default protocol
const kinds = clientKinds.filter((k) => k.cluster !== undefined);

type Open = (kind: ClientKind) => Promise<ClientHandle>;
const standalone: Open = (kind) => kind.single(shared.single);
const cluster: Open = (kind) => kind.cluster!(shared.cluster);

for (const kind of kinds) {
  runStoreContract(`TieredStore over createRedisBackend, ${kind.name}`, async () => {
    const handle = await standalone(kind);
    const prefix = uniquePrefix('tiered');
    const backend = createRedisBackend({
      client: handle.client,
      prefix,
      commandTimeout: TEST_COMMAND_TIMEOUT,
    });
    const store = new TieredStore({ l2: backend.store, bus: backend.bus.connect() });
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
        await backend.close();
        await counter.close();
        await handle.close();
      },
    };
  });
}

/** A fleet of engines sharing one Redis, each with its own client and backend (as processes would). */
async function fleet(
  open: () => Promise<ClientHandle>,
  size: number,
  options: HttpCacheOptions = {},
  lockTtl?: number,
) {
  const prefix = uniquePrefix('fleet');
  const errors: [string, unknown][] = [];
  const handles = await Promise.all(Array.from({ length: size }, open));
  const backends: RedisBackend[] = handles.map((h) =>
    createRedisBackend({
      client: h.client,
      prefix,
      commandTimeout: TEST_COMMAND_TIMEOUT,
      onError: (e, c) => errors.push([c, e]),
      ...(lockTtl === undefined ? {} : { lockTtl }),
    }),
  );
  const engines = backends.map(
    (b) => new HttpCache({ ttl: '1m', shared: b, onError: (e, c) => errors.push([c, e]), ...options }),
  );
  await Promise.all(engines.map((e) => (e.store as TieredStore).ready));
  await Promise.all(backends.map((b) => b.fills?.subscribe()));
  return {
    prefix,
    errors,
    handles,
    backends,
    engines,
    tiered: (i: number) => engines[i]!.store as TieredStore,
    async close() {
      await Promise.all(engines.map((e) => e.close()));
      await Promise.all(backends.map((b) => b.close()));
      await Promise.all(handles.map((h) => h.close()));
    },
  };
}

type Fleet = Awaited<ReturnType<typeof fleet>>;

function fleetSuite(label: string, open: Open, kind: ClientKind) {
  describe(`shared backend: ${kind.name}, ${label}`, () => {
    const fleets: Fleet[] = [];
    const make = async (size: number, options?: HttpCacheOptions, lockTtl?: number) => {
      const f = await fleet(() => open(kind), size, options, lockTtl);
      fleets.push(f);
      return f;
    };
    afterEach(async () => {
      for (const f of fleets.splice(0)) await f.close();
    });

    it('4 engines, 250 concurrent cold requests each: the origin is called exactly once', async () => {
      const f = await make(4);
      let calls = 0;
      const origin = async (): Promise<ResponseLike> => {
        calls++;
        await delay(100);
        return ok('the one');
      };
      const started = performance.now();
      const results = await Promise.all(
        f.engines.flatMap((engine) => Array.from({ length: 250 }, () => send(engine, get('/cold'), origin))),
      );
      expect(calls).toBe(1);
      expect(results.every((r) => r.status === 200 && r.body === 'the one')).toBe(true);
      expect(results.filter((r) => r.kind === 'miss')).toHaveLength(1);
      // waiters were woken by the fill notice, not by a timeout
      expect(Math.max(...results.map((r) => r.doneAt - started))).toBeLessThan(3000);
      expect(f.errors).toEqual([]);
      // every engine now answers from its own L1
      for (const engine of f.engines) expect((await send(engine, get('/cold'), origin)).kind).toBe('hit');
      expect(calls).toBe(1);
    });

    for (const [size, body, afterNotice] of [
      ['small', 'filled once', []],
      // larger than a notice carries: read once after it
      ['large', 'filled once'.padEnd(20_000, '.'), ['GET example.com/pending']],
    ] as const) {
      it(`requests arriving while a fill is pending read the shared store once per engine, not once each (${size} entry)`, async () => {
        const f = await make(1);
        // a second engine whose shared-store reads are counted
        const handle = await open(kind);
        const backend = createRedisBackend({ client: handle.client, prefix: f.prefix });
        const reads: string[] = [];
        const l2 = backend.store;
        const fills = backend.fills!;
        const counted: SharedBackend = {
          store: {
            get: (key) => {
              reads.push(key);
              return l2.get(key);
            },
            set: (key, entry) => l2.set(key, entry),
            delete: (key) => l2.delete(key),
            deleteByTags: (tags) => l2.deleteByTags(tags),
            clear: () => l2.clear(),
          },
          bus: backend.bus,
          fills: {
            claim: (key, options) => fills.claim(key, options),
            readOrClaim: (key) => {
              reads.push(`read-or-claim ${key}`);
              return fills.readOrClaim(key);
            },
            onFill: (listener) => fills.onFill(listener),
          },
          retain: () => backend.retain(),
        };
        const engine = new HttpCache({ ttl: '1m', shared: counted });
        try {
          await backend.fills!.subscribe();
          let calls = 0;
          const origin = async (): Promise<ResponseLike> => {
            calls++;
            await delay(400);
            return ok(body);
          };
          const leader = send(f.engines[0]!, get('/pending'), origin);
          await delay(50);
          // five waves of requests while the other engine's fill is pending
          const waves: Promise<Awaited<ReturnType<typeof send>>>[] = [];
          for (let wave = 0; wave < 5; wave++) {
            for (let i = 0; i < 20; i++) waves.push(send(engine, get('/pending'), origin));
            await delay(40);
          }
          const results = await Promise.all([leader, ...waves]);
          expect(calls).toBe(1);
          expect(results.every((r) => r.status === 200 && r.body === body)).toBe(true);
          // one read before the fill (it missed, and began the claim that waited); after its notice,
          // none when the notice carried the entry, one when it was too large to carry
          expect(reads).toEqual(['read-or-claim GET example.com/pending', ...afterNotice]);
        } finally {
          await engine.close();
          await backend.close();
          await handle.close();
        }
      });
    }

    it('an invalidation on one engine reaches the other engine: its L1 misses next', async () => {
      const f = await make(2);
      let version = 0;
      const origin = async () => ok(`v${++version}`, { 'surrogate-key': 'products' });
      expect((await send(f.engines[0]!, get('/p'), origin)).body).toBe('v1');
      expect((await send(f.engines[1]!, get('/p'), origin)).body).toBe('v1');
      // engine 0's fill notice reaches engine 1 asynchronously and may set engine 1 reading the entry
      // again after it was copied from L2 (on a busy machine, after the request above): a hit then
      // joins that read instead of counting as an L1 hit, so ask until its L1 answers
      await expect
        .poll(async () => {
          const before = f.tiered(1).stats().l1Hits;
          const response = await send(f.engines[1]!, get('/p'), origin);
          return response.kind === 'hit' && f.tiered(1).stats().l1Hits === before + 1;
        })
        .toBe(true);

      expect(await f.engines[0]!.invalidate({ tags: ['products'] })).toBe(1);
      await expect.poll(async () => f.tiered(1).l1.get('GET example.com/p')).toBeUndefined();
      const after = await send(f.engines[1]!, get('/p'), origin);
      expect(after.kind).toBe('miss');
      expect(after.body).toBe('v2');
      // and back the other way, by URL
      await f.engines[1]!.invalidate({ url: '/p' });
      await expect.poll(async () => f.tiered(0).l1.get('GET example.com/p')).toBeUndefined();
    });

    it('waiters pass at once when the fill was not storable, without waiting lockTimeout', async () => {
      const f = await make(3, { lockTimeout: 10_000 });
      let calls = 0;
      const origin = async () => {
        calls++;
        await delay(50);
        return { status: 200, headers: { 'cache-control': 'private' }, body: Buffer.from('mine') };
      };
      const started = performance.now();
      const results = await Promise.all(
        f.engines.flatMap((engine) =>
          Array.from({ length: 20 }, () => send(engine, get('/private'), origin)),
        ),
      );
      expect(results.every((r) => r.status === 200)).toBe(true);
      expect(Math.max(...results.map((r) => r.doneAt - started))).toBeLessThan(5000);
      expect(calls).toBe(60);
    });

    it('stale-while-revalidate across the fleet: every engine serves stale, one refreshes', async () => {
      let refreshes = 0;
      let version = 0;
      const origin = async () => {
        version++;
        return ok(`v${version}`, { 'cache-control': 'max-age=1, stale-while-revalidate=60' });
      };
      let f!: Fleet;
      const revalidate = (i: number) => async (req: Parameters<typeof send>[1]) => {
        refreshes++;
        await send(f.engines[i]!, req, async () => {
          await delay(100);
          return origin();
        });
      };
      const prefix = uniquePrefix('swr');
      const handles = await Promise.all(Array.from({ length: 4 }, () => open(kind)));
      const backends = handles.map((h) =>
        createRedisBackend({ client: h.client, prefix, commandTimeout: TEST_COMMAND_TIMEOUT }),
      );
      const engines = backends.map((b, i) => new HttpCache({ shared: b, revalidate: revalidate(i) }));
      f = {
        prefix,
        errors: [],
        handles,
        backends,
        engines,
        tiered: (i) => engines[i]!.store as TieredStore,
        close: async () => {
          await Promise.all(engines.map((e) => e.close()));
          await Promise.all(backends.map((b) => b.close()));
          await Promise.all(handles.map((h) => h.close()));
        },
      };
      fleets.push(f);
      await Promise.all(backends.map((b) => b.fills?.subscribe()));
      await Promise.all(engines.map((_, i) => f.tiered(i).ready));
      for (const engine of engines) expect((await send(engine, get('/swr'), origin)).body).toBe('v1');
      expect(version).toBe(1);
      await delay(1100);
      const stale = await Promise.all(
        engines.flatMap((engine) => Array.from({ length: 25 }, () => send(engine, get('/swr'), origin))),
      );
      expect(stale.every((r) => r.kind === 'stale' && r.body === 'v1')).toBe(true);
      // the one refresh lands, and its notice drops every other engine's stale copy
      await expect.poll(() => version, { timeout: 3000 }).toBe(2);
      for (const engine of engines) {
        await expect.poll(async () => (await send(engine, get('/swr'), origin)).body).toBe('v2');
      }
      expect(refreshes).toBe(1);
      expect(version).toBe(2);
    });

    it('a holder that never finishes is replaced when its lock expires, within the waiters budget', async () => {
      const f = await make(2, { lockTimeout: 4000 }, 600);
      // engine 0's backend takes the key and is never heard from again (a process that hung or died)
      const held = await f.backends[0]!.fills!.claim('GET example.com/held', { wait: 0 });
      expect(held.kind).toBe('lead');
      let calls = 0;
      const origin = async () => {
        calls++;
        return ok('taken over');
      };
      const started = performance.now();
      const results = await Promise.all(
        Array.from({ length: 50 }, () => send(f.engines[1]!, get('/held'), origin)),
      );
      const elapsed = performance.now() - started;
      expect(results.every((r) => r.status === 200 && r.body === 'taken over')).toBe(true);
      expect(calls).toBe(1);
      expect(elapsed).toBeGreaterThanOrEqual(500);
      expect(elapsed).toBeLessThan(3000);
      // the late holder's conditional write cannot overwrite the new filler's entry
      if (held.kind === 'lead') {
        expect(await held.lease.write('GET example.com/held', makeEntry(Date.now(), 60_000))).toBe(false);
        await held.lease.release({ kind: 'filled' });
      }
      expect((await send(f.engines[0]!, get('/held'), origin)).body).toBe('taken over');
    });

    it('the lock comes with the version of the entry already there, if any', async () => {
      const f = await make(1);
      const fills = f.backends[0]!.fills!;
      const empty = await fills.claim('GET example.com/v', { wait: 0 });
      expect(empty).toMatchObject({ kind: 'lead', current: null });
      if (empty.kind === 'lead') await empty.lease.release({ kind: 'retry', abandoned: false });
      const e = makeEntry(Date.now(), 60_000, { vary: ['accept'] });
      await f.backends[0]!.store.set('GET example.com/v', e);
      const there = await fills.claim('GET example.com/v', { wait: 0 });
      expect(there).toMatchObject({
        kind: 'lead',
        current: { storedAt: e.storedAt, staleAt: e.staleAt, expiresAt: e.expiresAt, vary: ['accept'] },
      });
      if (there.kind === 'lead') await there.lease.release({ kind: 'retry', abandoned: false });
    });

    it('readOrClaim: the entry when there is one, and the key is not claimed', async () => {
      const f = await make(2);
      const key = 'GET example.com/read';
      const e = makeEntry(Date.now(), 60_000, { body: new Uint8Array([7, 8, 9]) });
      await f.backends[0]!.store.set(key, e);
      const read = await f.backends[0]!.fills!.readOrClaim(key);
      expect(read.claim).toBeUndefined();
      expect(read.entry?.body).toEqual(new Uint8Array([7, 8, 9]));
      expect(read.entry?.expiresAt).toBe(e.expiresAt);
      // the key is free: another process takes it at once
      const other = await f.backends[1]!.fills!.claim(key, { wait: 0 });
      expect(other.kind).toBe('lead');
      if (other.kind === 'lead') await other.lease.release({ kind: 'retry', abandoned: false });
    });

    it('readOrClaim on a free key claims it in the same round trip: the claim leads, nothing there', async () => {
      const f = await make(2);
      const key = 'GET example.com/free';
      const read = await f.backends[0]!.fills!.readOrClaim(key);
      expect(read.entry).toBeUndefined();
      // taken already: another process finds the key busy
      expect(await f.backends[1]!.fills!.claim(key, { wait: 0 })).toEqual({ kind: 'timeout' });
      const claim = await read.claim!.take({ wait: 3000 });
      expect(claim).toMatchObject({ kind: 'lead', current: null });
      if (claim.kind !== 'lead') return;
      const waiting = f.backends[1]!.fills!.claim(key, { wait: 3000 });
      await delay(50);
      expect(await claim.lease.write(key, makeEntry(Date.now(), 60_000))).toBe(true);
      await claim.lease.release({ kind: 'filled' });
      expect(await waiting).toMatchObject({ kind: 'done', outcome: { kind: 'filled' } });
    });

    it("readOrClaim on a held key: the claim waits for the holder's notice, even one sent before it is taken up", async () => {
      const f = await make(3);
      const key = 'GET example.com/held-read';
      const lead = await f.backends[0]!.fills!.claim(key, { wait: 0 });
      if (lead.kind !== 'lead') throw new Error(`expected to lead, got ${lead.kind}`);
      const early = await f.backends[1]!.fills!.readOrClaim(key);
      const late = await f.backends[2]!.fills!.readOrClaim(key);
      expect([early.entry, late.entry]).toEqual([undefined, undefined]);
      const waiting = early.claim!.take({ wait: 3000 });
      await delay(50);
      expect(await lead.lease.write(key, makeEntry(Date.now(), 60_000))).toBe(true);
      await lead.lease.release({ kind: 'filled' });
      expect(await waiting).toMatchObject({ kind: 'done', outcome: { kind: 'filled' } });
      // the notice came before this claim was taken up: it ends at once
      await delay(50);
      const started = performance.now();
      expect(await late.claim!.take({ wait: 3000 })).toMatchObject({
        kind: 'done',
        outcome: { kind: 'filled' },
      });
      expect(performance.now() - started).toBeLessThan(1000);
    });

    it('a notice whose carried entry is unreadable still ends the wait; the entry is read from Redis', async () => {
      const f = await make(2);
      const key = 'GET example.com/bad-notice';
      const lead = await f.backends[0]!.fills!.claim(key, { wait: 0 });
      if (lead.kind !== 'lead') throw new Error(`expected to lead, got ${lead.kind}`);
      const waiting = f.backends[1]!.fills!.claim(key, { wait: 3000 });
      await delay(50);
      const notice = { v: 1, from: 'elsewhere', key, outcome: 'filled', m: '{"v":99}', b: 'AAEC' };
      await f.backends[0]!.port.publish(f.backends[0]!.fills!.channel, JSON.stringify(notice));
      expect(await waiting).toEqual({ kind: 'done', outcome: { kind: 'filled' } });
      expect(f.errors.map(([context]) => context)).toEqual(['fill.notice']);
      await lead.lease.release({ kind: 'retry', abandoned: false });
    });

    it('a claim begun by readOrClaim and dropped frees the key, and its waiters look again', async () => {
      const f = await make(2);
      const key = 'GET example.com/dropped';
      const read = await f.backends[0]!.fills!.readOrClaim(key);
      const waiting = f.backends[1]!.fills!.claim(key, { wait: 3000 });
      await delay(50);
      read.claim!.drop();
      expect(await waiting).toEqual({ kind: 'done', outcome: { kind: 'retry', abandoned: false } });
      const next = await f.backends[1]!.fills!.claim(key, { wait: 0 });
      expect(next.kind).toBe('lead');
      if (next.kind === 'lead') await next.lease.release({ kind: 'retry', abandoned: false });
    });

    it('a cold miss costs one round trip to Redis before the origin is called', async () => {
      const f = await make(1);
      const handle = await open(kind);
      const port = toPort(handle.client, { commandTimeout: TEST_COMMAND_TIMEOUT });
      const counting = new ChaosPort(port);
      const backend = createRedisBackend({ client: counting, prefix: f.prefix });
      const engine = new HttpCache({ ttl: '1m', shared: backend });
      onTestFinished(async () => {
        await engine.close();
        await backend.close();
        await port.close();
        await handle.close();
      });
      await backend.fills!.subscribe();
      const start = counting.calls.length;
      let before: string[] = [];
      const origin = async () => {
        before = counting.calls.slice(start);
        return ok('cold');
      };
      const results = await Promise.all(
        Array.from({ length: 20 }, () => send(engine, get('/one-trip'), origin)),
      );
      expect(results.every((r) => r.status === 200 && r.body === 'cold')).toBe(true);
      expect(before).toEqual(['eval larder-lock-read-or-acquire']);
    });

    it('a read that claimed for a request that then passes (hit-for-pass) frees the key at once', async () => {
      const f = await make(2);
      const uncacheable = async () => ({
        status: 200,
        headers: { 'cache-control': 'no-store' },
        body: new TextEncoder().encode('mine'),
      });
      expect((await send(f.engines[0]!, get('/pass'), uncacheable)).status).toBe(200);
      // hit-for-pass now: the read of the next request claims, and the request passes
      expect((await send(f.engines[0]!, get('/pass'), uncacheable)).kind).toBe('pass');
      await expect
        .poll(async () => {
          const claim = await f.backends[1]!.fills!.claim('GET example.com/pass', { wait: 0 });
          if (claim.kind === 'lead') await claim.lease.release({ kind: 'retry', abandoned: false });
          return claim.kind;
        })
        .toBe('lead');
    });

    it('a waiter that wakes up to a free lock after the fill reads the entry instead of filling again', async () => {
      const f = await make(2);
      const b = f.backends[1]!;
      const lead = await f.backends[0]!.fills!.claim('GET example.com/race', { wait: 0 });
      expect(lead.kind).toBe('lead');
      const waiting = b.fills!.claim('GET example.com/race', { wait: 3000 });
      await delay(50);
      if (lead.kind !== 'lead') return;
      expect(
        await lead.lease.write('GET example.com/race', makeEntry(Date.now(), 60_000, { tags: ['x'] })),
      ).toBe(true);
      await lead.lease.release({ kind: 'filled' });
      expect(await waiting).toMatchObject({ kind: 'done', outcome: { kind: 'filled' } });
    });

    if (label === 'standalone') {
      it("the holder's write of the entry ends the fill for the fleet: waiters hear of it, the lock is free", async () => {
        const f = await make(3);
        const key = 'GET example.com/commit';
        const lead = await f.backends[0]!.fills!.claim(key, { wait: 0 });
        if (lead.kind !== 'lead') throw new Error(`expected to lead, got ${lead.kind}`);
        const waiting = f.backends[1]!.fills!.claim(key, { wait: 3000 });
        await delay(50);
        // nothing but the write: a filler whose process is then busy (answering its own waiters)
        // does not hold the fleet up
        const written = makeEntry(Date.now(), 60_000, { tags: ['x'], body: new Uint8Array([4, 5, 6]) });
        expect(await lead.lease.write(key, written)).toBe(true);
        // the notice carried the entry: the waiter need not read it
        const heard = await waiting;
        expect(heard).toMatchObject({ kind: 'done', outcome: { kind: 'filled' } });
        const carried =
          heard.kind === 'done' && heard.outcome.kind === 'filled' ? heard.outcome.entry : undefined;
        expect(carried?.body).toEqual(new Uint8Array([4, 5, 6]));
        expect(carried?.expiresAt).toBe(written.expiresAt);
        const next = await f.backends[2]!.fills!.claim(key, { wait: 0 });
        expect(next).toMatchObject({ kind: 'lead' });
        if (next.kind === 'lead') await next.lease.release({ kind: 'retry', abandoned: false });
        // the tag index was written with the entry: invalidating the tag removes it
        expect(await f.backends[2]!.store.deleteByTags(['x'])).toBe(1);
        await lead.lease.release({ kind: 'filled' });
      });

      it("a Vary'd fill: the variant is in the store before the waiters hear of the fill", async () => {
        const f = await make(1);
        // the filler's port is slow to write entries, so that its variant's write lands after the
        // index's would if nothing ordered them
        const handle = await open(kind);
        const port = toPort(handle.client, { commandTimeout: TEST_COMMAND_TIMEOUT });
        const slow = new ChaosPort(port);
        slow.slow((operation) => operation === 'eval larder-set-entry', 200);
        const filler = createRedisBackend({ client: slow, prefix: f.prefix });
        onTestFinished(async () => {
          await filler.close();
          await port.close();
          await handle.close();
        });
        const base = 'GET example.com/varied';
        const variant = `${base}\u0000accept=text/html`;
        const lead = await filler.fills!.claim(base, { wait: 0 });
        if (lead.kind !== 'lead') throw new Error(`expected to lead, got ${lead.kind}`);
        const waiting = f.backends[0]!.fills!.claim(base, { wait: 3000 });
        await delay(50);
        const now = Date.now();
        // as the engine writes a Vary'd response: the variant and the index at once
        const writes = Promise.all([
          lead.lease.write(variant, makeEntry(now, 60_000, { body: new Uint8Array([1, 2, 3]) })),
          lead.lease.write(base, makeEntry(now, 60_000, { vary: ['accept'] })),
        ]);
        expect(await waiting).toMatchObject({ kind: 'done', outcome: { kind: 'filled' } });
        expect((await f.backends[0]!.store.get(variant))?.body).toEqual(new Uint8Array([1, 2, 3]));
        expect(await writes).toEqual([true, true]);
        await lead.lease.release({ kind: 'filled' });
      });
    }
  });
}

for (const kind of kinds) fleetSuite('standalone', standalone, kind);
for (const kind of kinds.filter((k) => k.name.startsWith('node-redis 6') || k.name.startsWith('ioredis 5'))) {
  fleetSuite('cluster', cluster, kind);
}

describe('createRedisBackend options', () => {
  let handle: ClientHandle;
  beforeAll(async () => {
    handle = await kinds[0]!.single(shared.single);
  });
  afterAll(async () => {
    await handle?.close();
  });

  it.each([
    [{ client: {} }, 'client'],
    [{ client: 'redis://x' }, 'client'],
    [{ bogus: 1 }, 'bogus'],
    [{ lockTtl: 0 }, 'lockTtl'],
    [{ lockTtl: 'soon' }, 'lockTtl'],
    [{ lock: false, lockTtl: -1 }, 'lockTtl'],
    [{ lock: 'yes' }, 'lock'],
    [{ l1Ttl: 0 }, 'l1Ttl'],
    [{ commandTimeout: -1 }, 'commandTimeout'],
    [{ breaker: 1 }, 'breaker'],
    [{ breaker: { failureThreshold: 0 } }, 'breaker.failureThreshold'],
    [{ breaker: { cooldown: -1 } }, 'breaker.cooldown'],
    [{ breaker: { bogus: 1 } }, 'breaker.bogus'],
    [{ instanceId: '' }, 'instanceId'],
    [{ onError: 1 }, 'onError'],
    [{ prefix: '{' }, 'prefix'],
  ])('%o is a ConfigError naming %s', (options, option) => {
    let error: unknown;
    try {
      createRedisBackend({ client: handle.client, ...options } as never);
    } catch (e) {
      error = e;
    }
    expect((error as { code?: string }).code).toBe('ERR_LARDER_CONFIG');
    expect((error as { option?: string }).option).toBe(option);
  });

  it('lock: false keeps the shared store and bus, without the stampede protocol', async () => {
    const backend = createRedisBackend({
      client: handle.client,
      prefix: uniquePrefix('nolock'),
      lock: false,
    });
    expect(backend.fills).toBeUndefined();
    const engine = new HttpCache({ ttl: '1m', shared: backend });
    let calls = 0;
    const origin = async () => {
      calls++;
      await delay(20);
      return ok('x');
    };
    await Promise.all(Array.from({ length: 20 }, () => send(engine, get('/n'), origin)));
    expect(calls).toBe(1);
    await expect.poll(() => backend.store.get('GET example.com/n')).toBeDefined();
    await engine.close();
    await backend.close();
  });

  it('closes its pub/sub connection when the last engine closes, and reopens it for a new one', async () => {
    const backend = createRedisBackend({ client: handle.client, prefix: uniquePrefix('life') });
    const a = new HttpCache({ ttl: '1m', shared: backend });
    const b = new HttpCache({ ttl: '1m', shared: backend });
    await (a.store as TieredStore).ready;
    await (b.store as TieredStore).ready;
    expect(backend.fills?.subscribed).toBe(true);
    await a.close();
    expect(backend.fills?.subscribed).toBe(true);
    await b.close();
    expect(backend.fills?.subscribed).toBe(false);
    const c = new HttpCache({ ttl: '1m', shared: backend });
    await (c.store as TieredStore).ready;
    await expect.poll(() => backend.fills?.subscribed).toBe(true);
    let calls = 0;
    await send(c, get('/life'), async () => {
      calls++;
      return ok('alive');
    });
    expect(calls).toBe(1);
    await c.close();
    await backend.close();
    await backend.close();
  });
});
