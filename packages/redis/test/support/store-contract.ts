/**
 * The {@link ResponseStore} contract, written once and run against core's `MemoryStore` and against
 * `RedisStore` on every client adapter, standalone and cluster, to prove they mean the same thing:
 * byte-exact entries, expiry at `expiresAt`, replacement that re-indexes tags, `deleteByTags` that
 * removes exactly the tagged entries and leaves no index behind, `clear`.
 */
import type { ResponseStore, StoredEntry } from '@larder/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

/** What the contract needs of one store under test. */
export interface StoreFixture {
  store: ResponseStore;
  /** The store's clock, ms since the epoch. */
  now(): number;
  /**
   * Lets `ms` pass for the store: advances an injected clock, or does nothing where real time runs
   * (Redis; the test then polls, bounded, for the expiry to happen).
   */
  elapse(ms: number): Promise<void>;
  /**
   * Everything the store holds: entries plus tag index records (one per live tag). For Redis, the
   * keys under the store's prefix, counted with `SCAN`.
   */
  countRecords(): Promise<number>;
  close(): Promise<void>;
}

/** An entry stored at `now` that expires `ttl` ms later. */
export function makeEntry(now: number, ttl: number, overrides: Partial<StoredEntry> = {}): StoredEntry {
  return {
    status: 200,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    body: new TextEncoder().encode('hello'),
    storedAt: now,
    initialAge: 0,
    staleAt: now + ttl,
    staleWhileRevalidateUntil: now + ttl,
    staleIfErrorUntil: now + ttl,
    expiresAt: now + ttl,
    tags: [],
    ...overrides,
  };
}

/** A comparable copy: the body as a plain array, so a Buffer and a Uint8Array of the same bytes are equal. */
function plain(entry: StoredEntry | undefined): unknown {
  if (entry === undefined) return undefined;
  return { ...entry, body: [...entry.body] };
}

const MINUTE = 60_000;

/** Registers the store contract as a `describe` block named `name`. */
export function runStoreContract(name: string, setup: () => Promise<StoreFixture>): void {
  describe(`ResponseStore contract: ${name}`, () => {
    let f: StoreFixture;
    let store: ResponseStore;

    beforeAll(async () => {
      f = await setup();
      store = f.store;
    });
    afterAll(async () => {
      await f?.close();
    });

    async function fresh(): Promise<void> {
      await store.clear();
      expect(await f.countRecords()).toBe(0);
    }

    it('resolves undefined for a key never set', async () => {
      expect(await store.get('never')).toBeUndefined();
    });

    it('returns what was stored, byte for byte', async () => {
      await fresh();
      const body = Uint8Array.from([...Array.from({ length: 256 }, (_, i) => i), 0xc3, 0x28, 0x80, 0]);
      const now = f.now();
      const entry = makeEntry(now, MINUTE, {
        status: 203,
        headers: {
          'content-type': 'application/octet-stream',
          'set-cookie-like': ['a=1', 'b=2; Path=/'],
          // Latin-1 beyond ASCII: what Node can send (a field it cannot send is a corrupt entry, issue 11)
          'x-unicode': 'déjà vu',
          etag: '"abc"',
        },
        body,
        storedAt: now - 5,
        initialAge: 7,
        staleAt: now + 1000,
        staleWhileRevalidateUntil: now + 30_000,
        staleIfErrorUntil: now + 45_000,
        expiresAt: now + MINUTE,
        tags: ['t1', 'url:/x'],
        vary: ['accept-encoding', 'accept-language'],
      });
      await store.set('bytes', entry);
      const got = await store.get('bytes');
      expect(plain(got)).toEqual(plain(entry));
      expect(got!.body).toBeInstanceOf(Uint8Array);
      expect(got!.body.byteLength).toBe(body.byteLength);
    });

    it('stores an empty body and a 1 MiB body', async () => {
      await fresh();
      const big = new Uint8Array(1024 * 1024);
      for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
      await store.set('empty', makeEntry(f.now(), MINUTE, { body: new Uint8Array(0), status: 204 }));
      await store.set('big', makeEntry(f.now(), MINUTE, { body: big }));
      expect((await store.get('empty'))?.body.byteLength).toBe(0);
      const got = (await store.get('big'))!.body;
      expect(got.byteLength).toBe(big.byteLength);
      expect(Buffer.compare(Buffer.from(got), Buffer.from(big))).toBe(0);
    });

    it('takes keys and tags of any characters', async () => {
      await fresh();
      const odd = [
        '',
        '{',
        '}',
        '{}',
        'a}b{c',
        '*?[x]\\',
        'line\nbreak',
        ' spaced key ',
        'ünï ✓',
        'GET example.com/a?b=1&c={2}',
      ];
      for (const [i, key] of odd.entries()) {
        await store.set(
          key,
          makeEntry(f.now(), MINUTE, { tags: [odd[(i + 1) % odd.length]!, 'odd'], status: 200 + i }),
        );
      }
      for (const [i, key] of odd.entries()) expect((await store.get(key))?.status).toBe(200 + i);
      expect(await store.deleteByTags(['{}'])).toBe(1);
      expect(await store.get('}')).toBeUndefined();
      expect(await store.deleteByTags(['odd'])).toBe(odd.length - 1);
      expect(await f.countRecords()).toBe(0);
    });

    it('replaces an entry and re-indexes its tags', async () => {
      await fresh();
      await store.set('k', makeEntry(f.now(), MINUTE, { tags: ['a', 'b'], status: 200 }));
      await store.set('k', makeEntry(f.now(), MINUTE, { tags: ['b', 'c'], status: 201 }));
      expect((await store.get('k'))?.status).toBe(201);
      // entry + tags b and c
      expect(await f.countRecords()).toBe(3);
      expect(await store.deleteByTags(['a'])).toBe(0);
      expect((await store.get('k'))?.status).toBe(201);
      expect(await store.deleteByTags(['c'])).toBe(1);
      expect(await store.get('k')).toBeUndefined();
      expect(await f.countRecords()).toBe(0);
    });

    it('deletes a key and its index records; deleting a missing key is a no-op', async () => {
      await fresh();
      await store.set('d', makeEntry(f.now(), MINUTE, { tags: ['x', 'y'] }));
      await store.set('e', makeEntry(f.now(), MINUTE, { tags: ['y'] }));
      expect(await f.countRecords()).toBe(4);
      await store.delete('d');
      expect(await store.get('d')).toBeUndefined();
      expect((await store.get('e'))?.status).toBe(200);
      // e and its tag y
      expect(await f.countRecords()).toBe(2);
      await store.delete('d');
      await store.delete('never-there');
      await store.delete('e');
      expect(await f.countRecords()).toBe(0);
    });

    it('deletes exactly the entries carrying any of the tags, counting each once, and cleans the index', async () => {
      await fresh();
      const tagsOf = (i: number) => [
        `item:${i}`,
        i % 2 === 0 ? 'even' : 'odd',
        ...(i % 3 === 0 ? ['three'] : []),
      ];
      for (let i = 0; i < 30; i++) await store.set(`k${i}`, makeEntry(f.now(), MINUTE, { tags: tagsOf(i) }));
      expect(await f.countRecords()).toBe(30 + 30 + 2 + 1);
      const hit = (i: number) => i % 2 === 0 || i % 3 === 0;
      const expected = Array.from({ length: 30 }, (_, i) => i).filter(hit).length;
      expect(await store.deleteByTags(['even', 'three', 'no-such-tag', 'even'])).toBe(expected);
      for (let i = 0; i < 30; i++) {
        if (hit(i)) expect(await store.get(`k${i}`), `k${i}`).toBeUndefined();
        else expect((await store.get(`k${i}`))?.tags, `k${i}`).toEqual(tagsOf(i));
      }
      const left = 30 - expected;
      // left entries, their item:i tags, and 'odd'
      expect(await f.countRecords()).toBe(left + left + 1);
      expect(await store.deleteByTags(['odd'])).toBe(left);
      expect(await f.countRecords()).toBe(0);
      expect(await store.deleteByTags([])).toBe(0);
    });

    it('counts every entry of a large tag and leaves nothing behind', async () => {
      await fresh();
      await Promise.all(
        Array.from({ length: 1200 }, (_, i) =>
          store.set(`bulk${i}`, makeEntry(f.now(), MINUTE, { tags: ['all'] })),
        ),
      );
      expect(await f.countRecords()).toBe(1201);
      expect(await store.deleteByTags(['all'])).toBe(1200);
      expect(await f.countRecords()).toBe(0);
    });

    it('expires an entry at its expiresAt', async () => {
      await fresh();
      await store.set('short', makeEntry(f.now(), 80, { tags: ['s'] }));
      await store.set('long', makeEntry(f.now(), MINUTE));
      expect(await store.get('short')).toBeDefined();
      await f.elapse(81);
      await vi.waitFor(async () => expect(await store.get('short')).toBeUndefined(), {
        timeout: 3000,
        interval: 20,
      });
      expect(await store.get('long')).toBeDefined();
    });

    it('does not store an entry already expired, and removes the one it replaces', async () => {
      await fresh();
      await store.set('gone', makeEntry(f.now(), MINUTE, { tags: ['g'] }));
      await store.set('gone', makeEntry(f.now() - MINUTE, 1000, { tags: ['g'] }));
      expect(await store.get('gone')).toBeUndefined();
      await store.set('never', makeEntry(f.now(), 0));
      expect(await store.get('never')).toBeUndefined();
      expect(await f.countRecords()).toBe(0);
    });

    it('clears everything', async () => {
      await fresh();
      for (let i = 0; i < 50; i++)
        await store.set(`c${i}`, makeEntry(f.now(), MINUTE, { tags: [`t${i % 5}`] }));
      expect(await f.countRecords()).toBe(55);
      await store.clear();
      expect(await f.countRecords()).toBe(0);
      expect(await store.get('c1')).toBeUndefined();
      await store.set('after', makeEntry(f.now(), MINUTE, { tags: ['t1'] }));
      expect(await store.deleteByTags(['t1'])).toBe(1);
    });
  });
}
